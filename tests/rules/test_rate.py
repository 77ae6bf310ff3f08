"""FL107 rate: days per period, rates per week, parameters and counts that are not counts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from factlint.errors import RuleSetError
from factlint.findings import Severity
from factlint.normalise import normalise_facts
from factlint.period import parse_period, period_days
from factlint.registry import Metric, RateSpec, Registries
from factlint.rules.base import RuleContext, RuleSpec, Settings
from factlint.rules.loader import parse_rule
from factlint.rules.rate import RateParams, check

from .casekit import facts_frame, registries

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]


def _run(rows: list[list[str]], reg: Registries | None = None, **params: Any) -> pd.DataFrame:
    reg = reg or registries()
    table = normalise_facts(facts_frame([HEADER, *rows]), reg)
    spec = RuleSpec(id="rate", kind="rate", severity=Severity.ERROR, description="d",
                    params=None, file="checks/x.yaml")
    ctx = RuleContext(facts=table, registries=reg, settings=Settings.model_validate({}), rule=spec)
    return check(ctx, RateParams.model_validate(params)).outcomes


@pytest.mark.parametrize("period", ["2020", "2019", "2019-02", "2024-H1", "2024-Q4",
                                    "2019-08/2020-06", "2020-07-01"])
def test_days_are_the_periods_inclusive_length(period: str) -> None:
    out = _run([
        ["count", "z1", "entities", period, "1000", "count", "exact"],
        ["rate", "z1", "entities_per_day", period, "1", "count/day", "exact"],
    ])
    days = period_days(*parse_period(period))
    assert out["computed_lo"].iloc[0] == pytest.approx(1000 / days)
    assert out["computed_hi"].iloc[0] == pytest.approx(1000 / days)


def _weekly() -> Registries:
    reg = registries()
    weekly = Metric(id="entities_per_week", label="New market entities per week",
                    dimension="count", temporal="rate", rate=RateSpec(of="entities", per="week"))
    return Registries(units=reg.units, metrics={**reg.metrics, weekly.id: weekly},
                      entities=reg.entities)


def test_a_rate_per_week_multiplies_the_daily_rate_by_seven() -> None:
    count = ["count", "z1", "entities", "2021", "3650", "count", "exact"]
    ok = _run([count, ["week", "z1", "entities_per_week", "2021", "70", "count", "exact"]],
              _weekly())
    assert ok["status"].tolist() == ["ok"]
    bad = _run([count, ["week", "z1", "entities_per_week", "2021", "100", "count", "exact"]],
               _weekly())
    assert bad["status"].tolist() == ["discrepancy"]
    assert "over 365 days (2021-01-01 to 2021-12-31) (× 7 days per week) gives 70" in (
        bad["message"].iloc[0]
    )


def test_the_outcome_shows_the_stated_rate_and_the_computed_one_in_the_rates_unit() -> None:
    out = _run([
        ["count", "z1", "entities", "2019-08/2020-06", "31559", "count", "exact"],
        ["rate", "z1", "entities_per_day", "2019-08/2020-06", "160", "count/day", "approx"],
    ])
    row = out.iloc[0]
    assert row["facts"] == ("rate", "count")
    assert (row["stated_lo"], row["stated_hi"]) == pytest.approx((151.5, 168.5))
    assert row["computed_lo"] == pytest.approx(31559 / 335)
    assert row["unit"] == "count/day"
    assert row["gap"] == pytest.approx(151.5 - 31559 / 335)


def test_a_count_selector_that_picks_no_count_cannot_check_the_rate() -> None:
    out = _run(
        [
            ["money", "z1", "amount", "2020", "36.6", "billion yuan", "exact"],
            ["rate", "z1", "entities_per_day", "2020", "100", "count/day", "exact"],
        ],
        count={"metric": "amount"},
    )
    assert out["status"].tolist() == ["undefined"]
    assert "`money` is in billion yuan (currency_cny), not a count" in out["message"].iloc[0]


def test_rates_of_other_metrics_are_not_selected() -> None:
    out = _run([["count", "z1", "entities", "2020", "100", "count", "exact"]])
    assert out.empty


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"days": 0}, "positive"),
        ({"days": [335, 305]}, "lo <= hi"),
        ({"period": "rate"}, "period"),
        ({"per": "day"}, "unknown key"),
    ],
)
def test_bad_parameters_are_rule_set_errors(params: dict[str, Any], says: str) -> None:
    item = {"id": "r", "kind": "rate", "description": "d", **params}
    with pytest.raises(RuleSetError) as err:
        parse_rule(item, 0, "checks/x.yaml", registries())
    assert says in str(err.value)
