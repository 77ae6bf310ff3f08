"""The formula grammar: what it rejects, what it accepts, and how it evaluates intervals."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlint.errors import FormulaError
from factlint.formula import MAX_DEPTH, MAX_LENGTH, Bag, Formula, parse_formula
from factlint.interval import Interval

NAMES = {"a", "b", "c", "total"}


def parse(text: str, names: set[str] = NAMES) -> Formula:
    return parse_formula(text, names=names, where="rules[r].expression", path="checks/x.yaml")


def rejection(text: str) -> str:
    with pytest.raises(FormulaError) as info:
        parse(text)
    return str(info.value)


# -- rejections -------------------------------------------------------------------------------

REJECTED = [
    ("__import__('os') == a", "call of `__import__`"),
    ("__import__('os')", "call of `__import__`"),
    ("a.__class__ == b", "attribute access `a.__class__`"),
    ("a[0] == b", "subscript (indexing) `a[0]`"),
    ("(lambda: 1)() == a", "lambda `lambda: 1`"),
    ("[x for x in a] == b", "list comprehension `[x for x in a]`"),
    ("'s' == a", "string `'s'`"),
    ("b'x' == a", "bytes `b'x'`"),
    ("f'{a}' == b", "f-string `f'{a}'`"),
    ("(a if b else c) == total", "conditional expression (if/else) `a if b else c`"),
    ("a and b", "boolean operator `and`"),
    ("(a or b) == c", "boolean operator `or`"),
    ("open('x') == a", "call of `open`"),
    ("eval('1') == a", "call of `eval`"),
    ("exec('1') == a", "call of `exec`"),
    ("(a := 1) == b", "assignment expression (:=)"),
    ("a < b < c", "chained comparison `a < b < c`"),
    ("sum(a, start=1) == b", "keyword argument `start=` in sum()"),
    ("sum(**a) == b", "`**` argument in sum()"),
    ("sum(*a) == b", "starred argument (*) `*a`"),
    ("*a", "invalid syntax"),
    ("__a == b", "name `__a` is not allowed"),
    ("_a == b", "name `_a` is not allowed"),
    ("d == a", "unknown variable `d`"),
    ("a ** 2 == b", "operator `**`"),
    ("a % 2 == b", "operator `%`"),
    ("a // 2 == b", "operator `//`"),
    ("~a == b", "operator `~`"),
    ("not a", "operator `not`"),
    ("a != b", "operator `!=`"),
    ("a in b", "operator `in`"),
    ("a is b", "operator `is`"),
    ("True == a", "constant `True`"),
    ("None == a", "constant `None`"),
    ("1j == a", "complex constant `1j`"),
    ("1e999 == a", "the number `1e999` is too large"),
    ("(1, 2) == a", "tuple `(1, 2)`"),
    ("[1] == a", "list `[1]`"),
    ("{a: 1} == b", "dict `{a: 1}`"),
    ("a.b() == c", "attribute access `a.b`"),
    ("a() == b", "call of `a`"),
    ("abs(a, b) == c", "abs() takes exactly one argument"),
    ("max() == a", "max() needs at least one argument"),
    ("sum == a", "unknown variable `sum`"),
    ("(a < b) + 1 == c", "a comparison may appear only once"),
    ("sum(a) + a == b", "variable `a` is used both directly inside sum()"),
    ("a + b", "a formula must compare two sides"),
    ("", "the formula is empty"),
    ("a == ", "invalid syntax"),
]


@pytest.mark.parametrize(("text", "construct"), REJECTED, ids=[t for t, _ in REJECTED])
def test_forbidden_construct_is_rejected_by_name(text: str, construct: str) -> None:
    message = rejection(text)
    assert construct in message
    assert message.startswith("checks/x.yaml:rules[r].expression: ")


def test_rejection_names_the_column() -> None:
    assert "column 5: attribute access `b.real`" in rejection("a + b.real == c")
    assert "column 10: unknown variable `nope`" in rejection("a + b == nope")


def test_column_counts_characters_not_bytes() -> None:
    with pytest.raises(FormulaError, match="column 9: unknown variable `x`"):
        parse("é + é + x == a", names={"é", "a"})


def test_unknown_name_lists_the_declared_variables() -> None:
    assert "(declared: `a`, `b`, `c`, `total`)" in rejection("a + x == total")


def test_overlong_and_overdeep_formulas_are_rejected() -> None:
    long = "a + " * (MAX_LENGTH // 4) + "a == b"
    assert f"at most {MAX_LENGTH} are allowed" in rejection(long)
    deep = "-" * (MAX_DEPTH + 1) + "a == b"
    assert f"nested deeper than {MAX_DEPTH} levels" in rejection(deep)
    # just inside the limit is fine
    parse("-" * (MAX_DEPTH - 1) + "a == b")


def test_many_parentheses_are_a_clean_error() -> None:
    text = "(" * 300 + "a" + ")" * 300 + " == b"
    message = rejection(text)
    assert "invalid syntax" in message or "nested deeper" in message


# -- acceptance and evaluation ------------------------------------------------------------------


def iv(lo: float, hi: float) -> Interval:
    return Interval.closed([lo], [hi])


def bounds(x: Interval) -> list[tuple[float, float, bool, bool]]:
    return list(x)


def test_interval_sum_of_two_ranges() -> None:
    left, right, op = parse("a + b == total").evaluate(
        {"a": iv(1, 2), "b": iv(3, 4), "total": iv(5, 5)}
    )
    assert bounds(left) == [(4.0, 6.0, False, False)]
    assert bounds(right) == [(5.0, 5.0, False, False)]
    assert op == "=="


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a - b == c", (-3.0, -1.0)),
        ("a * b == c", (3.0, 8.0)),
        ("b / a == c", (1.5, 4.0)),
        ("-a == c", (-2.0, -1.0)),
        ("+a == c", (1.0, 2.0)),
        ("(a + b) * 2 == c", (8.0, 12.0)),
        ("a + b * 2 == c", (7.0, 10.0)),
        ("abs(a - b) == c", (1.0, 3.0)),
        ("abs(a - 1.5) == c", (0.0, 0.5)),
        ("max(a, b) == c", (3.0, 4.0)),
        ("min(a, b) == c", (1.0, 2.0)),
        ("sum(a, b, 10) == c", (14.0, 16.0)),
    ],
)
def test_arithmetic_over_intervals(text: str, expected: tuple[float, float]) -> None:
    left, _, _ = parse(text).evaluate({"a": iv(1, 2), "b": iv(3, 4), "c": iv(0, 0)})
    lo, hi, _, _ = left[0]
    assert (lo, hi) == pytest.approx(expected)


def test_division_by_an_interval_containing_zero_is_undefined_not_an_error() -> None:
    left, right, comparison = parse("a / b == c").compare(
        {"a": iv(1, 2), "b": iv(-1, 1), "c": iv(0, 5)}
    )
    assert np.isnan(left.lo[0]) and np.isnan(left.hi[0])
    assert bool(comparison.undefined[0]) and not bool(comparison.consistent[0])


def test_open_ends_survive_arithmetic() -> None:
    # "less than 0.4" + exact 1 is below 1.4, never equal to it
    less = Interval([0.0], [0.4], [False], [True])
    left, right, comparison = parse("a + 1 == b").compare({"a": less, "b": iv(1.4, 1.4)})
    assert bounds(left) == [(1.0, 1.4, False, True)]
    assert not bool(comparison.consistent[0])


def test_aggregates_fold_a_variable_bound_to_several_facts() -> None:
    parts = [iv(43, 43), iv(43.78, 43.78), Interval([31.0], [31.26], [True], [False])]
    formula = parse("sum(a) == total")
    assert formula.aggregated == frozenset({"a"})
    left, _, _ = formula.evaluate({"a": parts, "total": iv(118.04, 118.04)})
    lo, hi, lo_open, hi_open = left[0]
    assert (lo, hi) == pytest.approx((117.78, 118.04))
    assert lo_open and not hi_open
    low, _, _ = parse("min(a) == total").evaluate({"a": parts, "total": iv(0, 0)})
    assert bounds(low) == [(31.0, 31.26, True, False)]
    high, _, _ = parse("max(a) == total").evaluate({"a": parts, "total": iv(0, 0)})
    assert bounds(high) == [(43.78, 43.78, False, False)]


def test_min_end_is_closed_when_any_fact_reaching_it_is_closed() -> None:
    parts = [Interval([1.0], [2.0], [True], [True]), Interval([1.0], [3.0], [False], [False])]
    low, _, _ = parse("min(a) == b").evaluate({"a": parts, "b": iv(0, 0)})
    assert bounds(low) == [(1.0, 2.0, False, True)]


def test_ragged_bags_fold_per_check() -> None:
    # check 0 has three members, check 1 one, check 2 none
    bag = Bag(
        values=Interval.closed([1.0, 2.0, 3.0, 10.0], [1.0, 2.0, 3.0, 10.0]),
        group=np.array([0, 0, 0, 1]),
        checks=3,
    )
    total = Interval.closed([6.0, 11.0, 0.0], [6.0, 11.0, 0.0])
    left, _, comparison = parse("sum(a) == total").compare({"a": bag, "total": total})
    assert left.lo.tolist() == [6.0, 10.0, 0.0]
    assert comparison.consistent.tolist() == [True, False, True]
    high, _, _ = parse("max(a) == total").evaluate({"a": bag, "total": total})
    assert high.lo[:2].tolist() == [3.0, 10.0]
    assert np.isnan(high.lo[2])  # the max of nothing is undefined


def test_scalars_broadcast_against_vectors() -> None:
    a = Interval.closed([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    left, right, comparison = parse("a * 100 <= total").compare({"a": a, "total": iv(200, 200)})
    assert left.lo.tolist() == [100.0, 200.0, 300.0]
    assert comparison.consistent.tolist() == [True, True, False]


def test_variables_and_sides_are_recorded() -> None:
    formula = parse("sum(a) / b * 100 < total")
    assert formula.variables == ("a", "b", "total")
    assert formula.side_names("left") == ("a", "b")
    assert formula.side_names("right") == ("total",)
    assert formula.op == "<"


def test_render_substitutes_values_and_keeps_needed_parentheses() -> None:
    formula = parse("a - (b + c) / -total == 2 * (a - b)")
    left, right = formula.render({"a": "a 1", "b": "b 2"})
    assert left == "a 1 - (b 2 + c) / -total"
    assert right == "2 * (a 1 - b 2)"


# -- property: point evaluation equals float arithmetic -----------------------------------------

VARS = ("a", "b", "c")
BINARY: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def trees(allow_division: bool) -> st.SearchStrategy[Any]:
    ops = list(BINARY) if allow_division else ["+", "-", "*"]
    leaves = st.one_of(
        st.integers(min_value=0, max_value=9).map(lambda v: ("num", v)),
        st.sampled_from(VARS).map(lambda v: ("var", v)),
    )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.tuples(st.just("bin"), st.sampled_from(ops), children, children),
            st.tuples(st.just("neg"), children),
            st.tuples(st.just("abs"), children),
            st.tuples(
                st.just("call"), st.sampled_from(["sum", "min", "max"]),
                st.lists(children, min_size=1, max_size=3),
            ),
        )

    # unary chains add depth without leaves; stay well inside the grammar's nesting limit
    return st.recursive(leaves, extend, max_leaves=12).filter(lambda t: depth(t) <= 40)


def depth(tree: Any) -> int:
    kind = tree[0]
    if kind in ("num", "var"):
        return 1
    if kind in ("neg", "abs"):
        return 1 + depth(tree[1])
    if kind == "bin":
        return 1 + max(depth(tree[2]), depth(tree[3]))
    return 1 + max(depth(a) for a in tree[2])


def to_text(tree: Any) -> str:
    kind = tree[0]
    if kind == "num":
        return str(tree[1])
    if kind == "var":
        return str(tree[1])
    if kind == "bin":
        return f"({to_text(tree[2])} {tree[1]} {to_text(tree[3])})"
    if kind == "neg":
        return f"(-{to_text(tree[1])})"
    if kind == "abs":
        return f"abs({to_text(tree[1])})"
    # `+a`: a bare name inside sum() would fold all of a's facts, and a cannot be both
    args = (f"+{to_text(a)}" if a[0] == "var" else to_text(a) for a in tree[2])
    return f"{tree[1]}({', '.join(args)})"


def value(tree: Any, env: dict[str, float]) -> float | None:
    """Float arithmetic on the generated tree; None where a divisor is 0."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "var":
        return env[tree[1]]
    if kind == "neg":
        x = value(tree[1], env)
        return None if x is None else -x
    if kind == "abs":
        x = value(tree[1], env)
        return None if x is None else abs(x)
    if kind == "bin":
        x, y = value(tree[2], env), value(tree[3], env)
        if x is None or y is None or (tree[1] == "/" and y == 0):
            return None
        return BINARY[tree[1]](x, y)
    args = [value(a, env) for a in tree[2]]
    if any(a is None for a in args):
        return None
    numbers = [a for a in args if a is not None]
    return {"sum": math.fsum, "min": min, "max": max}[tree[1]](numbers)


ENVS = st.fixed_dictionaries({v: st.integers(min_value=-5, max_value=5) for v in VARS})


@settings(max_examples=300, deadline=None)
@given(tree=trees(allow_division=True), env=ENVS)
def test_point_intervals_evaluate_like_float_arithmetic(tree: Any, env: dict[str, int]) -> None:
    floats = {k: float(v) for k, v in env.items()}
    formula = parse(f"{to_text(tree)} == 0", names=set(VARS))
    left, _, _ = formula.evaluate({k: Interval.point(v) for k, v in floats.items()})
    expected = value(tree, floats)
    lo, hi, _, _ = left[0]
    if expected is None:
        assert math.isnan(lo) and math.isnan(hi)
    else:
        assert lo == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert hi == pytest.approx(expected, rel=1e-12, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    left=trees(allow_division=False),
    right=trees(allow_division=False),
    op=st.sampled_from(["==", "<", "<=", ">", ">="]),
    env=ENVS,
)
def test_comparison_of_exact_integers_matches_python(
    left: Any, right: Any, op: str, env: dict[str, int]
) -> None:
    floats = {k: float(v) for k, v in env.items()}
    formula = parse(f"{to_text(left)} {op} {to_text(right)}", names=set(VARS))
    _, _, comparison = formula.compare({k: Interval.point(v) for k, v in floats.items()})
    x, y = value(left, floats), value(right, floats)
    assert x is not None and y is not None
    python = {"==": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt,
              ">=": operator.ge}[op]
    assert bool(comparison.consistent[0]) == python(x, y)
