"""FL109 agreement: which pairs are compared, in which order, and the facts each names,
with derived values that repeat, share or come from one another's facts."""

from __future__ import annotations

import pandas as pd
import pytest

from factlint.rules import agreement

from .test_agreement import HEADER, derived_row
from .test_share import run_kind

TOTAL = ["total", "country", "amount", "2024", "500", "billion yuan", "exact", "a"]


def facts_of(rows: list[list[str]], extra: pd.DataFrame) -> list[tuple[str, ...]]:
    out = run_kind("agreement", rows, extra=extra).outcomes
    facts: list[tuple[str, ...]] = out["facts"].tolist()
    assert all(type(f) is tuple for f in facts)
    return facts


def test_a_fact_named_twice_in_a_derivation_is_listed_once() -> None:
    rows = [HEADER, TOTAL]
    extra = derived_row(rows, 499, 501, ("part", "share", "part"))
    assert facts_of(rows, extra) == [("total", "part", "share")]


def test_two_derived_values_sharing_a_fact_list_it_once() -> None:
    rows = [HEADER, TOTAL]
    extra = pd.concat(
        [
            derived_row(rows, 499, 501, ("share", "part"), rule="first"),
            derived_row(rows, 499, 501, ("other", "share"), rule="second"),
        ],
        ignore_index=True,
    )
    assert facts_of(rows, extra) == [
        ("total", "share", "part"),
        ("total", "other", "share"),
        ("share", "part", "other"),
    ]


def test_the_same_facts_a_different_number_of_times_are_not_the_same_recipe() -> None:
    rows = [HEADER, TOTAL]
    extra = pd.concat(
        [
            derived_row(rows, 499, 501, ("share", "share", "part"), rule="first"),
            derived_row(rows, 499, 501, ("share", "part", "part"), rule="second"),
        ],
        ignore_index=True,
    )
    # the two derived values are compared with each other too
    assert facts_of(rows, extra) == [
        ("total", "share", "part"),
        ("total", "share", "part"),
        ("share", "part"),
    ]


def test_a_value_derived_from_a_derived_value_is_not_compared_with_it() -> None:
    rows = [HEADER, TOTAL]
    extra = pd.concat(
        [
            derived_row(rows, 700, 701, ("share", "part"), rule="first"),
            derived_row(rows, 700, 701, ("first#1",), rule="again"),
        ],
        ignore_index=True,
    )
    assert list(extra["id"]) == ["first#1", "again#1"]
    out = run_kind("agreement", rows, extra=extra).outcomes
    assert out["facts"].tolist() == [("total", "share", "part"), ("total", "first#1")]
    assert out["status"].tolist() == ["discrepancy", "discrepancy"]


def test_pairs_come_in_order_of_their_first_then_second_fact() -> None:
    # two groups whose facts interleave in the table, and a derived value in each
    rows = [HEADER]
    for name, year in (("p", "2023"), ("q", "2024"), ("r", "2023"), ("s", "2024"), ("t", "2023")):
        rows.append([name, "country", "amount", year, "500", "billion yuan", "exact", name])
    extra = derived_row(rows, 499, 501, ("q", "x"))  # a 2024 value
    assert facts_of(rows, extra) == [
        ("p", "r"),
        ("p", "t"),
        ("q", "s"),
        ("r", "t"),
        ("s", "q", "x"),
    ]


@pytest.mark.parametrize(
    "derivations",
    [
        [("part", "share", "part")],
        [("share", "part"), ("other", "share")],
        [("share", "share", "part"), ("share", "part", "part")],
        [("share", "part"), ("part", "share"), ("total",)],
        [("total", "x"), ("x", "total")],
    ],
)
def test_ids_sharing_a_hash_are_told_apart(
    monkeypatch: pytest.MonkeyPatch, derivations: list[tuple[str, ...]]
) -> None:
    """The pair tests compare the ids' hashes first; when every hash is the same, the
    pairs compared and their facts must still be those of the ids themselves."""
    rows = [HEADER, TOTAL, [*TOTAL[:4], "500.0", *TOTAL[5:7], "b"]]
    rows[2][0] = "again"
    extra = pd.concat(
        [derived_row(rows, 499, 501, d, rule=f"r{k}") for k, d in enumerate(derivations)],
        ignore_index=True,
    )
    expected = run_kind("agreement", rows, extra=extra).outcomes
    monkeypatch.setattr(agreement, "hash", lambda _: 7, raising=False)
    colliding = run_kind("agreement", rows, extra=extra).outcomes
    pd.testing.assert_frame_equal(colliding, expected)
    assert len(expected)
