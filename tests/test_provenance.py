"""Provenance: quotes occur in their sources and state the row's figure."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from factlint.cache import Cache, using
from factlint.provenance import check_provenance, normalise

SOURCE = {
    "s": "The zones\u2019 trade reached  4.1 trillion yuan,\nup 6.1 percent. Less than 0.4% of land."
}


def facts(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["id", "quote", "value", "unit", "qualifier"])
    frame["source"] = "s"
    frame["_file"] = "facts/t.csv"
    frame["_line"] = range(2, len(frame) + 2)
    return frame


def test_whitespace_and_curly_quotes_are_forgiven() -> None:
    assert normalise("The zones\u2019 trade  reached\n4.1") == "The zones' trade reached 4.1"
    found = check_provenance(
        facts(("a", "The zones' trade reached 4.1 trillion yuan", "4.1", "trillion yuan", "exact")),
        SOURCE,
    )
    assert found == []


# characters provenance treats specially, and a few it must leave alone
_TRICKY = " \t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2000\u2009\u200b\u2028\u202f\u3000\ufeff"
_TRICKY += "\u2018\u2019\u201c\u201d\u00b4\u2032'\"ab7%"


@given(st.text(st.sampled_from(_TRICKY), max_size=40) | st.text(max_size=40))
def test_only_whitespace_runs_and_curly_quotes_are_folded(text: str) -> None:
    """Every white space run (as the regex ``\\s+`` finds it) is one space, none at the
    ends, and the four curly quotes are straight; nothing else changes."""
    straight = text
    for curly, plain in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        straight = straight.replace(curly, plain)
    assert normalise(text) == re.sub(r"\s+", " ", straight).strip()


def test_a_quote_broken_over_lines_with_no_break_spaces_is_found() -> None:
    source = {"s": "The 22 zones\u00a0attracted\r\n  103.96\u2009billion yuan."}
    found = check_provenance(
        facts(("a", "attracted 103.96 billion yuan", "103.96", "billion yuan", "exact")), source
    )
    assert found == []
    assert normalise("\u3000 less\u2028than\u202f0.4% \n") == "less than 0.4%"


def test_quote_missing_from_source_is_reported() -> None:
    found = check_provenance(
        facts(("a", "trade reached 4.2 trillion yuan", "4.2", "trillion yuan", "exact")), SOURCE
    )
    assert [(f.code, f.facts, f.line) for f in found] == [("FL021", ("a",), 2)]


def test_changed_value_unit_or_qualifier_is_reported() -> None:
    rows = [
        ("v", "trade reached  4.1 trillion yuan", "4.10", "trillion yuan", "exact"),
        ("u", "trade reached  4.1 trillion yuan", "4.1", "billion yuan", "exact"),
        ("q", "Less than 0.4% of land", "0.4", "percent", "exact"),
        ("ok", "Less than 0.4% of land", "0.4", "percent", "less_than"),
    ]
    found = check_provenance(facts(*rows), SOURCE)
    assert sorted((f.code, f.facts[0]) for f in found) == [
        ("FL022", "q"),
        ("FL022", "u"),
        ("FL022", "v"),
    ]
    message = next(f.message for f in found if f.facts == ("q",))
    assert "Less than 0.4%" in message and "less_than" in message


def test_missing_source_text_is_one_finding_per_source() -> None:
    frame = facts(("a", "x 1", "1", "count", "exact"), ("b", "y 2", "2", "count", "exact"))
    frame["source"] = "gone"
    found = check_provenance(frame, SOURCE)
    assert [(f.code, f.facts) for f in found] == [("FL020", ("a", "b"))]


# -- the cache: a table that passed whole is skipped, and only such a table -----------------


def _run(frame: pd.DataFrame, digests: dict[str, str], cache: Cache) -> list[tuple[str, tuple[str, ...]]]:
    with using(cache):
        found = check_provenance(frame, SOURCE, digests=digests)
    return [(f.code, f.facts) for f in found]


def _two_tables() -> pd.DataFrame:
    frame = facts(
        ("a", "trade reached 4.1 trillion yuan", "4.1", "trillion yuan", "exact"),
        ("b", "Less than 0.4% of land", "0.4", "percent", "less_than"),
        ("c", "x 1", "1", "count", "exact"),
    )
    frame.loc[1:, "_file"] = "facts/u.csv"
    frame.loc[2, "source"] = "gone"  # no text: FL020
    return frame


DIGESTS = {"facts/t.csv": "t1", "facts/u.csv": "u1", "facts/sources/s.txt": "s1"}


def test_a_missing_source_text_is_reported_on_every_warm_run(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    frame = _two_tables()
    cold = [(f.code, f.facts) for f in check_provenance(frame, SOURCE)]
    assert cold == [("FL020", ("c",))]
    assert _run(frame, DIGESTS, cache) == _run(frame, DIGESTS, cache) == cold


def test_a_table_edited_after_a_warm_run_is_read_again(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    frame = _two_tables().iloc[:2]
    assert _run(frame, DIGESTS, cache) == []
    assert _run(frame, DIGESTS, cache) == []  # every table passed whole: nothing read
    frame.loc[0, "quote"] = "trade reached 4.2 trillion yuan"
    edited = {**DIGESTS, "facts/t.csv": "t2"}
    assert _run(frame, edited, cache) == [("FL021", ("a",))]
    assert _run(frame, edited, cache) == [("FL021", ("a",))]


def test_blank_quotes_and_rows_without_a_source_are_not_read(tmp_path: Path) -> None:
    frame = facts(("a", "  \n", "9", "count", "exact"), ("b", "no such words", "9", "count", "exact"))
    frame.loc[1, "source"] = ""
    assert check_provenance(frame, SOURCE) == []
    assert _run(frame, DIGESTS, Cache(tmp_path)) == _run(frame, DIGESTS, Cache(tmp_path)) == []
