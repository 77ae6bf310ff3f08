"""Interval semantics: what a written figure means, arithmetic on it, and comparisons.

The property tests state the promises a user relies on: rounding is never a
discrepancy, a contradiction beyond rounding always is, and arithmetic never
loses a value that the operands allow.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from factlint.interval import Interval, compare, format_interval, written
from factlint.value_text import Readings, read_texts

INF = math.inf
FAST = settings(max_examples=200, deadline=None)


def one(value: str, qualifier: str = "exact", **kw: object) -> tuple[float, float, bool, bool]:
    kw.setdefault("discrete", False)
    return written([value], [qualifier], **kw)[0]  # type: ignore[arg-type]


# -- the meaning of a written value --------------------------------------------


@pytest.mark.parametrize(
    ("value", "qualifier", "discrete", "expected"),
    [
        ("20.8", "exact", False, (20.75, 20.85, False, False)),
        ("4.1", "exact", False, (4.05, 4.15, False, False)),
        ("4.10", "exact", False, (4.095, 4.105, False, False)),  # "4.10" keeps two decimals
        ("22", "exact", True, (22.0, 22.0, False, False)),  # an exact count
        ("22", "exact", False, (21.5, 22.5, False, False)),  # an integer amount is rounded
        ("22.5", "exact", True, (22.45, 22.55, False, False)),  # decimals are never exact
        ("3500", "more_than", True, (3500.0, INF, True, True)),
        ("3500", "at_least", True, (3500.0, INF, False, True)),
        ("0.4", "less_than", False, (0.0, 0.4, False, True)),
        ("0.4", "at_most", False, (0.0, 0.4, False, False)),
        ("1200", "approx", True, (1140.0, 1260.0, False, False)),
        ("1200", "approx", False, (1139.5, 1260.5, False, False)),  # tolerance on top of rounding
        ("80", "nearly", False, (76.0, 80.0, False, True)),
        ("2-3", "range", True, (2.0, 3.0, False, False)),
        ("2-3", "range", False, (1.5, 3.5, False, False)),
        ("2.5-3", "range", False, (2.45, 3.5, False, False)),
        ("-15.2", "exact", False, (-15.25, -15.15, False, False)),
        ("-3--2", "range", False, (-3.5, -1.5, False, False)),
        (" 20.8 ", " Exact ", False, (20.75, 20.85, False, False)),
    ],
)
def test_written_value_means_an_interval(
    value: str, qualifier: str, discrete: bool, expected: tuple[float, float, bool, bool]
) -> None:
    lo, hi, lo_open, hi_open = one(value, qualifier, discrete=discrete)
    assert (lo_open, hi_open) == expected[2:]
    assert lo == pytest.approx(expected[0], rel=1e-12)
    assert hi == pytest.approx(expected[1], rel=1e-12)


def test_written_bounds_are_the_nearest_doubles() -> None:
    # computed as (2m ± 1) / 2·10^d: exactly the doubles nearest 20.75 and 20.85
    lo, hi, _, _ = one("20.8")
    assert (lo, hi) == (20.75, 20.85)


def test_less_than_starts_below_zero_for_a_change_that_may_be_negative() -> None:
    iv = written(["2", "2"], ["less_than", "at_most"], discrete=False, nonnegative=[False, False])
    assert iv[0] == (-INF, 2.0, True, True)
    assert iv[1] == (-INF, 2.0, True, False)


def test_approx_tolerance_is_settable_per_row() -> None:
    iv = written(["100", "100"], ["approx", "approx"], discrete=True, approx_tolerance=[0.1, 0.0])
    assert iv[0][:2] == pytest.approx((90.0, 110.0))
    assert iv[1][:2] == (100.0, 100.0)


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2013-09-29", "2013-09-29", "2013-09-29"),
        ("2017-04", "2017-04-01", "2017-04-30"),
        ("2024-02", "2024-02-01", "2024-02-29"),
    ],
)
def test_dates_become_day_numbers_spanning_their_precision(
    value: str, first: str, last: str
) -> None:
    lo, hi, _, _ = one(value)
    assert lo == np.datetime64(first, "D").astype(int)
    assert hi == np.datetime64(last, "D").astype(int)


def test_a_bare_year_is_a_date_only_when_the_unit_says_so() -> None:
    iv = written(["2017", "2017"], ["exact", "exact"], discrete=True, date=[True, False])
    assert format_interval(*iv[0], unit="date") == "2017-01-01/2017-12-31"
    assert iv[1] == (2017.0, 2017.0, False, False)


def test_qualified_dates() -> None:
    after = one("2013-09-29", "more_than")
    assert after[0] == np.datetime64("2013-09-29", "D").astype(int)
    assert after[2] and after[1] == INF


@pytest.mark.parametrize(
    ("value", "qualifier"),
    [
        ("abc", "exact"),
        ("", "exact"),
        ("20.8", "roughly"),  # unknown qualifier
        ("2-3", "exact"),  # a range needs the range qualifier
        ("20.8", "range"),
        ("3-2", "range"),  # backwards
        ("2019-02-30", "exact"),  # no such day
        ("--04-01", "exact"),  # a date without its year cannot be placed
        ("1,200", "exact"),  # separators must already be dropped
    ],
)
def test_malformed_values_are_undefined_not_errors(value: str, qualifier: str) -> None:
    iv = written([value], [qualifier], discrete=False)
    assert iv.undefined.all()


def test_missing_values_are_undefined() -> None:
    iv = written(np.array([None, np.nan, "5"], dtype=object), ["exact"] * 3, discrete=True)
    assert iv.undefined.tolist() == [True, True, False]


def test_written_is_vectorised_over_rows() -> None:
    values = ["20.8", "22", "0.4", "2-3"] * 2500
    quals = ["exact", "exact", "less_than", "range"] * 2500
    iv = written(values, quals, discrete=[False, True, False, True] * 2500)
    assert len(iv) == 10_000
    assert iv[9_999] == (2.0, 3.0, False, False)


# -- arithmetic ------------------------------------------------------------------


def test_sum_and_difference() -> None:
    a = Interval.closed([1.0], [2.0])
    b = Interval.of([3.0], [4.0], [True], [False])
    assert (a + b)[0] == (4.0, 6.0, True, False)
    assert (b - a)[0] == (1.0, 3.0, True, False)
    assert (a + 1)[0] == (2.0, 3.0, False, False)
    assert (10 - a)[0] == (8.0, 9.0, False, False)


def test_product_across_zero() -> None:
    a = Interval.closed([-2.0], [3.0])
    b = Interval.closed([4.0], [5.0])
    assert (a * b)[0] == (-10.0, 15.0, False, False)
    assert (-a)[0] == (-3.0, 2.0, False, False)


def test_zero_times_unbounded_is_zero() -> None:
    more_than = written(["3500"], ["more_than"], discrete=True)
    zero = Interval.point([0.0])
    assert (more_than * zero)[0] == (0.0, 0.0, False, False)


def test_quotient_and_open_ends() -> None:
    a = Interval.closed([6.0], [8.0])
    b = Interval.of([2.0], [4.0], [True], [False])  # (2, 4]
    lo, hi, lo_open, hi_open = (a / b)[0]
    assert (lo, hi) == (1.5, 4.0)
    assert (lo_open, hi_open) == (False, True)  # 8/2 is never reached


def test_division_by_an_interval_containing_zero_is_undefined() -> None:
    a = Interval.closed([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    b = Interval.of([-1.0, 0.0, 0.0], [1.0, 0.4, 0.4], [False, False, True], [False, True, False])
    q = a / b
    assert q.undefined.tolist() == [True, True, False]  # (0, 0.4] excludes 0
    assert q[2] == (2.5, INF, False, True)


def test_scale_and_broadcast() -> None:
    share = written(["20.8", "19.5"], ["exact", "exact"], discrete=False)
    fraction = share.scale(0.01)
    assert fraction[0][:2] == pytest.approx((0.2075, 0.2085))
    assert len(share * Interval.point([2.0])) == 2


def test_hull_and_intersection() -> None:
    a = Interval.of([0.0], [2.0], [False], [True])
    b = Interval.of([1.0], [3.0], [True], [False])
    assert a.hull(b)[0] == (0.0, 3.0, False, False)
    assert a.intersect(b)[0] == (1.0, 2.0, True, True)
    c = Interval.closed([5.0], [6.0])
    assert a.intersect(c).empty.all()


def test_container_protocol() -> None:
    iv = written(["1", "2", "3"], ["exact"] * 3, discrete=True)
    assert len(iv) == 3
    assert iv.take([2, 0])[0] == (3.0, 3.0, False, False)
    assert iv.take(np.array([False, True, False]))[0] == (2.0, 2.0, False, False)
    assert iv.mid.tolist() == [1.0, 2.0, 3.0]
    assert iv.width.tolist() == [0.0, 0.0, 0.0]


def test_an_infinite_end_is_always_open() -> None:
    iv = Interval.of([-INF], [INF], [False], [False])
    assert iv[0] == (-INF, INF, True, True)


# -- comparison ----------------------------------------------------------------------


def test_float_noise_never_makes_a_discrepancy() -> None:
    stated = written(["20.8"], ["exact"], discrete=False)
    c = compare(stated, Interval.point([20.85000000000001]), "==")
    assert c.consistent.all() and c.gap[0] == 0.0


def test_an_open_end_is_honoured_despite_the_epsilon() -> None:
    stated = written(["0.4"], ["less_than"], discrete=False)
    computed = Interval.point([0.2]) + Interval.point([0.2])
    c = compare(stated, computed, "==")
    assert not c.consistent[0]
    assert c.gap[0] == 0.0  # they touch; nothing lies between


def test_gap_says_by_how_much() -> None:
    stated = written(["0.4"], ["less_than"], discrete=False)
    c = compare(stated, Interval.point([0.41]), "==")
    assert not c.consistent[0]
    assert c.gap[0] == pytest.approx(0.01)
    assert c.relative_gap[0] == pytest.approx(0.01 / 0.41)


def test_relative_gap_uses_the_finite_end_of_an_unbounded_interval() -> None:
    c = compare(Interval.point([3000.0]), written(["3500"], ["more_than"], discrete=True), "==")
    assert c.gap[0] == 500.0
    assert c.relative_gap[0] == pytest.approx(500 / 3500)


def test_relative_gap_has_no_meaning_against_zero() -> None:
    c = compare(Interval.point([2.0]), Interval.point([0.0]), "==")
    assert c.gap[0] == 2.0 and math.isnan(c.relative_gap[0])
    c = compare(Interval.point([0.0]), Interval.point([0.0]), "==")
    assert c.relative_gap[0] == 0.0


@pytest.mark.parametrize(
    ("a", "b", "op", "consistent", "gap"),
    [
        ((1.0, 2.0), (2.0, 3.0), "<", True, 0.0),
        ((2.0, 2.0), (2.0, 2.0), "<", False, 0.0),
        ((2.0, 2.0), (2.0, 2.0), "<=", True, 0.0),
        ((5.0, 6.0), (1.0, 2.0), "<=", False, 3.0),
        ((5.0, 6.0), (1.0, 2.0), ">", True, 0.0),
        ((1.0, 2.0), (5.0, 6.0), ">=", False, 3.0),
        ((1.0, 2.0), (2.0, 3.0), "==", True, 0.0),
        ((1.0, 2.0), (2.5, 3.0), "==", False, 0.5),
    ],
)
def test_inequalities(
    a: tuple[float, float], b: tuple[float, float], op: str, consistent: bool, gap: float
) -> None:
    c = compare(Interval.closed([a[0]], [a[1]]), Interval.closed([b[0]], [b[1]]), op)
    assert c.consistent[0] == consistent
    assert c.gap[0] == pytest.approx(gap)


def test_less_or_equal_needs_both_touching_ends_attained() -> None:
    a = Interval.of([2.0], [3.0], [True], [False])  # (2, 3]
    b = Interval.closed([1.0], [2.0])
    assert not compare(a, b, "<=").consistent[0]
    assert compare(Interval.closed([2.0], [3.0]), b, "<=").consistent[0]


def test_undefined_operands_are_flagged_not_judged() -> None:
    a = written(["abc", "5"], ["exact", "exact"], discrete=True)
    b = Interval.point([5.0, 5.0])
    c = compare(a, b, "==")
    assert c.undefined.tolist() == [True, False]
    assert c.consistent.tolist() == [False, True]
    assert math.isnan(c.gap[0]) and c.gap[1] == 0.0


def test_unknown_operator_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown comparison operator"):
        compare(Interval.point([1.0]), Interval.point([1.0]), "!=")


def test_ftz_share_implies_a_national_total_that_agrees_with_the_stated_one() -> None:
    """222.52 billion yuan was 18.1% of the national total, stated as 1,232.68 billion yuan."""
    part = written(["222.52"], ["exact"], discrete=False)
    share = written(["18.1"], ["exact"], discrete=False)
    implied = part / share * 100
    assert compare(written(["1232.68"], ["exact"], discrete=False), implied, "==").consistent[0]
    assert compare(written(["1230"], ["more_than"], discrete=False), implied, "==").consistent[0]
    # a total of 1.3 trillion would contradict the share by tens of billions
    c = compare(written(["1300"], ["exact"], discrete=False), implied, "==")
    assert not c.consistent[0] and c.gap[0] > 60


# -- display --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kw", "expected"),
    [
        ((19.13, 19.6), {"unit": "percent"}, "19.13–19.60%"),
        ((3500.0, INF, True, True), {}, "(3500, ∞)"),
        ((0.0, 0.4, False, True), {}, "[0, 0.4)"),
        ((22.0, 22.0), {}, "22"),
        ((103.955, 103.965), {"unit": "billion yuan"}, "103.955–103.965 billion yuan"),
        ((1.0 / 3, 1.0 / 3), {}, "0.3333"),
        ((1.23456, 1.2349), {"digits": 2}, "1.23–1.23"),
        ((-15.25, -15.15), {}, "-15.25 – -15.15"),
        ((15977.0, 15977.0), {"unit": "date"}, "2013-09-29"),
        ((17257.0, 17286.0), {"unit": "date"}, "2017-04-01/2017-04-30"),
        ((math.nan, 1.0), {}, "undefined"),
    ],
)
def test_format_interval(args: tuple[float, ...], kw: dict[str, object], expected: str) -> None:
    assert format_interval(*args, **kw) == expected  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------------------

decimals_text = st.builds(
    lambda whole, frac: f"{whole}.{frac}" if frac else str(whole),
    st.integers(0, 10**7),
    st.text("0123456789", max_size=4),
)


# the texts a fact table holds, and texts close to them that the readers might confuse
figure_like = st.one_of(
    st.from_regex(r"[-+]?[0-9]{0,5}(\.[0-9]{0,3})?", fullmatch=True),
    st.text("0123456789-+. ", max_size=12),
    st.text("0123456789-+.e\u2212\u2013~\t\x00\u00a0\u0663a", max_size=12),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}" + ("" if d is None else f"-{d:02d}"),
        st.integers(0, 9999),
        st.integers(0, 19),
        st.none() | st.integers(0, 39),
    ),
    st.sampled_from(["1" * 15, "9" * 16, "-0", "+0.0", "02.1", "2013.5", "1" * 24, "1" * 25, "5\x00", "2013-09\x00"]),
)


def _same_readings(a: Readings, b: Readings) -> bool:
    for name in (f.name for f in dataclasses.fields(Readings)):
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype.kind == "f":
            # NaN where the other is NaN, equal elsewhere, and -0.0 is not 0.0
            if not (np.array_equal(x, y, equal_nan=True) and (np.signbit(x) == np.signbit(y)).all()):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(figure_like, st.none(), st.just(float("nan"))), max_size=40))
def test_reading_by_arithmetic_agrees_with_the_patterns(texts: list[object]) -> None:
    """The vectorised reader of plain decimals and ISO dates says what the regular
    expressions say, down to the sign of zero and the days of an impossible date."""
    values = np.array(texts, dtype=object)
    assert _same_readings(read_texts(values), read_texts(values, arithmetic=False))


def test_reading_by_arithmetic_knows_the_calendar() -> None:
    days = [
        f"{y:04d}-{m:02d}-{d:02d}"
        for y in (0, 1, 4, 100, 1600, 1900, 1970, 2000, 2023, 2024, 2100, 9999)
        for m in range(0, 14)
        for d in range(0, 33)
    ]
    values = np.array(days + [d[:7] for d in days[::33]] + [f"{y:04d}" for y in range(0, 10000, 37)])
    assert _same_readings(read_texts(values), read_texts(values, arithmetic=False))


@FAST
@given(value=decimals_text, discrete=st.booleans())
def test_written_exact_value_lies_in_its_interval_of_one_unit_of_the_last_digit(
    value: str, discrete: bool
) -> None:
    lo, hi, _, _ = one(value, discrete=discrete)
    x = float(value)
    assert lo <= x <= hi
    decimals = len(value.partition(".")[2])
    unit = 0.0 if discrete and decimals == 0 else 10.0**-decimals
    assert hi - lo == pytest.approx(unit, rel=1e-9, abs=1e-9 * max(1.0, x))


@FAST
@given(value=decimals_text, qualifier=st.sampled_from(["approx", "at_least", "at_most"]))
def test_closed_qualified_values_contain_the_written_value(value: str, qualifier: str) -> None:
    iv = written([value], [qualifier], discrete=False)
    assert iv.contains(float(value)).all()


@FAST
@given(a=st.integers(0, 10**6), b=st.integers(0, 10**6), discrete=st.booleans())
def test_a_range_contains_both_ends(a: int, b: int, discrete: bool) -> None:
    lo, hi = sorted((a, b))
    iv = written([f"{lo}-{hi}"], ["range"], discrete=discrete)
    assert iv.contains(float(lo)).all() and iv.contains(float(hi)).all()


@FAST
@given(
    a=st.floats(1.0, 1e6),
    b=st.floats(1.0, 1e6),
    da=st.integers(0, 4),
    db=st.integers(0, 4),
    ds=st.integers(0, 4),
)
def test_rounding_is_never_a_discrepancy_and_a_real_contradiction_always_is(
    a: float, b: float, da: int, db: int, ds: int
) -> None:
    share = a / b * 100
    part, whole, stated = f"{a:.{da}f}", f"{b:.{db}f}", f"{share:.{ds}f}"
    exact = {"discrete": False}
    computed = written([part], ["exact"], **exact) / written([whole], ["exact"], **exact) * 100
    assert compare(written([stated], ["exact"], discrete=False), computed, "==").consistent.all()

    # move the share by more than its own rounding plus the propagated width
    half = 0.5 * 10.0**-ds
    delta = 1.01 * (computed.width[0] + 2 * half) + 1e-6 * max(1.0, share)
    for moved in (share + delta, share - delta):
        wrong = written([f"{moved:.{ds}f}"], ["exact"], discrete=False)
        c = compare(wrong, computed, "==")
        assert not c.consistent.any()
        assert (c.gap > 0).all()


def _interval(draw: st.DrawFn) -> tuple[float, float, bool, bool]:
    x = draw(st.floats(-1e3, 1e3))
    y = draw(st.floats(-1e3, 1e3))
    lo, hi = min(x, y), max(x, y)
    if lo == hi:
        return lo, hi, False, False
    return lo, hi, draw(st.booleans()), draw(st.booleans())


intervals = st.composite(_interval)()


def _inside(draw: st.DrawFn, iv: tuple[float, float, bool, bool]) -> float:
    lo, hi, lo_open, hi_open = iv
    x = min(max(lo + draw(st.floats(0, 1)) * (hi - lo), lo), hi)
    assume(not (lo_open and x == lo) and not (hi_open and x == hi))
    return x


def _contains_with_slack(iv: Interval, v: float) -> bool:
    # open ends are checked in the example tests; here only values matter, with
    # a hair of slack for the one rounding of the sample's own operation
    lo, hi, _, _ = iv[0]
    slack = 1e-12 * max(1.0, abs(v))
    return lo - slack <= v <= hi + slack


@FAST
@given(data=st.data(), a=intervals, b=intervals)
def test_arithmetic_never_loses_a_value(
    data: st.DataObject, a: tuple[float, ...], b: tuple[float, ...]
) -> None:
    x = data.draw(st.composite(lambda d: _inside(d, a))())  # type: ignore[arg-type]
    y = data.draw(st.composite(lambda d: _inside(d, b))())  # type: ignore[arg-type]
    A, B = Interval.of(*a), Interval.of(*b)
    assert _contains_with_slack(A + B, x + y)
    assert _contains_with_slack(A - B, x - y)
    assert _contains_with_slack(A * B, x * y)
    quotient = A / B
    if quotient.undefined[0]:
        assert B.contains(0.0)[0] or B[0][:2] == (0.0, 0.0)
    else:
        assert y != 0
        assert _contains_with_slack(quotient, x / y)


def test_undefined_stays_undefined_even_times_zero() -> None:
    undefined = Interval.point([1.0]) / Interval.point([0.0])
    assert undefined.undefined.all()
    assert (Interval.point([0.0]) * undefined).undefined.all()
    assert (Interval.point([0.0]) / (undefined + 1.0)).undefined.all()


def test_a_quotient_too_large_for_a_float_keeps_its_true_value() -> None:
    """1 / 5e-324 is about 2e323, past the largest float: it rounds to infinity, which
    bounds it from above only; from below the largest float does."""
    tiny = Interval.of(5e-324, 5e-324, False, False)
    up = (Interval.of(1.0, 1.0, False, False) / tiny)[0]
    down = (Interval.of(-1.0, -1.0, False, False) / tiny)[0]
    assert up[:2] == (np.finfo(float).max, np.inf)
    assert down[:2] == (-np.inf, -np.finfo(float).max)
