"""Reading figures the way documents write them, and writing them back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from factlint.quantity import (
    QUALIFIERS,
    Quantity,
    QuantityError,
    find_quantities,
    format_quantity,
    parse_quantity,
)

FAST = settings(max_examples=200, deadline=None)


def fields(q: Quantity) -> tuple[str, str, str]:
    return q.value, q.unit, q.qualifier


# -- one figure --------------------------------------------------------------------

PARSE_CASES = [
    # amounts with scale words
    ("103.96 billion yuan", "103.96", "billion yuan", "exact"),
    ("4.1 trillion yuan", "4.1", "trillion yuan", "exact"),
    ("over 20 billion yuan", "20", "billion yuan", "more_than"),
    ("1 trillion 232 billion 680 million yuan", "1232680", "million yuan", "exact"),
    ("2.97 trillion U.S. dollars", "2.97", "trillion usd", "exact"),
    ("US$14.5 billion", "14.5", "billion usd", "exact"),
    ("RMB 5 billion", "5", "billion yuan", "exact"),
    ("100 million units", "100", "million count", "exact"),
    # percentages and qualifiers
    ("less than 0.4%", "0.4", "percent", "less_than"),
    ("close to 80%", "80", "percent", "nearly"),
    ("20 percent", "20", "percent", "exact"),
    ("3 per cent", "3", "percent", "exact"),
    ("at least 5%", "5", "percent", "at_least"),
    ("no more than 5%", "5", "percent", "at_most"),
    ("up to 5%", "5", "percent", "at_most"),
    ("roughly 5%", "5", "percent", "approx"),
    ("almost 5%", "5", "percent", "nearly"),
    ("exceeding 5%", "5", "percent", "more_than"),
    ("no less than 5%", "5", "percent", "at_least"),
    ("under 5%", "5", "percent", "less_than"),
    ("below 5%", "5", "percent", "less_than"),
    ("at most 5%", "5", "percent", "at_most"),
    ("above 5%", "5", "percent", "more_than"),
    ("approximately 5%", "5", "percent", "approx"),
    ("some 3,000", "3000", "count", "approx"),
    # counts
    ("more than 3,500", "3500", "count", "more_than"),
    ("about 1,200", "1200", "count", "approx"),
    ("31,559", "31559", "count", "exact"),
    ("3\u00a0500", "3500", "count", "exact"),
    ("the 22 pilot FTZs", "22", "count", "exact"),
    ("six pilot free trade zones", "6", "count", "exact"),
    ("Seven provinces", "7", "count", "exact"),
    ("eleven existing FTZs", "11", "count", "exact"),
    ("2024", "2024", "count", "exact"),  # alone, a number is a number
    # areas
    ("nearly 180 square kilometers", "180", "km2", "nearly"),
    ("around 9.6 million square km", "9.6", "million km2", "approx"),
    ("116.2 sq km", "116.2", "km2", "exact"),
    ("119.96 sq kilometres", "119.96", "km2", "exact"),
    ("35,400 square kilometers", "35400", "km2", "exact"),
    ("118.04 km2", "118.04", "km2", "exact"),
    ("120.72 km²", "120.72", "km2", "exact"),
    # durations and rates
    ("2-3 days", "2-3", "day", "range"),
    ("between 2 and 3 days", "2-3", "day", "range"),
    ("2 to 3 days", "2-3", "day", "range"),
    ("144-hour", "144", "hour", "exact"),
    ("about 160 new market entities were born every day", "160", "count/day", "approx"),
    ("160 per day", "160", "count/day", "exact"),
    ("3,000 trucks daily", "3000", "count/day", "exact"),
    # signed changes
    ("a 15.2% decrease", "-15.2", "percent", "exact"),
    ("down 3 percent", "-3", "percent", "exact"),
    ("decreased by 5%", "-5", "percent", "exact"),
    ("fell 2.1%", "-2.1", "percent", "exact"),
    ("a decline of 3.5%", "-3.5", "percent", "exact"),
    ("15.2 percent year-on-year decline", "-15.2", "percent", "exact"),
    ("down about 3%", "-3", "percent", "approx"),
    ("-15.2%", "-15.2", "percent", "exact"),
    ("up 6.3 percent", "6.3", "percent", "exact"),
    ("an increase of 53.2%", "53.2", "percent", "exact"),
    # Chinese
    ("119.99 平方公里", "119.99", "km2", "exact"),
    ("超 119 平方公里", "119", "km2", "more_than"),
    ("小于 120 平方公里", "120", "km2", "less_than"),
    ("约1200亿元", "1200", "hundred million yuan", "approx"),
    ("近 5万亿元", "5", "trillion yuan", "nearly"),
    ("4.1万亿元", "4.1", "trillion yuan", "exact"),
    ("3500余项", "3500", "count", "more_than"),
    ("1200亿元左右", "1200", "hundred million yuan", "approx"),
    ("5万元", "5", "ten thousand yuan", "exact"),
    ("下降15.2%", "-15.2", "percent", "exact"),
    # dates
    ("Sept 29, 2013", "2013-09-29", "date", "exact"),
    ("December 31, 2014", "2014-12-31", "date", "exact"),
    ("Aug. 20, 2019", "2019-08-20", "date", "exact"),
    ("on April 1", "--04-01", "date", "exact"),
    ("October 16, 2018", "2018-10-16", "date", "exact"),
    ("Aug 26", "--08-26", "date", "exact"),
    ("2019-08-26", "2019-08-26", "date", "exact"),
    ("1 April 2019", "2019-04-01", "date", "exact"),
    ("September 2013", "2013-09", "date", "exact"),
    ("2013年9月29日", "2013-09-29", "date", "exact"),
    ("9月29日", "--09-29", "date", "exact"),
]


@pytest.mark.parametrize(("text", "value", "unit", "qualifier"), PARSE_CASES)
def test_parse_quantity(text: str, value: str, unit: str, qualifier: str) -> None:
    assert fields(parse_quantity(text)) == (value, unit, qualifier)


def test_parse_keeps_the_span_and_the_scale() -> None:
    q = parse_quantity("over 20 billion yuan")
    assert (q.text, q.start, q.end, q.scale) == ("over 20 billion yuan", 0, 20, "billion")
    assert parse_quantity("4.10 trillion yuan").value == "4.10"  # written precision survives
    assert parse_quantity("1 trillion 232 billion 680 million yuan").scale == "million"
    assert parse_quantity("约1200亿元").scale == "hundred million"


@pytest.mark.parametrize(
    "text", ["", "hello", "2 and 3 days", "the third plenary session", "from 3 to 2 days", "3-2"]
)
def test_parse_quantity_rejects_what_is_not_one_figure(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_quantity_interval_follows_the_contract() -> None:
    assert parse_quantity("20.8%").interval() == pytest.approx((20.75, 20.85, False, False))
    assert parse_quantity("the 22 pilot FTZs").interval() == (22.0, 22.0, False, False)
    assert parse_quantity("less than 0.4%").interval() == (0.0, 0.4, False, True)
    lo, hi, _, _ = parse_quantity("about 1,200").interval(approx_tolerance=0.1)
    assert (lo, hi) == pytest.approx((1080.0, 1320.0))
    # a decline may go below zero: "less than -3%" is not clipped at 0
    assert parse_quantity("less than -3%").interval()[0] == float("-inf")
    assert parse_quantity("2013-09-29").interval()[:2] == (15977.0, 15977.0)


# -- every figure in a passage --------------------------------------------------------


def test_find_quantities_in_a_press_release() -> None:
    text = (
        "In the first half of 2024, the actual use of foreign capital in the 22 pilot FTZs "
        "reached 103.96 billion yuan, and the total value of imports and exports reached "
        "4.1 trillion yuan. Covering less than 0.4% of China's total land area, the 22 pilot "
        "FTZs attracted 20.8% of the country's foreign investment and contributed 19.5% to "
        "national foreign trade."
    )
    assert [fields(q) for q in find_quantities(text)] == [
        ("22", "count", "exact"),
        ("103.96", "billion yuan", "exact"),
        ("4.1", "trillion yuan", "exact"),
        ("0.4", "percent", "less_than"),
        ("22", "count", "exact"),
        ("20.8", "percent", "exact"),
        ("19.5", "percent", "exact"),
    ]


def test_find_quantities_reports_offsets_into_the_text() -> None:
    text = "Kashgar and Horgos occupy 28.48 and 16.58 square kilometers respectively."
    found = find_quantities(text)
    assert [text[q.start : q.end] for q in found] == [q.text for q in found]
    # a bare number borrows the unit the next one states for both
    assert [fields(q) for q in found] == [("28.48", "km2", "exact"), ("16.58", "km2", "exact")]


def test_find_quantities_in_chinese() -> None:
    text = "六大自贸区的面积均超 119 平方公里而小于 120 平方公里"
    assert [fields(q) for q in find_quantities(text)] == [
        ("6", "count", "exact"),  # 六大: "the six major"
        ("119", "km2", "more_than"),
        ("120", "km2", "less_than"),
    ]


def test_find_quantities_reads_dates_whole() -> None:
    text = "On Aug 26, 2019, the State Council approved six new pilot FTZs."
    assert [fields(q) for q in find_quantities(text)] == [
        ("2019-08-26", "date", "exact"),
        ("6", "count", "exact"),
    ]


def test_a_date_without_a_year_is_not_a_count() -> None:
    found = find_quantities("At a press conference on September 2, Tang Wenhong said")
    assert [fields(q) for q in found] == [("--09-02", "date", "exact")]


def test_two_figures_joined_by_from_to_are_not_a_range() -> None:
    found = find_quantities("bringing the number of zones from 21 to 22 zones")
    assert [q.value for q in found] == ["21", "22"]


NOT_FIGURES = [
    "The third plenary session of the 20th CPC Central Committee",
    "2024",
    "in 2022",
    "since 2013",
    "the sixth batch",
    "the 1st, 2nd and 3rd batches",
    "call +86 10 6519 7777",
    "Tel: 010-65197777",
    "see section 3.2 for details",
    "Article 12 says",
    "No. 5 document",
    "1. The first item\n2) The second\n(3) The third",
    "第三批自贸区",
    "COVID-19",
    "the G20 summit and 5G networks",
    "2024-H1 and Q3",
    "version 1.2.3",
    "at 10:30 am",
    "24/7 service",
    "https://www.mofcom.gov.cn/article/2024/09/10/",
    "mail fta2024@mofcom.gov.cn",
    "2013-2022",
    "from 2013 to 2022",
    "2013年",
    "one of the zones",
    "a one-stop service",
    "twenty-two zones",
    "<  1  2  3  4  5  6  7  8  9  10  >",
]


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_find_quantities_skips_numbers_that_are_not_figures(text: str) -> None:
    assert find_quantities(text) == []


def test_find_quantities_never_raises_on_odd_text() -> None:
    for text in ["", "%%%", "5 5 5", "万亿", "-", "1,2,3", "3-2 days", "9999999999999999999999"]:
        assert isinstance(find_quantities(text), list)


@FAST
@given(st.text(max_size=60))
def test_find_quantities_spans_are_ordered_and_verbatim(text: str) -> None:
    found = find_quantities(text)
    assert [q.start for q in found] == sorted(q.start for q in found)
    for q in found:
        assert text[q.start : q.end] == q.text
        assert q.qualifier in QUALIFIERS


# -- writing back -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "qualifier", "expected"),
    [
        ("0.4", "percent", "less_than", "less than 0.4%"),
        ("103.96", "billion yuan", "exact", "103.96 billion yuan"),
        ("3500", "count", "more_than", "more than 3,500"),
        ("1200", "count", "approx", "about 1,200"),
        ("2-3", "day", "range", "2-3 days"),
        ("1", "hour", "exact", "1 hour"),
        ("160", "count/day", "approx", "about 160 per day"),
        ("9.6", "million km2", "approx", "about 9.6 million square kilometers"),
        ("2.97", "trillion usd", "exact", "2.97 trillion US dollars"),
        ("-15.2", "percent", "exact", "-15.2%"),
        ("-3--2", "percent", "range", "down 2-3%"),
        ("5", "ten thousand yuan", "exact", "5万元"),
        ("2013-09-29", "date", "exact", "September 29, 2013"),
        ("--04-01", "date", "exact", "April 1"),
        ("2017-04", "date", "exact", "April 2017"),
        ("3", "widgets", "exact", "3 widgets"),
    ],
)
def test_format_quantity(value: str, unit: str, qualifier: str, expected: str) -> None:
    assert format_quantity(value, unit, qualifier) == expected


def test_format_quantity_rejects_an_unknown_qualifier() -> None:
    with pytest.raises(QuantityError, match="unknown qualifier"):
        format_quantity("5", "count", "roughly")


UNITS = [
    "count", "thousand count", "million count", "percent", "yuan", "million yuan",
    "hundred million yuan", "billion yuan", "trillion yuan", "usd", "billion usd",
    "trillion usd", "km2", "million km2", "hour", "day", "count/day", "ten thousand yuan",
    "ten thousand count", "year", "month",
]  # fmt: skip


def _number(whole: int, frac: str) -> str:
    return f"{whole}.{frac}" if frac else str(whole)


numbers = st.builds(_number, st.integers(0, 10**9), st.text("0123456789", max_size=3))


@st.composite
def rows(draw: st.DrawFn) -> tuple[str, str, str]:
    unit = draw(st.sampled_from(UNITS))
    qualifier = draw(st.sampled_from(QUALIFIERS))
    if qualifier == "range":
        a, b = sorted((draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6))))
        return f"{a}-{b}", unit, qualifier
    value = draw(numbers)
    if draw(st.booleans()) and value.strip("0.") != "":
        value = f"-{value}"
    return value, unit, qualifier


@FAST
@given(rows())
def test_format_then_parse_gives_the_row_back(row: tuple[str, str, str]) -> None:
    value, unit, qualifier = row
    assert fields(parse_quantity(format_quantity(value, unit, qualifier))) == row


@FAST
@given(day=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), form=st.integers(0, 2))
def test_dates_round_trip(day: dt.date, form: int) -> None:
    value = [day.isoformat(), day.isoformat()[:7], "--" + day.isoformat()[5:]][form]
    assert fields(parse_quantity(format_quantity(value, "date", "exact"))) == (
        value,
        "date",
        "exact",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "六大自贸区的面积均超 119 平方公里",
            [("6", "count", "exact"), ("119", "km2", "more_than")],
        ),
        ("十一个自贸区", [("11", "count", "exact")]),
        ("二十一个自贸区", [("21", "count", "exact")]),
        ("两项", [("2", "count", "exact")]),
        ("一个自贸区进一步发展", []),  # 一 is "a", not a figure
        ("will add another 119.5-sq-km area", [("119.5", "km2", "exact")]),
        ("a 100-billion-yuan cluster", [("100", "billion yuan", "exact")]),
    ],
)
def test_find_quantities_reads_chinese_numerals_and_hyphenated_units(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert [fields(q) for q in find_quantities(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rose from 18.1% in 2022 to 21.8% in 2024",
         [("18.1", "percent", "exact"), ("21.8", "percent", "exact")]),
        ("the zone is spread over three areas", [("3", "count", "exact")]),
        ("over 20 billion yuan", [("20", "billion yuan", "more_than")]),
        ("2 to 3 days", [("2-3", "day", "range")]),
    ],
)
def test_a_year_before_to_and_over_after_spread_are_not_ranges_or_bounds(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert [(q.value, q.unit, q.qualifier) for q in find_quantities(text)] == expected


# -- where figures are looked for ---------------------------------------------------------

# pieces of text rich in what figures are made of, with the characters that match an ASCII
# letter when case is ignored ("ſ", "K" the Kelvin sign, "İ", "ı"), pieces of words for them to
# fall inside of, and the mask of noise and dates
FIGURE_PIECES = [
    *"0123456789",
    *",.-$%()#:/~",
    " ", "  ", "\n", "\u00a0", "\u2212", "\u2013", "¥", "％",
    "about", "About", "ABOUT", "down", "Down by", "fell", "falls", "six", "Six", "ten",
    "one", "two", "twenty", "between", "Between ", "and", "to", "from", "over", "spread",
    "in excess of", "In", "in", "a", "A", "an estimated", "up to", "Up", "approx.", "no.",
    "No.", "article", "Section", "page", "p.", "fig.", "nos", "item", "paragraphs",
    "USD", "usd", "RMB", "CNY", "US$", "US $", "us", "yuan", "dollars", "percent",
    "billion", "million", "bn", "hundred million", "days", "per day", "every day", "year-on-year",
    "decline", "sq km", "km2",
    "约", "超过", "超", "亿", "万", "元", "六", "个", "十", "二", "两", "项", "至", "多", "左右",
    "年", "月", "日", "第", "下降", "平方公里",
    "ſ", "\u212a", "\u0130", "\u0131", "s", "S", "i", "I", "k", "K", "x", "e",
    "almo", "t", "decl", "ned", "ome", "even", "lid", "n exce",  # "almoſt", "declıned", ...
    "\ue000",  # the mask
]  # fmt: skip
figure_texts = st.lists(st.sampled_from(FIGURE_PIECES), max_size=24).map("".join)


def figure_matches(text: str) -> tuple[str, list[re.Match[str]]]:
    from factlint import quantity

    lowered = text.lower()
    masked = quantity._masked(text, lowered)[0]
    folded = quantity._ascii_lowered(masked)
    assert len(folded) == len(masked)
    return masked, list(quantity._figure_matches(masked, folded, lowered))


def spans_and_groups(matches: Iterable[re.Match[str]]) -> list[tuple[object, ...]]:
    return [(m.span(), m.groupdict()) for m in matches]


@settings(max_examples=1000, deadline=None)
@given(figure_texts)
@example("no greater than 5, at least 1,2345 between 3 and 4 US$6")
@example("六个 约 5 万元, 超过 1,234 亿 RMB down by 5% from 2013 to 2022")
@example("almoſt 5%, declıned 6%, Sıx 7, ſome 8, claſſno greater than 9")
@example("in exceſs of 5, fallſ 6%, not fewer than 7, nearly 8, ſix 9")
def test_figure_matches_are_those_of_finditer(text: str) -> None:
    """Trying the figure pattern only where a figure can start finds what finditer finds, in
    words that a letter such as "ı" splits too ("declıned 6%")."""
    from factlint import quantity

    masked, found = figure_matches(text)
    assert spans_and_groups(found) == spans_and_groups(quantity._figure_regex().finditer(masked))


@FAST
@given(figure_texts)
@example("Artıcle 5, ſection 6, BLOC\u212a 7, İtems 8, No.9, pp. 10")
def test_label_pattern_is_the_plain_pattern_ignoring_case(text: str) -> None:
    """The label pattern, grouped and in lower case, finds the labels the plain one finds."""
    from factlint import quantity

    plain = re.compile(  # as the labels were first written
        r"(?:\b(?:sections?|articles?|chapters?|clauses?|paragraphs?|para|parts?|items?|nos?\.?"
        r"|number|pages?|pp?\.|tables?|figures?|fig\.|annex|appendix|rules?|version|v\.|phase"
        r"|step|grade|level|class|room|floor|lane|road|route|line|batch|round|stage|group|gate"
        r"|terminal|building|block|exit|platform|vol\.|volume|issue|edition)|[#№第])\s*$",
        re.IGNORECASE,
    )
    folded = quantity._ascii_lowered(text)
    for start in range(len(text) + 1):
        for pos in range(start + 1):
            assert (quantity._LABEL_BEFORE.search(folded, pos, start) is None) == (
                plain.search(text, pos, start) is None
            )


def plain_figure_pattern() -> re.Pattern[str]:
    """The figure pattern as first written: no lookahead before an alternation, no atomic or
    possessive part, and the rate looked for in every text."""
    from factlint import quantity as q

    words = q._alternation(list(q.WORD_NUMBERS))
    num = rf"(?:{q._DIGITS}|(?<![A-Za-z])(?:{words})\b|{q._CN_NUM})"
    rate = (
        r"(?:\s+[A-Za-z][A-Za-z'\-]*){0,6}?\s+(?:(?:every|per|a|each)\s+day\b|daily\b)"
        r"|\s*/\s*day\b"
    )
    return re.compile(
        rf"""
    (?P<neg>(?<![A-Za-z])(?:{q._DECLINE})(?:\s+(?:by|of))?\s+|(?:下降|减少|降低|回落|下滑)了?\s*)?
    (?P<qual>(?<![A-Za-z])(?:{q._EN_QUAL})\s+|(?:{q._CN_QUAL})\s*)?
    (?P<cur>US\s?\$|\$|(?:USD|RMB|CNY)\s*|[¥￥])?
    (?P<sign>(?<![^\s(\[:：（])[-\u2212](?=\d))?
    (?:
        between\s+(?P<b1>{num})\s+and\s+(?P<b2>{num})
      | (?P<compound>{num}\s*(?:{q._SCALE})(?:\s*{num}\s*(?:{q._SCALE}))+)
      | (?P<r1>{num})\s*[-\u2013\u2014~～至到]\s*(?P<r2>{num})
      | (?<![Ff]rom\s)(?!(?:19|20)\d\d\s+to\s)(?P<t1>{num})\s+to\s+(?P<t2>{num})
      | (?P<n1>{num})
    )
    (?P<cnmore>余|多)?
    (?:(?:\s*|-)(?P<scale>{q._SCALE}))?
    (?:(?:\s*|-)(?:{q._UNIT})|(?P<rate>{rate}))?
    (?P<cnsuf>\s*(?:左右|以上|以下))?
    (?P<postneg>\s+(?:year-on-year\s+|yoy\s+)?(?:decrease|decline|drop|fall|reduction|contraction|dip)\b)?
    """,  # noqa: E501
        re.IGNORECASE | re.VERBOSE,
    )


def matched(pattern: re.Pattern[str], text: str, pos: int) -> object:
    m = pattern.match(text, pos)
    if m is None:
        return None
    groups = m.groupdict()
    groups.pop("numbers", None)  # only the pattern that is used has it
    return m.span(), groups


# numbers for atomic groups to give back digits of, and what makes a rate
NUMBER_PIECES = [
    *FIGURE_PIECES, "1,2345", "12\u00a0345", "1.5", "2019", "3-5", "3 to 5", "Between 6 and 7",
    "1 trillion 2 billion", "daily", "DAY", "Da", "/day", "each", "per", "was", "were born",
    "nearly", "Some", "DOWN", "Lower", "Cut", "yoy", "dip", "Thousand", "MN", "bn",
]  # fmt: skip


@FAST
@given(st.lists(st.sampled_from(NUMBER_PIECES), max_size=24).map("".join))
@example("1,2345 billion, 12\u00a0345 to 6, between 1.5 and 2, 3 trillion 4 billion 5")
@example("160 new market entities were born every day, 7 per DAY, 8/day, 9 daıly")
@example("ſome 5 ſq km, Lower 6 Thousand, NEARLY 7 MN, 8 bn, 9 days, 10 dollars")
def test_figure_pattern_matches_what_the_plain_pattern_matches(text: str) -> None:
    """The lookaheads, atomic and possessive parts only spare the engine work: at every
    position, the pattern matches what it matched as first written, and so does the one
    without rates in a text without "da"."""
    from factlint import quantity

    plain = plain_figure_pattern()
    no_rates = "da" not in quantity._ascii_lowered(text)
    for pos in range(len(text) + 1):
        expected = matched(plain, text, pos)
        assert matched(quantity._figure_regex(), text, pos) == expected
        if no_rates:
            assert matched(quantity._figure_regex(rates=False), text, pos) == expected


HINT_PIECES = [
    *FIGURE_PIECES, ":", "：", "10:30", "9:5", "1:23:45", "Tel", "TEL:", "phone", "fax", "Hotlıne",
    "+86", "@", "x@y.cn", "http://a.b/1", "www.", "(010)", "1234567", "13912345678",
    "Jan", "Marrika", "March", "Mar.", "Mayador", "May", "Sept", "Sep", "Decem", "ber", "2024-01-02",
]  # fmt: skip


@FAST
@given(st.lists(st.sampled_from(HINT_PIECES), max_size=24).map("".join))
@example("Guhullu province: 5 yuan, Marrika zone, 10:30, Mayador")
@example("on 6 Mayador")  # "6 May": a month name need not end a word
def test_a_text_without_the_hints_holds_no_noise_and_no_date(text: str) -> None:
    from factlint import quantity

    if not quantity._may_hold_noise(text, text.lower()):
        assert quantity._NOISE.search(text) is None
    if not quantity._may_hold_date(text):
        assert quantity._DATE.search(text) is None


def test_lower_keeps_offsets_and_non_ascii_but_for_the_two_letters_set_aside() -> None:
    """_ascii_lowered uses str.lower unless the text holds one of _LOWER_CHANGES."""
    from factlint import quantity

    changed = []
    for code in range(0x80, 0x110000):
        char = chr(code)
        low = char.lower()
        if low != char and (
            len(low) != 1 or low.isascii() or low.isalpha() != char.isalpha()
            or low.isspace() != char.isspace()
        ):
            changed.append(char)
    assert changed == list(quantity._LOWER_CHANGES)


def test_the_case_folds_are_all_the_letters_that_ignoring_case_makes_ascii() -> None:
    from factlint import quantity

    everything = "".join(map(chr, range(0x80, 0x110000)))
    for letter in "abcdefghijklmnopqrstuvwxyz":
        others = set(re.findall(letter, everything, re.IGNORECASE))
        assert others == set(quantity._FOLDS.get(letter, "")), letter


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("ſome 5 zones", "5", "count", "approx"),  # long s
        ("İn excess of 5 zones", "5", "count", "more_than"),  # dotted capital I
        ("5 bıllion yuan", "5", "billion yuan", "exact"),  # dotless i
        ("1 trıllion 232 bıllion yuan", "1232", "billion yuan", "exact"),
        ("ſix zones", "6", "count", "exact"),
        ("almoſt 5%", "5", "percent", "nearly"),  # inside a word, after an ASCII letter
        ("declıned 6%", "-6", "percent", "exact"),
        ("ABOUT 5 MILLION", "5", "million count", "approx"),
    ],
)
def test_words_the_pattern_matches_ignoring_case_are_read_as_their_ascii_words(
    text: str, value: str, unit: str, qualifier: str
) -> None:
    """The pattern ignores case, and so matches "ſ", "İ", "ı" and the Kelvin sign as ASCII
    letters: the words they spell are looked up as those letters (they raised KeyError)."""
    (q,) = find_quantities(text)
    assert (q.value, q.unit, q.qualifier) == (value, unit, qualifier)
