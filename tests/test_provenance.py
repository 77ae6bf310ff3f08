"""Provenance: quotes occur in their sources and state the row's figure."""

from __future__ import annotations

import pandas as pd

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
