"""``factlint gx export``: factlint's schema and constant bounds as a GX suite.

So a team can run factlint's checks in its own GX pipeline, the suite states
in GX terms what factlint's schema (FL001-FL010) and its constant bound rules
(``kind: bound`` with ``value`` + ``unit``) require. It targets the
normalised table (:mod:`factlint.gx.frames`): the fact columns plus
``base_lo``/``base_hi`` (each fact's interval in base units) and
``dimension``. Row conditions are GX 1.x's structured conditions (not pandas
strings), so the suite also runs on SQL and Spark data sources.

What does not translate, and is left to factlint: a period that matches the
grammar but names no real day (``2024-13``) or runs backwards; bounds given
by other facts (``against``); bounds on derived values. The suite's notes list
the rules left out.

A bound compares intervals the way the engine does: ``a < c`` holds when the
fact's interval reaches below ``c`` (``base_lo < c``), ``a > c`` when it
reaches above (``base_hi > c``), ``a == c`` when it contains ``c``. Float
rounding aside (the engine forgives a relative 1e-9), GX and factlint agree.
"""

from __future__ import annotations

from typing import Any

from factlint import __version__
from factlint.interval import Interval, written
from factlint.project import Project
from factlint.quantity import QUALIFIERS
from factlint.rules.base import RuleSpec, Selector
from factlint.rules.loader import RuleSet

# the schema's own patterns (factlint.schema), so the export cannot drift from it
from factlint.schema import _DATE, _NUMBER, SCHEMA_CHECKS

PERIOD_REGEX = (
    r"^\d{4}(?:-(?:H[12]|Q[1-4]|\d{2}(?:-\d{2})?))?"
    r"(?:/\d{4}(?:-(?:H[12]|Q[1-4]|\d{2}(?:-\d{2})?))?)?$"
)
SUITE_NAME = "factlint-export"
_SELECTOR_COLUMNS = ("id", "source", "subject", "metric", "period", "unit", "qualifier")


def _cond_in(column: str, values: list[str]) -> dict[str, Any]:
    if len(values) == 1:
        return {"type": "comparison", "column": {"name": column}, "operator": "==",
                "parameter": values[0]}
    return {"type": "comparison", "column": {"name": column}, "operator": "IN",
            "parameter": sorted(values)}


def _cond_not_in(column: str, values: list[str]) -> dict[str, Any]:
    if len(values) == 1:
        return {"type": "comparison", "column": {"name": column}, "operator": "!=",
                "parameter": values[0]}
    return {"type": "comparison", "column": {"name": column}, "operator": "NOT_IN",
            "parameter": sorted(values)}


def _all(conditions: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not conditions:
        return None
    if len(conditions) == 1:
        return conditions[0]
    return {"type": "and", "conditions": conditions}


def _expectation(
    kind: str, notes: str, *, severity: str | None = None, condition: dict[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    if condition is not None:
        kwargs["row_condition"] = condition
    meta: dict[str, Any] = {"severity": severity} if severity else {}
    return {"type": kind, "kwargs": kwargs, "meta": meta, "notes": notes}


def _why(code: str) -> str:
    column, expected = SCHEMA_CHECKS[code]
    return f"factlint {code}: `{column}` must be {expected}."


def schema_expectations(project: Project) -> list[dict[str, Any]]:
    """FL001-FL010 as GX expectations on the fact columns."""
    reg = project.registries
    date_units = sorted(k for k, u in reg.units.items() if u.dimension == "date")
    number, date = rf"^\s*{_NUMBER}\s*$", rf"^\s*{_DATE}\s*$"
    pairs = sorted(
        [unit, metric]
        for unit, u in reg.units.items()
        for metric, m in reg.metrics.items()
        if u.dimension == m.dimension
    )
    not_date = _cond_not_in("unit", date_units) if date_units else None
    return [
        _expectation("expect_column_values_to_match_regex", _why("FL009"), column="id",
                     regex=r"\S"),
        _expectation("expect_column_values_to_be_unique", _why("FL009"), column="id"),
        _expectation("expect_column_values_to_match_regex", _why("FL008"), column="quote",
                     regex=r"\S"),
        _expectation("expect_column_values_to_be_in_set", _why("FL001"), column="source",
                     value_set=sorted(set(project.sources["id"]))),
        _expectation("expect_column_values_to_be_in_set", _why("FL002"), column="subject",
                     value_set=sorted(reg.entities)),
        _expectation("expect_column_values_to_be_in_set", _why("FL003"), column="metric",
                     value_set=sorted(reg.metrics)),
        _expectation("expect_column_values_to_be_in_set", _why("FL004"), column="unit",
                     value_set=sorted(reg.units)),
        _expectation("expect_column_values_to_be_in_set", _why("FL007"), column="qualifier",
                     value_set=list(QUALIFIERS)),
        _expectation("expect_column_values_to_match_regex",
                     _why("FL005") + " (GX checks the grammar; factlint also checks the days)",
                     column="period", regex=PERIOD_REGEX),
        _expectation("expect_column_values_to_match_regex", _why("FL006") + " (a number)",
                     column="value", regex=number,
                     condition=_all([c for c in (not_date, _cond_not_in("qualifier", ["range"]))
                                     if c is not None])),
        _expectation("expect_column_values_to_match_regex", _why("FL006") + " (a range A-B)",
                     column="value", regex=rf"^\s*{_NUMBER}-{_NUMBER}\s*$",
                     condition=_all([c for c in (not_date, _cond_in("qualifier", ["range"]))
                                     if c is not None])),
        *([_expectation("expect_column_values_to_match_regex", _why("FL006") + " (an ISO date)",
                        column="value", regex=date, condition=_cond_in("unit", date_units))]
          if date_units else []),
        _expectation("expect_column_pair_values_to_be_in_set", _why("FL010"), column_A="unit",
                     column_B="metric", value_pairs_set=pairs,
                     ignore_row_if="either_value_is_missing"),
    ]


def _selector_condition(selector: Selector, project: Project) -> dict[str, Any] | None:
    conditions = []
    for column in _SELECTOR_COLUMNS:
        value = getattr(selector, column)
        if value is not None:
            conditions.append(_cond_in(column, [value] if isinstance(value, str) else list(value)))
    if selector.member_of is not None:
        members = project.registries.descendants(selector.member_of)
        conditions.append(_cond_in("subject", members or ["(no member)"]))
    return _all(conditions)


def _bound_interval(rule: RuleSpec, project: Project) -> tuple[float, float, str]:
    params = rule.params
    unit = project.registries.units[str(params.unit)]  # known: the loader checked it
    if isinstance(params.value, str):
        bound = written([params.value], ["exact"], discrete=True, date=True)
    else:
        bound = Interval.point(float(params.value))
    scaled = bound.scale(unit.factor)
    return float(scaled.lo[0]), float(scaled.hi[0]), unit.dimension


def bound_expectations(rule: RuleSpec, project: Project) -> list[dict[str, Any]]:
    """A constant bound rule as between-expectations on the base interval."""
    params = rule.params
    lo, hi, dimension = _bound_interval(rule, project)
    condition = _selector_condition(params.select, project)
    shown = f"{params.value} {params.unit}"
    why = f"factlint rule `{rule.id}` ({rule.file}): {rule.description}"
    severity = rule.severity.value

    def between(column: str, **limits: Any) -> dict[str, Any]:
        return _expectation(
            "expect_column_values_to_be_between", f"{why} The fact must be {params.op} {shown}.",
            severity=severity, condition=condition, column=column, **limits,
        )

    out = [
        _expectation(
            "expect_column_values_to_be_in_set",
            f"{why} A bound in {dimension} applies to facts measured in {dimension}.",
            severity=severity, condition=condition, column="dimension", value_set=[dimension],
        )
    ]
    op = params.op
    if op == "<":
        out.append(between("base_lo", max_value=hi, strict_max=True))
    elif op == "<=":
        out.append(between("base_lo", max_value=hi))
    elif op == ">":
        out.append(between("base_hi", min_value=lo, strict_min=True))
    elif op == ">=":
        out.append(between("base_hi", min_value=lo))
    else:  # "==": the fact's interval contains the bound
        out.append(between("base_lo", max_value=hi))
        out.append(between("base_hi", min_value=lo))
    return out


def constant_bounds(rule_set: RuleSet) -> tuple[list[RuleSpec], list[str]]:
    """Bound rules with a constant, and the ids of bound rules left out (with why)."""
    kept: list[RuleSpec] = []
    skipped: list[str] = []
    for rule in rule_set.rules:
        if rule.kind != "bound":
            continue
        params = rule.params
        if getattr(params, "against", None) is not None:
            skipped.append(f"`{rule.id}` (bounded by other facts)")
        elif params.select.derived:
            skipped.append(f"`{rule.id}` (bounds derived values)")
        else:
            kept.append(rule)
    return kept, skipped


def export_suite_dict(project: Project, rule_set: RuleSet) -> dict[str, Any]:
    """The suite as GX-style JSON (GX is not needed to build it; see :func:`checked_export`)."""
    bounds, skipped = constant_bounds(rule_set)
    expectations = schema_expectations(project)
    for rule in bounds:
        expectations.extend(bound_expectations(rule, project))
    notes = (
        f"Generated by factlint {__version__} (`factlint gx export`) from the schema of the "
        f"project `{project.name}` and its {len(bounds)} constant bound rule(s). It targets "
        "factlint's normalised table (fact columns plus dimension, base_lo, base_hi; see "
        "docs/gx.md). Derived values are not in that table; a period's calendar validity is "
        "checked by factlint only."
    )
    if skipped:
        notes += " Bound rules left out: " + ", ".join(skipped) + "."
    return {
        "name": SUITE_NAME,
        "meta": {"factlint": {"table": "normalised", "severity": "error"}},
        "notes": notes,
        "expectations": expectations,
    }


def checked_export(project: Project, rule_set: RuleSet) -> dict[str, Any]:
    """The suite, built through GX (every expectation validated) and written back as JSON."""
    from factlint.gx.session import open_session, quiet

    data = export_suite_dict(project, rule_set)
    gx = open_session().gx  # GX builds suites only with a context about
    with quiet():
        from great_expectations.expectations.expectation_configuration import (
            ExpectationConfiguration,
        )

        suite = gx.ExpectationSuite(name=data["name"], notes=data["notes"])
        for item in data["expectations"]:
            suite.add_expectation(ExpectationConfiguration(**item).to_domain_obj())
        out: dict[str, Any] = suite.to_json_dict()
    out.pop("id", None)
    for item in out["expectations"]:
        item.pop("id", None)
    out["meta"] = {**out.get("meta", {}), **data["meta"]}
    return out


__all__ = ["PERIOD_REGEX", "SUITE_NAME", "checked_export", "export_suite_dict"]
