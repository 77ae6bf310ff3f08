"""The report's data: one plain, JSON-ready structure that every emitter reads.

It is deterministic: findings in a stable order, facts by id, inputs sorted,
and time from ``SOURCE_DATE_EPOCH`` when set. Its shape is documented by
``factlint/schemas/report.schema.json``.

Lists that grow with the project are capped where a reader could not use
them whole (the fact table, the timelines, the source context of facts);
findings are never capped here: the JSON report holds every one, and the
HTML report lists the first ``LIMITS.findings_per_severity`` of each
severity with a count of the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import repeat
from typing import Any

import pandas as pd

from factlint import __version__
from factlint.cache import inputs_digest
from factlint.engine import RunResult
from factlint.findings import Finding, Severity
from factlint.report.excerpt import quote_context
from factlint.report.series import monotonic_series, registry_steps, timeline_facts
from factlint.rules import KINDS
from factlint.tables import FILE_COLUMN, LINE_COLUMN

SCHEMA_VERSION = 1
FACT_FIELDS = ("id", "source", "quote", "subject", "metric", "period", "value", "unit", "qualifier")
SOURCE_FIELDS = ("title", "publisher", "date", "url", "language")
SEVERITIES = ("error", "warning", "info")
_SOURCE_KEYS = (*SOURCE_FIELDS, "date_approximate")


@dataclass(frozen=True)
class Limits:
    """How much of a large project the report lists (the rest is counted)."""

    findings_per_severity: int = 1000
    facts_table: int = 2000
    series: int = 40
    points_per_series: int = 300


LIMITS = Limits()
CARD_FACTS = 6
"""Facts of a listed finding drawn as cards (with their source context); the rest are named."""


def inputs_fingerprint(inputs: dict[str, str]) -> str:
    """The SHA-256 of every input's path and digest, in path order."""
    return inputs_digest(inputs)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def fact_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`fact_record` for every row, column by column (fast on a million rows)."""
    n = len(frame)
    columns: dict[str, list[Any]] = {}
    for key in (*FACT_FIELDS, "note", FILE_COLUMN):
        if key in frame.columns:
            columns[key] = frame[key].fillna("").astype(str).tolist()
        else:
            columns[key] = [""] * n
    columns["file"] = columns.pop(FILE_COLUMN)
    if LINE_COLUMN in frame.columns:
        lines = pd.to_numeric(frame[LINE_COLUMN], errors="coerce")
        columns["line"] = [None if v != v else int(v) for v in lines.tolist()]
    else:
        columns["line"] = [None] * n
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def listed_findings(findings: list[dict[str, Any]], limit: int) -> list[int]:
    """Indices of the findings the HTML report lists: the first ``limit`` of each severity
    among unwaived findings, and the first ``limit`` waived ones."""
    taken: Counter[str] = Counter()
    keep: list[int] = []
    for index, finding in enumerate(findings):
        group = "waived" if finding["waived"] else finding["severity"]
        if taken[group] < limit:
            taken[group] += 1
            keep.append(index)
    return keep


def named_facts(facts: pd.DataFrame, findings: Iterable[Finding]) -> pd.DataFrame:
    """The rows of ``facts`` whose id a finding names (a few, out of maybe millions)."""
    return facts[facts["id"].isin({i for finding in findings for i in finding.facts})]


def involved_facts(
    result: RunResult,
    findings: list[dict[str, Any]],
    listed: Iterable[int],
    *,
    named: pd.DataFrame | None = None,
) -> dict[str, dict[str, Any]]:
    """Every fact a finding names; those drawn as cards in the HTML carry their source context.

    ``named`` is :func:`named_facts` of the stated facts, when the caller has it already.
    """
    ids = {f for finding in findings for f in finding["facts"]}
    stated = result.project.facts
    if named is None:
        named = stated[stated["id"].isin(ids)]
    rows = named.drop_duplicates("id")
    records = {r["id"]: r for r in fact_records(rows)}
    unstated = ids - set(records)
    if unstated:  # else no need to scan every fact again
        derived = result.table.derived_rows(unstated).drop_duplicates("id")
        origins = derived["derived_from"].tolist() if "derived_from" in derived else []
        for record, origin in zip(fact_records(derived), origins, strict=False):
            record["derived_from"] = sorted(str(i) for i in (origin or ()))
            records[record["id"]] = record
    texts = result.project.source_texts
    with_context = {f for i in listed for f in findings[i]["facts"][:CARD_FACTS]}
    for fact_id, record in records.items():
        record.setdefault("derived_from", None)
        record["context"] = (
            quote_context(
                texts.get(record["source"]), record["quote"], record["value"], record["unit"],
                record["qualifier"],
            )
            if fact_id in with_context and record["quote"]
            else None
        )
    return dict(sorted(records.items()))


def fact_table(result: RunResult, findings: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """The first ``limit`` stated facts in file order, each with its worst unwaived finding."""
    stated = result.project.facts
    worst: dict[str, str] = {}
    rank = {"error": 3, "warning": 2, "info": 1}
    shown = set(stated["id"].head(limit).astype(str))
    for finding in findings:
        if finding["waived"]:
            continue
        severity = finding["severity"]
        for fact_id in finding["facts"]:
            if fact_id in shown and rank[severity] > rank.get(worst.get(fact_id, ""), 0):
                worst[fact_id] = severity
    rows = fact_records(stated.head(limit))
    for record in rows:
        record["flag"] = worst.get(record["id"])
    return {"total": int(len(stated)), "omitted": max(0, int(len(stated)) - limit), "rows": rows}


def gate(
    findings: list[dict[str, Any]], fail_on: Severity | None, baseline: dict[str, Any] | None
) -> dict[str, Any]:
    """The verdict: unwaived, unbaselined findings at or above ``fail_on`` fail the run."""
    failing = 0
    if fail_on is not None:
        failing = sum(
            1
            for f in findings
            if not f["waived"] and not f["baselined"]
            and Severity(f["severity"]).rank >= fail_on.rank
        )
    return {
        "fail_on": fail_on.value if fail_on else "never",
        "passed": failing == 0,
        "failing": failing,
        "baseline": baseline,
    }


def _finding_json(
    finding: Finding, sources_of: dict[str, str], baselined: frozenset[str]
) -> dict[str, Any]:
    record = finding.to_json()
    record["sources"] = sorted({sources_of.get(i, "") for i in finding.facts} - {""})
    record["baselined"] = not finding.waived and finding.fingerprint in baselined
    return record


def _summary(result: RunResult, findings: list[dict[str, Any]]) -> dict[str, Any]:
    project = result.project
    active = [f for f in findings if not f["waived"]]
    by_rule = Counter(f["rule"] for f in active)
    by_source = Counter(s for f in active for s in f["sources"])
    by_severity = Counter(f["severity"] for f in active)
    return {
        "error": by_severity["error"],
        "warning": by_severity["warning"],
        "info": by_severity["info"],
        "waived": len(findings) - len(active),
        "baselined": sum(1 for f in active if f["baselined"]),
        "unverifiable": sum(1 for f in findings if f["status"] == "unverifiable"),
        "total": len(findings),
        "facts": int(len(project.facts)),
        "sources": int(len(project.sources)),
        "rules": max(len(result.rule_set.rules), len(result.rule_runs)),
        "by_rule": dict(sorted(by_rule.items())),
        "by_source": dict(sorted(by_source.items())),
    }


def _texts(frame: pd.DataFrame, column: str) -> list[str]:
    """A column as :func:`_text` strings ("" for a missing column or value)."""
    if column not in frame.columns:
        return [""] * len(frame)
    # most values are strings already: they are taken as they are, without a call each
    return [v if v.__class__ is str else _text(v) for v in frame[column].tolist()]


def _sources(result: RunResult) -> dict[str, dict[str, Any]]:
    sources = result.project.sources
    # column by column: a project may cite tens of thousands of sources
    fields: list[list[Any]] = [_texts(sources, k) for k in SOURCE_FIELDS]
    fields.append(
        [a.strip().lower() in ("true", "yes", "1") for a in _texts(sources, "date_approximate")]
    )
    # the records are built in C (map, zip, dict) rather than one Python step a source
    records = map(dict, map(zip, repeat(_SOURCE_KEYS), zip(*fields, strict=True)))
    out: dict[str, dict[str, Any]] = dict(zip(_texts(sources, "id"), records, strict=True))
    return dict(sorted(out.items()))


def _rules(result: RunResult) -> list[dict[str, Any]]:
    return [
        {
            "id": run.rule.id,
            "kind": run.rule.kind,
            "code": KINDS[run.rule.kind].code if run.rule.kind in KINDS else "",
            "severity": run.rule.severity.value,
            "description": run.rule.description,
            "file": run.rule.file,
            "checks": run.checks,
            "failed": run.failed,
            "unverifiable": run.unverifiable,
            "derived": run.derived,
            "crashed": run.crashed,
        }
        for run in result.rule_runs
    ]


def report_data(
    result: RunResult,
    fail_on: Severity | None,
    *,
    baselined: Iterable[str] = (),
    baseline: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
    limits: Limits = LIMITS,
) -> dict[str, Any]:
    """Everything every output shows, as plain JSON-ready values.

    ``baselined`` holds the fingerprints of known findings (``check --baseline``)
    and ``baseline`` describes the baseline file; ``comparison`` is a
    :func:`factlint.report.changes.compare` of an earlier report with this run.
    """
    project = result.project
    named = named_facts(project.facts, result.findings)
    sources_of = dict(zip(named["id"].tolist(), named["source"].tolist(), strict=True))
    known = frozenset(baselined)
    findings = [_finding_json(f, sources_of, known) for f in result.findings]
    listed = listed_findings(findings, limits.findings_per_severity)
    flagged = {i for f in findings if not f["waived"] for i in f["facts"]}
    # steps are drawn beside series only, so both need only the facts a series may show
    timeline = timeline_facts(result.table, project.registries)
    return {
        "schema_version": SCHEMA_VERSION,
        "factlint_version": __version__,
        "project": project.name,
        "project_description": project.description or "",
        "generated": result.generated.isoformat().replace("+00:00", "Z"),
        "gate": gate(findings, fail_on, baseline),
        "summary": _summary(result, findings),
        "fingerprint": inputs_fingerprint(project.inputs),
        "inputs": [{"path": p, "sha256": project.inputs[p]} for p in sorted(project.inputs)],
        "rules": _rules(result),
        "findings": findings,
        "facts": involved_facts(result, findings, listed, named=named),
        "sources": _sources(result),
        "series": monotonic_series(
            timeline, project.registries, flagged=flagged,
            max_series=limits.series, max_points=limits.points_per_series,
            steps=registry_steps(
                timeline,
                [
                    run.outcomes
                    for run in result.rule_runs
                    if run.outcomes is not None
                    and run.rule.kind == "members"
                    and getattr(run.rule.params, "mode", "") == "count"
                ],
            ),
        ),
        "fact_table": fact_table(result, findings, limits.facts_table),
        "limits": asdict(limits),
        "comparison": comparison,
    }

