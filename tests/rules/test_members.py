"""Focused tests of FL106 members: the FTZ-shaped registry, messages, derived totals, params."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from factlint.errors import RuleSetError
from factlint.findings import Severity
from factlint.normalise import normalise_facts
from factlint.registry import Entity, Metric, Registries
from factlint.rules.base import RuleContext, RuleResult, RuleSpec, Settings
from factlint.rules.members import MembersParams, check
from factlint.rules.membership import member_pairs

from .casekit import facts_frame, registries

HEADER = ["id", "subject", "metric", "period", "value", "unit", "qualifier"]
EVENTS = ["approved_on", "launched_on", "opened_on", "plan_released_on"]
BATCHES = {
    "b2013": ["shanghai"],
    "b2015": ["guangdong", "tianjin", "fujian"],
    "b2017": ["liaoning", "zhejiang", "henan", "hubei", "chongqing", "sichuan", "shaanxi"],
    "b2018": ["hainan"],
    "b2019": ["shandong", "jiangsu", "guangxi", "hebei", "yunnan", "heilongjiang"],
    "b2020": ["beijing", "hunan", "anhui"],
    "b2023": ["xinjiang"],
}


def ftz_registry() -> Registries:
    """22 zones in seven batches, Lingang as an area of Shanghai and of the 2019 group."""
    base = registries()
    entities: dict[str, Entity] = {
        "ftz-all": Entity(id="ftz-all", name="All zones", kind="zone_set"),
        "group-2019": Entity(id="group-2019", name="2019 zones and Lingang", kind="zone_group"),
    }
    for batch, zones in BATCHES.items():
        entities[batch] = Entity(id=batch, name=batch, kind="zone_batch")
        for zone in zones:
            groups = ("ftz-all", batch) + (("group-2019",) if batch == "b2019" else ())
            entities[zone] = Entity(id=zone, name=zone, kind="zone", member_of=groups)
    entities["lingang"] = Entity(
        id="lingang", name="Lingang", kind="zone_area", member_of=("shanghai", "group-2019")
    )
    for area in ("pingtan", "xiamen", "fuzhou"):
        entities[area] = Entity(id=area, name=area, kind="zone_subarea", member_of=("fujian",))
    metrics = dict(base.metrics)
    for event in EVENTS:
        metrics[event] = Metric(id=event, label=event, dimension="date", temporal="event")
    return dataclasses.replace(base, entities=entities, metrics=metrics)


FTZ_EVENTS = [
    ["set-launched", "ftz-all", "launched_on", "2024", "2013-09-29", "date", "exact"],
    ["sh-launched", "shanghai", "launched_on", "2015", "2013-09-29", "date", "exact"],
    ["fj-approved", "fujian", "approved_on", "2015", "2014-12-31", "date", "exact"],
    ["b17-opened", "b2017", "opened_on", "2017", "2017-04-01", "date", "exact"],
    ["hn-plan", "hainan", "plan_released_on", "2018", "2018-10-16", "date", "exact"],
    ["b19-approved", "b2019", "approved_on", "2019", "2019-08-26", "date", "exact"],
    ["lg-launched", "lingang", "launched_on", "2019", "2019-08-20", "date", "exact"],
    ["b20-approved", "b2020", "approved_on", "2020", "2020-09-21", "date", "exact"],
    ["xj-approved", "xinjiang", "approved_on", "2023", "2023-10-21", "date", "exact"],
]


def run(rows: list[list[Any]], raw: dict[str, Any], reg: Registries | None = None) -> RuleResult:
    reg = reg or ftz_registry()
    table = normalise_facts(facts_frame([HEADER, *rows]), reg)
    spec = RuleSpec(
        id="members", kind="members", severity=Severity.ERROR, description="d",
        params=None, file="checks/x.yaml",
    )
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    return check(ctx, MembersParams.model_validate(raw))


def by_first_fact(out: pd.DataFrame) -> dict[str, pd.Series]:
    return {row["facts"][0]: row for _, row in out.iterrows()}


COUNT = {"mode": "count", "select": {"metric": "zone_count"}, "established_by": EVENTS}


def test_the_ftz_counts_agree_with_the_registry_and_its_dates() -> None:
    rows = [
        *FTZ_EVENTS,
        ["c2019", "ftz-all", "zone_count", "2019-08-26", "18", "count", "exact"],
        ["c2022", "ftz-all", "zone_count", "2022", "21", "count", "exact"],
        ["c2024", "ftz-all", "zone_count", "2024-H1", "22", "count", "exact"],
        ["c2018", "ftz-all", "zone_count", "2018-12", "12", "count", "exact"],
    ]
    out = by_first_fact(run(rows, COUNT).outcomes)
    assert {k: r["status"] for k, r in out.items()} == dict.fromkeys(out, "ok")
    # Guangdong and Tianjin have no date: they may or may not exist in 2018
    assert (out["c2018"]["computed_lo"], out["c2018"]["computed_hi"]) == (10.0, 12.0)
    # the set's own "launched since 2013" dates no zone; batch 2020 is approved later
    assert (out["c2019"]["computed_lo"], out["c2019"]["computed_hi"]) == (16.0, 18.0)


def test_a_count_that_runs_ahead_of_the_approvals_fails_with_the_gap() -> None:
    rows = [*FTZ_EVENTS, ["c2022", "ftz-all", "zone_count", "2022", "22", "count", "exact"]]
    out = run(rows, COUNT).outcomes
    assert out["status"].tolist() == ["discrepancy"]
    assert out["facts"].iloc[0] == ("c2022", "xj-approved")
    assert out["message"].iloc[0] == (
        "`c2022` states 22 zones for 2022; the registry has 19 zones of `ftz-all` surely set up "
        "by then, 2 more of unknown date and 1 approved only later (19–21): 1 more than the "
        "registry allows"
    )
    assert out["gap"].iloc[0] == 1.0


def test_a_group_counts_its_own_members_and_lingang_is_not_dated_by_shanghai() -> None:
    rows = [
        *FTZ_EVENTS,
        ["g7", "group-2019", "zones_added", "2019-08-26", "7", "count", "exact"],
        ["g-early", "group-2019", "zones_added", "2019-08-25", "0", "count", "exact"],
    ]
    raw = {**COUNT, "select": {"metric": "zones_added"}, "member_kinds": ["zone", "zone_area"]}
    out = by_first_fact(run(rows, raw).outcomes)
    assert out["g7"]["status"] == "ok"
    # the day before: the six zones are approved only later, Lingang launched on 08-20
    assert (out["g-early"]["computed_lo"], out["g-early"]["computed_hi"]) == (1.0, 1.0)
    assert out["g-early"]["status"] == "discrepancy"
    assert out["g-early"]["facts"] == ("g-early", "lg-launched")


def test_a_launch_after_the_date_leaves_a_member_possible() -> None:
    rows = [
        ["lg-launched", "lingang", "launched_on", "2019", "2019-08-20", "date", "exact"],
        ["n", "shanghai", "zones_added", "2018", "0", "count", "exact"],
    ]
    raw = {**COUNT, "select": {"metric": "zones_added"}, "member_kinds": ["zone_area"]}
    out = run(rows, raw).outcomes
    assert (out["computed_lo"].iloc[0], out["computed_hi"].iloc[0]) == (0.0, 1.0)
    assert out["status"].iloc[0] == "ok"


def test_areas_of_a_zone_are_summed_and_derived_in_the_members_unit() -> None:
    rows = [
        ["fj", "fujian", "area", "2015", "118.04", "km2", "exact"],
        ["pt", "pingtan", "area", "2015", "43", "km2", "exact"],
        ["xm", "xiamen", "area", "2015", "43.78", "km2", "exact"],
        ["fz", "fuzhou", "area", "2015", "31.26", "km2", "exact"],
    ]
    raw = {"mode": "sum", "select": {"subject": "fujian"}, "member_kinds": ["zone_subarea"]}
    result = run(rows, raw)
    assert result.outcomes["status"].tolist() == ["ok"]
    assert result.outcomes["facts"].iloc[0] == ("fj", "fz", "pt", "xm")
    derived = result.derived
    assert derived is not None and len(derived) == 1
    row = derived.iloc[0]
    assert (row["subject"], row["metric"], row["period"], row["unit"]) == (
        "fujian", "area", "2015", "km2"
    )
    assert (row["lo"], row["hi"]) == pytest.approx((117.53, 118.55))
    assert set(row["derived_from"]) == {"pt", "xm", "fz"}
    assert row["end"] == pd.Timestamp("2015-12-31")


def test_the_area_of_all_zones_is_derived_at_a_period_with_each_member_bounds() -> None:
    rows = [*FTZ_EVENTS]
    for zone in [z for zones in BATCHES.values() for z in zones]:
        if zone not in ("yunnan", "heilongjiang"):
            rows.append([f"{zone}-area", zone, "area", "2020", "119.5", "km2", "exact"])
    rows += [
        ["each-over", "b2019", "member_area", "2019-08-26", "119", "km2", "more_than"],
        ["each-under", "b2019", "member_area", "2019-08-26", "120", "km2", "less_than"],
    ]
    raw = {
        "mode": "sum", "of": "ftz-all", "member_metric": "area", "at": ["2024-H1"],
        "each_metric": "member_area", "established_by": EVENTS,
    }
    result = run(rows, raw)
    assert len(result.outcomes) == 0
    assert result.derived is not None
    row = result.derived.iloc[0]
    # 20 zones stated at 119.5 (119.45–119.55), two bounded by (119, 120); Guangdong and
    # Tianjin have no date, so they may not exist and count from 0
    assert row["lo"] == pytest.approx(18 * 119.45 + 2 * 119)
    assert row["hi"] == pytest.approx(20 * 119.55 + 2 * 120)
    assert bool(row["lo_open"]) and bool(row["hi_open"])
    assert {"each-over", "each-under"} <= set(row["derived_from"])


def test_an_each_bound_only_covers_members_that_existed_when_it_was_stated() -> None:
    rows = [
        ["b20-approved", "b2020", "approved_on", "2020", "2020-09-21", "date", "exact"],
        ["each", "ftz-all", "member_area", "2018-10", "120", "km2", "approx"],
        ["total", "b2020", "area", "2021", "360", "km2", "exact"],
    ]
    raw = {
        "mode": "sum", "select": {"subject": "b2020", "metric": "area"},
        "each_metric": "member_area",
        "established_by": ["approved_on"],
    }
    out = run(rows, raw).outcomes
    # the bound of the eleven zones of 2018 says nothing of the zones approved in 2020
    assert out["status"].tolist() == ["unverifiable"]
    assert "`anhui`, `beijing`, `hunan` have no value by then" in out["message"].iloc[0]


def test_two_totals_of_the_same_period_derive_one_value() -> None:
    rows = [
        ["a", "fujian", "area", "2015", "118.04", "km2", "exact"],
        ["b", "fujian", "area", "2015", "118", "km2", "approx"],
        ["pt", "pingtan", "area", "2015", "43", "km2", "exact"],
        ["xm", "xiamen", "area", "2015", "43.78", "km2", "exact"],
        ["fz", "fuzhou", "area", "2015", "31.26", "km2", "exact"],
    ]
    raw = {"mode": "sum", "select": {"subject": "fujian"}, "member_kinds": ["zone_subarea"]}
    result = run(rows, raw)
    assert result.outcomes["status"].tolist() == ["ok", "ok"]
    assert result.derived is not None and len(result.derived) == 1


def test_at_periods_add_derived_totals_next_to_the_stated_ones() -> None:
    rows = [
        ["xj", "xinjiang", "area", "2023-11-02", "179.66", "km2", "exact"],
        ["xj-nearly", "xinjiang", "area", "2023-11-02", "180", "km2", "nearly"],
        ["u", "urumqi", "area", "2023-11-02", "134.6", "km2", "exact"],
        ["k", "kashgar", "area", "2023-11-02", "28.48", "km2", "exact"],
        ["h", "horgos", "area", "2023-11-02", "16.58", "km2", "exact"],
    ]
    reg = ftz_registry()
    areas = {a: Entity(id=a, name=a, kind="zone_subarea", member_of=("xinjiang",))
             for a in ("urumqi", "kashgar", "horgos")}
    reg = dataclasses.replace(reg, entities={**reg.entities, **areas})
    raw = {
        "mode": "sum", "select": {"subject": "xinjiang", "metric": "area"},
        "member_kinds": ["zone_subarea"], "at": ["2023-11-02", "2024"],
    }
    result = run(rows, raw, reg)
    assert result.outcomes["status"].tolist() == ["ok", "ok"]
    assert result.derived is not None
    assert result.derived["period"].tolist() == ["2023-11-02", "2024"]
    assert result.derived["lo"].tolist() == pytest.approx([179.6, 179.6])
    assert result.derived["hi"].tolist() == pytest.approx([179.72, 179.72])


def test_an_unbounded_total_is_not_derived() -> None:
    rows = [
        ["fj", "fujian", "area", "2015", "118.04", "km2", "exact"],
        ["pt", "pingtan", "area", "2015", "43", "km2", "exact"],
    ]
    raw = {"mode": "sum", "select": {"subject": "fujian"}, "member_kinds": ["zone_subarea"]}
    result = run(rows, raw)
    assert result.outcomes["status"].tolist() == ["unverifiable"]
    assert result.derived is None
    assert "`fuzhou`, `xiamen` have no value by then" in result.outcomes["message"].iloc[0]


def test_derive_false_keeps_the_check_and_derives_nothing() -> None:
    rows = [
        ["fj", "fujian", "area", "2015", "118.04", "km2", "exact"],
        ["pt", "pingtan", "area", "2015", "43", "km2", "exact"],
        ["xm", "xiamen", "area", "2015", "43.78", "km2", "exact"],
        ["fz", "fuzhou", "area", "2015", "31.26", "km2", "exact"],
    ]
    raw = {
        "mode": "sum", "select": {"subject": "fujian"}, "member_kinds": ["zone_subarea"],
        "derive": False,
    }
    result = run(rows, raw)
    assert len(result.outcomes) == 1 and result.derived is None


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"mode": "count"}, "mode `count` needs `select`"),
        ({"mode": "count", "select": {"metric": "zone_count"}, "at": ["2020"]},
         "`at` only applies"),
        ({"mode": "sum"}, "needs `select` (stated totals) or `at`"),
        ({"mode": "sum", "at": ["2020"]}, "needs `of` (and `member_metric`)"),
        ({"mode": "sum", "at": ["2020"], "of": "zones"}, "`of` needs `member_metric`"),
        ({"mode": "sum", "of": "zones", "member_metric": "area", "select": {"metric": "area"}},
         "give `at` too"),
        ({"mode": "sum", "select": {"metric": "area"}, "at": ["2020-13"]}, "month 13"),
        ({"mode": "sum", "select": {"metric": "area"}, "at": ["2020"], "derive": False},
         "cannot be combined"),
        ({"mode": "sum", "select": {"metric": "area"}, "member_kinds": []}, "at least one"),
        ({"mode": "total", "select": {"metric": "area"}}, "mode"),
        ({"mode": "sum", "select": {"metric": "area"}, "members": ["zone"]}, "members"),
    ],
)
def test_bad_parameters_are_rejected_clearly(raw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        MembersParams.model_validate(raw)
    assert fragment in str(info.value)


def test_single_names_are_read_as_lists() -> None:
    params = MembersParams.model_validate(
        {"mode": "count", "select": {"metric": "zone_count"}, "member_kinds": "zone_area",
         "established_by": "approved_on"}
    )
    assert params.member_kinds == ["zone_area"]
    assert params.established_by == ["approved_on"]


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"established_by": ["approved"]}, "rules[members].established_by: unknown metric"),
        ({"member_kinds": ["zones"]}, "rules[members].member_kinds: no entity has the kind"),
    ],
)
def test_names_the_loader_cannot_check_stop_the_rule(extra: dict[str, Any], where: str) -> None:
    rows = [["n", "zones", "zone_count", "2024", "3", "count", "exact"]]
    raw = {"mode": "count", "select": {"metric": "zone_count"}, **extra}
    with pytest.raises(RuleSetError) as info:
        run(rows, raw, registries())
    assert where in str(info.value)


def test_a_count_in_a_unit_that_is_no_count_is_undefined() -> None:
    rows = [["n", "zones", "zone_count", "2024", "3", "km2", "exact"]]
    out = run(rows, {"mode": "count", "select": {"metric": "zone_count"}}, registries()).outcomes
    assert out["status"].tolist() == ["undefined"]
    assert np.isnan(out["computed_lo"].iloc[0])
    assert "not a count" in out["message"].iloc[0]


def test_a_missing_entity_has_no_members() -> None:
    reg = ftz_registry()
    spec = RuleSpec(
        id="members", kind="members", severity=Severity.ERROR, description="d",
        params=None, file="checks/x.yaml",
    )
    table = normalise_facts(facts_frame([HEADER, *FTZ_EVENTS]), reg)
    ctx = RuleContext(facts=table, registries=reg, settings=Settings(), rule=spec)
    params = MembersParams.model_validate(COUNT)
    entities = pd.Series(["b2015", None, "b2018"], dtype=object)
    key, member = member_pairs(ctx, params, entities)
    names = member.names[member.codes]
    assert key.tolist() == [0, 0, 0, 2]
    assert names.tolist() == ["fujian", "guangdong", "tianjin", "hainan"]


def test_a_member_of_several_batches_is_dated_by_them_in_the_order_it_names_them() -> None:
    base = ftz_registry()
    entities = dict(base.entities)
    entities["b-extra"] = Entity(id="b-extra", name="b-extra", kind="zone_batch")
    # Fujian names the later-registered batch first
    entities["fujian"] = Entity(
        id="fujian", name="fujian", kind="zone", member_of=("ftz-all", "b-extra", "b2015")
    )
    reg = dataclasses.replace(base, entities=entities)
    rows = [
        ["b15-approved", "b2015", "approved_on", "2015", "2014-12-31", "date", "exact"],
        ["bx-approved", "b-extra", "approved_on", "2015", "2015-01-01", "date", "exact"],
        ["fj-opened", "fujian", "opened_on", "2015", "2015-04-21", "date", "exact"],
        ["n", "b-extra", "zones_added", "2016", "0", "count", "exact"],
    ]
    raw = {**COUNT, "select": {"metric": "zones_added"}}
    out = run(rows, raw, reg).outcomes
    assert out["status"].tolist() == ["discrepancy"]
    # the count, then Fujian's own event, then its batches' as member_of lists them
    assert out["facts"].iloc[0] == ("n", "fj-opened", "bx-approved", "b15-approved")


def test_a_sum_names_each_fact_once_whatever_the_labels_of_the_table() -> None:
    # repeats among the members' facts are found by the facts' places in the table; a
    # table whose labels do not tell rows apart has them found by id instead
    rows = [*FTZ_EVENTS]
    for zone in ("shandong", "jiangsu", "guangxi"):
        rows.append([f"{zone}-area", zone, "area", "2020", "119.5", "km2", "exact"])
    rows += [
        ["each", "b2019", "member_area", "2019-08-26", "119", "km2", "approx"],
        ["total", "b2019", "area", "2020", "717", "km2", "approx"],
    ]
    raw = {
        "mode": "sum", "select": {"subject": "b2019", "metric": "area"},
        "each_metric": "member_area", "established_by": EVENTS,
    }
    reg = ftz_registry()
    table = normalise_facts(facts_frame([HEADER, *rows]), reg)
    spec = RuleSpec(
        id="members", kind="members", severity=Severity.ERROR, description="d",
        params=None, file="checks/x.yaml",
    )
    results = []
    for labels in (pd.RangeIndex(len(table)), [0] * len(table)):
        ctx = RuleContext(
            facts=table.set_axis(labels), registries=reg, settings=Settings(), rule=spec
        )
        results.append(check(ctx, MembersParams.model_validate(raw)))
    (placed, unplaced) = results
    facts = placed.outcomes["facts"].iloc[0]
    assert facts[0] == "total" and facts.count("each") == 1
    assert placed.outcomes["facts"].tolist() == unplaced.outcomes["facts"].tolist()
    assert placed.derived is not None and unplaced.derived is not None
    assert placed.derived["derived_from"].tolist() == unplaced.derived["derived_from"].tolist()
