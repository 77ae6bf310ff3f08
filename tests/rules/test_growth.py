"""FL108 growth: previous periods, derived previous values and period-on-period changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from factlint.errors import RuleSetError
from factlint.normalise import normalise_facts
from factlint.period import parse_period
from factlint.registry import Metric
from factlint.rules import load_kinds
from factlint.rules.base import RuleContext, Settings
from factlint.rules.growth import canonical_period, previous_period
from factlint.rules.loader import parse_rule

from .casekit import facts_frame, registries, run_case
from .test_share import HEADER, run_kind


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        ("2025-H1", "2024-H1"),
        ("2022", "2021"),
        ("2024-Q3", "2023-Q3"),
        ("2020-01/2020-07", "2019-01/2019-07"),
        ("2024-09-10", "2023-09-10"),
        ("2024-02-29", "2023-02-28"),
    ],
)
def test_year_on_year_compares_with_the_same_period_a_year_before(
    period: str, previous: str
) -> None:
    text, first, last = previous_period(period, "year_on_year")
    assert text == previous
    assert (first, last) == parse_period(previous)


@pytest.mark.parametrize(
    ("period", "previous"),
    [
        ("2024-Q3", "2024-Q2"),
        ("2024-Q1", "2023-Q4"),
        ("2024-H1", "2023-H2"),
        ("2024-01", "2023-12"),
        ("2024", "2023"),
        ("2024-03/2024-04", "2024-01/2024-02"),
        ("2024-03-01/2024-03-10", "2024-02-20/2024-02-29"),
        ("2024-03-01", "2024-02-29"),
    ],
)
def test_period_on_period_compares_with_the_span_just_before(period: str, previous: str) -> None:
    assert previous_period(period, "period_on_period")[0] == previous


def test_canonical_period_writes_the_shortest_form() -> None:
    assert canonical_period(dt.date(2024, 7, 1), dt.date(2024, 12, 31)) == "2024-H2"
    assert canonical_period(dt.date(2023, 11, 1), dt.date(2024, 2, 29)) == "2023-11/2024-02"


NATIONAL = [
    HEADER,
    ["now", "country", "amount", "2025-H1", "423.2", "billion yuan", "exact"],
    ["change", "country", "amount_growth", "2025-H1", "-15.2", "percent", "exact"],
]


def test_only_the_current_value_derives_the_previous_one_without_an_outcome() -> None:
    result = run_kind("growth", NATIONAL)
    assert len(result.outcomes) == 0
    assert result.derived is not None and len(result.derived) == 1
    row = result.derived.iloc[0]
    assert (row["subject"], row["metric"], row["period"], row["unit"]) == (
        "country",
        "amount",
        "2024-H1",
        "billion yuan",
    )
    assert row["lo"] == pytest.approx(423.15 / 0.8485)
    assert row["hi"] == pytest.approx(423.25 / 0.8475)
    assert 498.6 < row["lo"] < 498.8 and 499.3 < row["hi"] < 499.5
    assert tuple(row["derived_from"]) == ("change", "now")
    assert str(row["start"].date()) == "2024-01-01" and str(row["end"].date()) == "2024-06-30"
    assert "498.70–499.41 billion yuan" in row["quote"]


def test_a_rule_that_only_derives_is_not_reported_dead() -> None:
    findings, runs = run_case({"kind": "growth", "facts": NATIONAL, "rule": {}})
    assert findings == []
    assert runs[0].derived == 1


def test_a_derived_previous_value_feeds_a_later_check() -> None:
    # the share implies the 2024-H1 national total; growth then checks it directly
    rows = [
        *NATIONAL,
        ["part", "zones", "amount", "2024-H1", "103.96", "billion yuan", "exact"],
        ["share", "zones", "amount_share", "2024-H1", "20.8", "percent", "exact"],
    ]
    findings, runs = run_case(
        {"kind": "growth", "facts": rows, "before": [{"kind": "share"}], "rule": {}}
    )
    assert findings == []
    assert runs[0].checks == 1 and runs[0].derived == 0


def test_the_outcome_is_in_the_change_unit_and_names_every_fact() -> None:
    rows = [*NATIONAL, ["before", "country", "amount", "2024-H1", "499", "billion yuan", "exact"]]
    out = run_kind("growth", rows).outcomes
    row = out.iloc[0]
    assert row["status"] == "ok" and row["unit"] == "percent"
    assert row["computed_lo"] == pytest.approx((423.15 / 499.5 - 1) * 100)
    assert row["facts"] == ("change", "now", "before")


def test_every_current_and_previous_pair_is_a_check() -> None:
    rows = [
        *NATIONAL,
        ["before", "country", "amount", "2024-H1", "499", "billion yuan", "exact"],
        ["before-2", "country", "amount", "2024-01/2024-06", "0.6", "trillion yuan", "exact"],
        ["now-2", "country", "amount", "2025-H1", "423", "billion yuan", "exact"],
    ]
    out = run_kind("growth", rows).outcomes
    assert len(out) == 4
    failing = sorted(f for f, s in zip(out["facts"], out["status"], strict=True) if s != "ok")
    assert failing == [("change", "now", "before-2"), ("change", "now-2", "before-2")]


def test_a_period_on_period_change_uses_the_previous_quarter() -> None:
    reg = registries()
    qoq = Metric(
        id="amount_qoq",
        label="Quarter-on-quarter change of the amount",
        dimension="ratio",
        growth={"of": "amount", "basis": "period_on_period"},
    )
    reg = replace(reg, metrics={**reg.metrics, "amount_qoq": qoq})
    rows = [
        HEADER,
        ["q3", "z1", "amount", "2024-Q3", "110", "billion yuan", "exact"],
        ["q2", "z1", "amount", "2024-Q2", "100", "billion yuan", "exact"],
        ["q3-2023", "z1", "amount", "2023-Q3", "50", "billion yuan", "exact"],
        ["change", "z1", "amount_qoq", "2024-Q3", "10", "percent", "exact"],
    ]
    table = normalise_facts(facts_frame(rows), reg)
    spec = parse_rule({"id": "r", "kind": "growth", "description": "d"}, 0, "checks/t.yaml", reg)
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    out = load_kinds()["growth"].check(ctx, spec.params).outcomes
    assert out["facts"].tolist() == [("change", "q3", "q2")]
    assert out["status"].tolist() == ["ok"]


def test_the_discrepancy_message_gives_both_values_their_periods_and_the_gap() -> None:
    rows = [*NATIONAL, ["before", "country", "amount", "2024-H1", "600", "billion yuan", "exact"]]
    message = run_kind("growth", rows).outcomes["message"].iloc[0]
    assert message.startswith(
        "`change` states a change of -15.2% in the amount invested of `country`"
    )
    assert (
        "423.2 billion yuan (`now`, 2025-H1) against 600 billion yuan (`before`, 2024-H1)"
        in message
    )
    assert "14.15 percentage points below the stated -15.25 – -15.15%" in message


@pytest.mark.parametrize(
    ("params", "key"),
    [({"derive_previous": "sometimes"}, "derive_previous"), ({"basis": "year"}, "basis")],
)
def test_bad_parameters_are_rejected_with_the_key(params: dict[str, Any], key: str) -> None:
    with pytest.raises(RuleSetError) as err:
        parse_rule(
            {"id": "r", "kind": "growth", "description": "d", **params},
            0,
            "checks/t.yaml",
            registries(),
        )
    assert key in str(err.value)


def test_the_kind_documents_itself() -> None:
    kind = load_kinds()["growth"]
    assert kind.code == "FL108"
    assert "Why:" in kind.doc and "Failing example" in kind.doc and "Passing example" in kind.doc
    assert all(f.description for f in kind.params.model_fields.values())


def test_selecting_no_growth_fact_is_a_dead_rule() -> None:
    findings, _ = run_case(
        {"kind": "growth", "facts": NATIONAL, "rule": {"select": {"subject": "z1"}}}
    )
    assert [f.code for f in findings] == ["FL050"]
