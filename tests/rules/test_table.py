"""The shared machinery of the rule kinds: the fact table, its selections, ids and keys.

Each fast path is checked against the plain pandas (or Python) expression it stands for.
"""

from __future__ import annotations

import gc
import random
from itertools import product

import numpy as np
import pandas as pd
import pytest

from factlint.collection import collection_paused
from factlint.findings import Severity
from factlint.interval import Comparison, Interval
from factlint.normalise import normalise_facts
from factlint.rules.base import (
    CHUNK_ROWS,
    KIND_COLUMNS,
    FactTable,
    RuleContext,
    RuleSpec,
    Selector,
    Settings,
    derived_facts,
    origin,
    outcomes,
)
from factlint.rules.frames import join_side, joined_ids, joint_codes, prefixed
from tests.rules.casekit import facts_frame, registries

SUBJECTS = ["z1", "z2", "z3", "country"]
METRICS = ["amount", "trade", "part_amount"]


def _stated(n: int) -> pd.DataFrame:
    rows = [["id", "subject", "metric", "period", "value", "unit", "qualifier"]]
    for i in range(n):
        rows.append(
            [f"f{i}", SUBJECTS[i % 4], METRICS[i % 3], str(2015 + i % 5), str(i), "yuan", "exact"]
        )
    return facts_frame(rows)


def _context(table: FactTable, rule_id: str = "r") -> RuleContext:
    rule = RuleSpec(rule_id, "bound", Severity.ERROR, "", None, "checks/case.yaml", 3)
    return RuleContext(registries=table.registries, settings=Settings(), rule=rule, table=table)


def _derived(table: FactTable, rows: pd.DataFrame, rule_id: str) -> pd.DataFrame:
    n = len(rows)
    interval = Interval(
        lo=np.arange(n, dtype=float),
        hi=np.arange(n, dtype=float),
        lo_open=np.zeros(n, dtype=bool),
        hi_open=np.zeros(n, dtype=bool),
    )
    return derived_facts(
        _context(table, rule_id),
        subject=rows["subject"].tolist(),
        metric=rows["metric"].tolist(),
        period=rows["period"].tolist(),
        start=rows["start"].to_numpy(),
        end=rows["end"].to_numpy(),
        unit=rows["unit"].tolist(),
        interval=interval,
        derived_from=[(i,) for i in rows["id"].tolist()],
        explanation=["sum"] * n,
    )


@pytest.fixture
def table() -> FactTable:
    """A table of stated facts and two appended parts of derived ones (not joined)."""
    reg = registries()
    found = FactTable(normalise_facts(_stated(60), reg), reg)
    first = found.frame
    found.append(_derived(found, first[first["metric"] == "amount"], "sum"))
    found.append(_derived(found, first[first["subject"] == "z3"].head(4), "other"))
    return found


def _masks(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    every = np.ones(n, dtype=bool)
    stated_only = np.zeros(n, dtype=bool)
    stated_only[:60] = True
    derived_only = ~stated_only
    first_part = np.zeros(n, dtype=bool)
    first_part[60:65] = True
    return [
        every, ~every, stated_only, derived_only, first_part,
        rng.random(n) < 0.3, rng.random(n) < 0.05,
    ]


def test_rows_are_those_of_the_joined_table(table: FactTable) -> None:
    masks = _masks(len(table))
    found = [table.rows(mask) for mask in masks]  # before the table is joined
    columns = [table.rows(mask, ["id", "note", "lo"]) for mask in masks]
    whole = table.frame
    for mask, rows, few in zip(masks, found, columns, strict=True):
        pd.testing.assert_frame_equal(rows, whole[mask])
        pd.testing.assert_frame_equal(few, whole[["id", "note", "lo"]][mask])
        pd.testing.assert_frame_equal(table.rows(mask), whole[mask])  # joined now


def test_columns_and_rows_taken_are_those_of_the_joined_table(table: FactTable) -> None:
    n = len(table)
    rng = np.random.default_rng(3)
    picks = [
        np.arange(n), rng.permutation(n), rng.integers(0, n, 40), np.array([n - 1, 0, 61, 61]),
        np.arange(60, n)[::-1], np.zeros(0, dtype=np.intp),
    ]
    few = ["id", "note", "lo", "derived_from", "start"]  # stated rows have no derived_from
    columns = {c: table.column(c) for c in few}
    taken = [table.take(at, few) for at in picks]
    whole_rows = [table.take(at) for at in picks]
    whole = table.frame  # joined only now
    for c in few:
        expected = whole[c].to_numpy()
        assert columns[c].dtype.kind == expected.dtype.kind
        pd.testing.assert_series_equal(pd.Series(columns[c]), pd.Series(expected))
    for at, rows, every in zip(picks, taken, whole_rows, strict=True):
        expected = whole[few].iloc[at].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, expected, check_dtype=False)
        assert list(every.columns) == list(whole.columns)
        pd.testing.assert_frame_equal(
            every, whole.iloc[at].reset_index(drop=True), check_dtype=False
        )


def test_derived_rows_are_the_derived_rows_named(table: FactTable) -> None:
    whole = table.frame.copy()
    wanted = {"sum#2", "other#1", "f3", "nowhere"}  # f3 is stated: not a derived row
    found = FactTable(whole, table.registries)
    found.append(whole.iloc[:0])  # parts change nothing
    expected = whole[whole["derived"] & whole["id"].isin(wanted)].reset_index(drop=True)
    for rows in (table.derived_rows(wanted), found.derived_rows(wanted)):
        assert rows["id"].tolist() == ["sum#2", "other#1"]
        pd.testing.assert_frame_equal(rows, expected, check_dtype=False)


def test_select_is_the_rows_its_selector_names(table: FactTable) -> None:
    ctx = _context(table)
    whole = table.frame.copy()
    selectors = [
        ({"metric": "amount"}, whole["metric"] == "amount"),
        ({"metric": ["amount", "trade"], "subject": "z1"},
         whole["metric"].isin(["amount", "trade"]) & (whole["subject"] == "z1")),
        ({"id": "f7"}, whole["id"] == "f7"),
        ({"id": ["f7", "f9", "missing"]}, whole["id"].isin(["f7", "f9"])),
        ({"id": []}, whole["id"].isin([])),
        ({"derived": True}, whole["derived"]),
        ({"subject_kind": "zone", "derived": False},
         whole["subject"].isin(["z1", "z2", "z3"]) & ~whole["derived"]),
    ]
    for fields, expected in selectors:
        selector = Selector.model_validate(fields)
        pd.testing.assert_frame_equal(ctx.select(selector), whole[expected.to_numpy()])
        pd.testing.assert_frame_equal(
            ctx.select(selector, columns=["id", "value"]),
            whole[["id", "value"]][expected.to_numpy()],
        )



def test_kinds_select_their_columns_from_stated_and_derived_rows(table: FactTable) -> None:
    """Every column a kind reads is one of the table's, in its stated and derived rows."""
    ctx = _context(table)
    selector = Selector.model_validate({"metric": "amount"})
    whole = table.frame.copy()
    expected = whole[list(KIND_COLUMNS)][(whole["metric"] == "amount").to_numpy()]
    assert expected["derived"].any() and not expected["derived"].all()
    pd.testing.assert_frame_equal(ctx.select(selector, columns=KIND_COLUMNS), expected)


def test_a_join_side_is_the_prefixed_columns_again(table: FactTable) -> None:
    frame = table.frame
    side = prefixed(frame, "g_")
    assert list(side.columns) == [f"g_{c}" for c in KIND_COLUMNS]
    pd.testing.assert_frame_equal(join_side(side, "g_"), frame[list(KIND_COLUMNS)])


def test_a_kept_selection_is_not_changed_by_its_users() -> None:
    reg = registries()
    table = FactTable(normalise_facts(_stated(30), reg), reg)
    ctx = _context(table)
    selector = Selector.model_validate({"metric": "amount"})
    first = ctx.select(selector)
    expected = first.copy()
    first["lo"] = -1.0  # in place, as a rule may
    first["extra"] = 1
    del first["quote"]
    again = ctx.select(Selector.model_validate({"metric": ["amount"]}))
    pd.testing.assert_frame_equal(again, expected)
    assert again is not ctx.select(selector)


def test_a_selection_sees_rows_appended_after_it() -> None:
    reg = registries()
    table = FactTable(normalise_facts(_stated(30), reg), reg)
    ctx = _context(table)
    selector = Selector.model_validate({"metric": "amount"})
    before = ctx.select(selector)
    table.append(_derived(table, before, "sum"))
    after = ctx.select(selector)
    assert len(after) == 2 * len(before)
    pd.testing.assert_frame_equal(after, table.frame[(table.frame["metric"] == "amount").to_numpy()])


def _joined_ids_reference(*groups: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [tuple(dict.fromkeys(sum(row, ()))) for row in zip(*groups, strict=True)]


@pytest.mark.parametrize("seed", range(40))
def test_joined_ids_are_the_rows_ids_in_order_without_repeats(seed: int) -> None:
    rnd = random.Random(seed)
    ids = [f"f{i}" for i in range(12)]
    n = rnd.choice([0, 1, 5, CHUNK_ROWS + 3])
    singles = seed % 2 == 0

    def one() -> tuple[str, ...]:
        if singles:
            return (rnd.choice(ids),)
        return tuple(rnd.choice(ids) for _ in range(rnd.choice([0, 1, 1, 2, 3, 30])))

    groups = [[one() for _ in range(n)] for _ in range(rnd.randint(1, 4))]
    found = joined_ids(*groups)
    assert found == _joined_ids_reference(*groups)
    assert all(type(row) is tuple for row in found)


def test_joined_ids_of_lists_of_different_lengths_is_an_error() -> None:
    with pytest.raises(ValueError, match="different lengths"):
        joined_ids([("a",)], [("a",), ("b",)])
    assert joined_ids() == []


def test_origin_of_stated_and_derived_rows(table: FactTable) -> None:
    whole = table.frame
    big = pd.concat([whole] * (CHUNK_ROWS // len(whole) + 2), ignore_index=True)
    expected = [
        tuple(sources) if derived else (fact_id,)
        for fact_id, derived, sources in zip(
            big["id"], big["derived"], big["derived_from"], strict=True
        )
    ]
    assert origin(big) == expected


@pytest.mark.parametrize("columns", [1, 2, 4])
def test_joint_codes_are_equal_where_every_column_is(columns: int) -> None:
    rng = np.random.default_rng(columns)

    def column(n: int, k: int) -> pd.Series:
        if k % 2:
            return pd.Series(pd.to_datetime(rng.integers(0, 3, n), unit="D"))
        values = np.array(["a", "b", "c", None], dtype=object)
        return pd.Series(values[rng.integers(0, 4, n)], dtype=object)

    left = [column(50, k) for k in range(columns)]
    right = [column(70, k) for k in range(columns)]
    l_key, r_key = joint_codes(left, right)

    def rows(frame: list[pd.Series]) -> list[tuple[object, ...]]:
        return list(zip(*(c.astype(object).where(c.notna(), None) for c in frame), strict=True))

    l_rows, r_rows = rows(left), rows(right)
    for (i, a), (j, b) in product(enumerate(l_rows), enumerate(r_rows)):
        assert (l_key[i] == r_key[j]) == (a == b)
    assert min(l_key.min(), r_key.min()) >= 0
    assert max(l_key.max(), r_key.max()) <= len(l_rows) + len(r_rows)


def test_outcome_statuses_keep_their_dtype() -> None:
    def comparison(n: int) -> tuple[Interval, Comparison]:
        interval = Interval(np.zeros(n), np.ones(n), np.zeros(n, bool), np.zeros(n, bool))
        undefined = np.arange(n) == 2
        consistent = (np.arange(n) % 2 == 0) & ~undefined
        return interval, Comparison(consistent, np.zeros(n), np.zeros(n), undefined)

    for n in (0, 5):
        interval, compared = comparison(n)
        frame = outcomes(
            facts=[("a",)] * n, stated=interval, computed=interval, unit="yuan",
            comparison=compared,
        )
        expected = np.where(
            compared.undefined, "undefined", np.where(compared.consistent, "ok", "discrepancy")
        )
        pd.testing.assert_series_equal(frame["status"], pd.Series(expected, name="status"))


def test_the_collector_is_paused_and_restored() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        survivor = [(str(i),) for i in range(10)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert gc.is_tracked(survivor)
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_frozen_by_others_stay_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collection_paused():
            pass
        # thawed would be none left frozen; a few may be freed meanwhile (a finished
        # thread's objects, say), so the count need not stay exactly as it was
        assert frozen > 1000 and gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()


def test_derived_rows_have_the_column_types_of_stated_ones(table: FactTable) -> None:
    # derived rows join the table's parts: a column of another type would change the
    # joined table's (text as object, say) and send every selection through a concatenation
    stated = table.frame.iloc[:60]
    derived = _derived(table, stated.head(7), "typed")
    shared = [c for c in derived.columns if c in stated.columns]
    assert len(shared) >= 20
    assert derived[shared].dtypes.to_dict() == stated[shared].dtypes.to_dict()
    # no rows: the columns derived_facts fills itself are typed as empty lists are
    empty = _derived(table, stated.head(0), "typed")
    filled = ["id", "source", "quote", "value", "qualifier", "_file", "_line", "dimension"]
    filled.append("derived")
    assert empty[filled].dtypes.to_dict() == pd.DataFrame({c: [] for c in filled}).dtypes.to_dict()
