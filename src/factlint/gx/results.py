"""Turn GX validation results into factlint findings (FL080, FL081).

One finding per failed expectation: its fact ids come from GX's
``unexpected_index_list`` (each row identified by ``id``, ``_file`` and
``_line``), its place is the first unexpected row (the suite file for checks
on the whole table), its message names the expectation, the column, the
condition and a few unexpected values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from factlint.findings import Finding, Severity, Status
from factlint.gx.spec import ExpectationSpec, SuiteSpec
from factlint.tables import FILE_COLUMN, LINE_COLUMN

INDEX_META = "factlint_index"
"""The meta key that ties a result to its expectation (set by the GX session)."""
FAILED = "FL080"
CANNOT_RUN = "FL081"
SHOWN_VALUES = 3


def _text(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "empty"
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, str):
        return repr(value) if value.strip() else "an empty cell"
    if value is None:
        return "empty"
    return str(value)


def _condition(kwargs: Mapping[str, Any]) -> str:
    condition = kwargs.get("row_condition")
    if not condition:
        return ""
    return f" where `{_condition_text(condition)}`"


def _condition_text(condition: Any) -> str:
    if isinstance(condition, str):
        return condition
    if not isinstance(condition, Mapping):
        return str(condition)
    kind = condition.get("type")
    if kind == "pass_through":
        return str(condition.get("pass_through_filter", ""))
    if kind in ("and", "or"):
        parts = [_condition_text(c) for c in condition.get("conditions", [])]
        return f" {kind} ".join(f"({p})" if " and " in p or " or " in p else p for p in parts)
    column = (condition.get("column") or {}).get("name", "?")
    if kind == "nullity":
        return f"{column} is {'null' if condition.get('is_null') else 'not null'}"
    operator = condition.get("operator", "?")
    parameter = condition.get("parameter")
    if operator in ("IN", "NOT_IN"):
        word = "in" if operator == "IN" else "not in"
        listed = ", ".join(_literal(p) for p in parameter) if isinstance(parameter, list) else ""
        return f"{column} {word} [{listed}]"
    return f"{column} {operator} {_literal(parameter)}"


def _literal(value: Any) -> str:
    return repr(value) if isinstance(value, (str, bool)) else json.dumps(value)


def expected_text(kind: str, kwargs: Mapping[str, Any]) -> str:
    """What the expectation asks, in a few words."""
    if "min_value" in kwargs or "max_value" in kwargs:
        lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
        lo_op = ">" if kwargs.get("strict_min") else ">="
        hi_op = "<" if kwargs.get("strict_max") else "<="
        if lo is not None and hi is not None and lo_op == ">=" and hi_op == "<=":
            return f"between {_text(lo)} and {_text(hi)}"
        parts = ([f"{lo_op} {_text(lo)}"] if lo is not None else []) + (
            [f"{hi_op} {_text(hi)}"] if hi is not None else []
        )
        return " and ".join(parts)
    if "value_set" in kwargs:
        values = list(kwargs.get("value_set") or [])
        shown = ", ".join(_text(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
        word = "not one of" if "not_be_in_set" in kind else "one of"
        return f"{word} {len(values)} values ({shown})"
    if "regex" in kwargs:
        word = "not matching" if "not_match" in kind else "matching"
        return f"{word} /{kwargs['regex']}/"
    if kind.endswith("_to_be_unique"):
        return "unique values"
    if kind.endswith("to_not_be_null"):
        return "no empty values"
    return ""


def _columns(kwargs: Mapping[str, Any]) -> str:
    keys = ("column", "column_A", "column_B")
    names = [kwargs[k] for k in keys if isinstance(kwargs.get(k), str)]
    names += [c for c in kwargs.get("column_list") or [] if isinstance(c, str)]
    return ", ".join(f"`{n}`" for n in names)


def _exception_message(info: Any) -> str | None:
    """GX's exception message, from either shape of ``exception_info``."""
    if not isinstance(info, Mapping):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "GX raised an exception")
    for value in info.values():
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message") or "GX raised an exception")
    return None


def _rows(result: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    rows = result.get("unexpected_index_list")
    return [r for r in rows if isinstance(r, Mapping)] if isinstance(rows, list) else []


def finding_for(
    suite: SuiteSpec, exp: ExpectationSpec, outcome: Mapping[str, Any]
) -> Finding | None:
    """The finding for one expectation's result, or None when it succeeded."""
    error = _exception_message(outcome.get("exception_info"))
    kwargs = exp.kwargs
    columns = _columns(kwargs)
    on = f" on {columns}" if columns else ""
    column = kwargs.get("column") if isinstance(kwargs.get("column"), str) else None
    details: tuple[tuple[str, str], ...] = (
        ("suite", suite.file), ("expectation", exp.type), ("table", suite.table),
    )
    if error is not None:
        first_line = error.strip().splitlines()[0] if error.strip() else error
        return Finding(
            code=CANNOT_RUN, rule=suite.rule, severity=Severity.ERROR, status=Status.RULE_ERROR,
            message=(
                f"GX `{exp.type}`{on}{_condition(kwargs)} could not run "
                f"(suite `{suite.name}`, expectation {exp.index}): {first_line}"
            ),
            file=suite.file, column=column, details=details,
        )
    if outcome.get("success", True):
        return None
    result: Mapping[str, Any] = outcome.get("result") or {}
    rows = _rows(result)
    named = (str(r.get("id", "")).strip() for r in rows)
    ids = tuple(dict.fromkeys(fact for fact in named if fact))
    file, line = _place(rows, suite)
    message = _message(suite, exp, result, rows, on)
    counts = tuple(
        (key, str(result[key])) for key in ("element_count", "unexpected_count") if key in result
    )
    return Finding(
        code=FAILED, rule=suite.rule, severity=exp.severity, status=Status.INVALID,
        message=message, facts=ids, file=file, line=line, column=column,
        details=details + counts,
    )


def _place(rows: Sequence[Mapping[str, Any]], suite: SuiteSpec) -> tuple[str, int | None]:
    for row in rows:
        file, line = row.get(FILE_COLUMN), row.get(LINE_COLUMN)
        if isinstance(file, str) and file:
            number = int(line) if isinstance(line, (int, float)) and not math.isnan(line) else None
            return file, number or None
    return suite.file, None


def _message(
    suite: SuiteSpec,
    exp: ExpectationSpec,
    result: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    on: str,
) -> str:
    kwargs = exp.kwargs
    head = (
        f"GX `{exp.type}`{on}{_condition(kwargs)} failed "
        f"(suite `{suite.name}`, expectation {exp.index})"
    )
    expected = expected_text(exp.type, kwargs)
    wanted = f"; expected {expected}" if expected else ""
    if rows or "unexpected_count" in result:
        count = int(result.get("unexpected_count", len(rows)) or 0)
        total = result.get("element_count")
        of = f" of {total}" if total is not None else ""
        column = kwargs.get("column")
        shown = []
        for row in rows[:SHOWN_VALUES]:
            fact = str(row.get("id", "")).strip()
            value = row.get(column) if isinstance(column, str) and column in row else None
            label = f"`{fact}`" if fact else f"line {row.get(LINE_COLUMN, '?')}"
            shown.append(f"{label} = {_text(value)}" if value is not None or column else label)
        if not shown:
            values = list(result.get("partial_unexpected_list") or [])[:SHOWN_VALUES]
            shown = [_text(v) for v in values]
        more = ", ..." if count > len(shown) else ""
        listed = f": {', '.join(shown)}{more}" if shown else ""
        noun = "row" if count == 1 else "rows"
        return f"{head}: {count} unexpected {noun}{of}{listed}{wanted}"
    observed = result.get("observed_value")
    seen = f": observed {_text(observed)}" if observed is not None else ""
    return f"{head}{seen}{wanted}"


def findings_for(suite: SuiteSpec, validation: Mapping[str, Any]) -> list[Finding]:
    """Findings for one suite's validation result (results come in expectation order)."""
    by_index: dict[int, Mapping[str, Any]] = {}
    for outcome in validation.get("results") or []:
        meta = (outcome.get("expectation_config") or {}).get("meta") or {}
        if isinstance(meta.get(INDEX_META), int):
            by_index[meta[INDEX_META]] = outcome
    found: list[Finding] = []
    for exp in suite.expectations:
        outcome = by_index.get(exp.index)
        if outcome is None:
            outcome = {"exception_info": {"raised_exception": True,
                                          "exception_message": "GX returned no result for it"}}
        finding = finding_for(suite, exp, outcome)
        if finding is not None:
            found.append(finding)
    return found


__all__ = ["CANNOT_RUN", "FAILED", "expected_text", "finding_for", "findings_for"]
