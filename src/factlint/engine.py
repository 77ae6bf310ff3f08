"""Run a project's checks: load, schema, provenance, rules, waivers -> findings.

The engine alone turns rule outcomes into findings. A rule that crashes
becomes a finding and the other rules go on.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import pandas as pd

from factlint.cache import Cache, using
from factlint.collection import collection_paused
from factlint.errors import FactlintError, UsageError
from factlint.findings import Bounds, Finding, Severity, Status, Waiver
from factlint.normalise import normalise_facts
from factlint.project import Project, file_digest, load_project
from factlint.provenance import ProvenanceCheck
from factlint.registry import Registries
from factlint.rules import KINDS
from factlint.rules.base import FactTable, RuleContext, RuleSpec
from factlint.rules.loader import RuleSet, load_rule_sets
from factlint.schema import validate_facts
from factlint.tables import FILE_COLUMN, LINE_COLUMN
from factlint.waivers import apply_waivers, load_waivers


def run_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, so reports can be reproduced byte for byte."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or not epoch.strip():
        return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)
    text = epoch.strip()
    try:
        if not text.isascii() or not text.isdigit():
            raise ValueError(text)
        return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        shown = text[:40] + ("…" if len(text) > 40 else "")
        raise UsageError(
            f"SOURCE_DATE_EPOCH={shown!r}: expected a Unix time in seconds (e.g. 1700000000)"
        ) from None


@dataclass
class RuleRun:
    """What one rule did: how many checks, how many failed, derived values."""

    rule: RuleSpec
    checks: int = 0
    failed: int = 0
    unverifiable: int = 0
    derived: int = 0
    crashed: bool = False
    outcomes: pd.DataFrame | None = None
    """Every check the rule evaluated, passing ones included (for charts and culprits)."""


@dataclass
class RunResult:
    project: Project
    rule_set: RuleSet
    findings: list[Finding]
    table: FactTable
    """The normalised table as the rules left it: valid stated facts and derived values."""
    waivers: list[Waiver]
    rule_runs: list[RuleRun] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    generated: dt.datetime = field(default_factory=run_time)
    gx_skipped: bool = False
    """The project has GX suites that were not run (``--gx`` not given)."""

    @property
    def facts(self) -> pd.DataFrame:
        """The normalised table as one frame (joined on first use: a million rows of two
        dozen columns take a third of a second, and a report reads only a few of them)."""
        return self.table.frame

    def failing(self, fail_on: Severity | None) -> list[Finding]:
        """Unwaived findings at or above ``fail_on`` (None: never fail)."""
        if fail_on is None:
            return []
        return [f for f in self.findings if not f.waived and f.severity.rank >= fail_on.rank]

    def counts(self) -> dict[str, int]:
        counter = Counter(f.severity.value for f in self.findings if not f.waived)
        return {
            "error": counter["error"],
            "warning": counter["warning"],
            "info": counter["info"],
            "waived": sum(1 for f in self.findings if f.waived),
            "total": len(self.findings),
        }


def _locator(stated: pd.DataFrame, ids: set[str]) -> dict[str, tuple[str, int]]:
    """Fact id -> (file, line) of its first row, for the ``ids`` findings name.

    Findings are few and the fact base may hold a million rows: only the named ids
    are looked up, in one pass over the id column.
    """
    first = stated[stated["id"].isin(ids).to_numpy()].drop_duplicates("id")
    return dict(
        zip(
            first["id"].tolist(),
            zip(
                first[FILE_COLUMN].astype(str).tolist(),
                first[LINE_COLUMN].astype(int).tolist(),
                strict=True,
            ),
            strict=True,
        )
    )


def _location(
    where: dict[str, tuple[str, int]], ids: tuple[str, ...]
) -> tuple[str | None, int | None]:
    for fact_id in ids:
        if fact_id in where:
            return where[fact_id]
    return None, None


def _bounds(row: pd.Series, prefix: str) -> Bounds | None:
    lo, hi = row[f"{prefix}_lo"], row[f"{prefix}_hi"]
    if pd.isna(lo) and pd.isna(hi):
        return None
    return Bounds(
        lo=float(lo),
        hi=float(hi),
        lo_open=bool(row[f"{prefix}_lo_open"]),
        hi_open=bool(row[f"{prefix}_hi_open"]),
        unit=str(row["unit"]),
    )


def _named_ids(failing: pd.DataFrame) -> list[str]:
    return list(chain.from_iterable(failing["facts"].tolist()))


def _rule_findings(
    rule: RuleSpec, failing: pd.DataFrame, where: dict[str, tuple[str, int]]
) -> list[Finding]:
    """The findings of a rule's failing (not ``ok``) outcome rows."""
    code = KINDS[rule.kind].code
    found: list[Finding] = []
    for _, row in failing.iterrows():
        ids = tuple(dict.fromkeys(row["facts"]))
        file, line = _location(where, ids)
        status_value = row["status"]
        if status_value == "unverifiable":
            severity, status = Severity.INFO, Status.UNVERIFIABLE
        elif status_value == "undefined":
            severity, status = Severity.ERROR, Status.RULE_ERROR
        else:
            severity, status = rule.severity, Status.DISCREPANCY
        gap = row["gap"]
        found.append(
            Finding(
                code=code,
                rule=rule.id,
                severity=severity,
                status=status,
                message=str(row["message"]) or rule.description,
                facts=ids,
                stated=_bounds(row, "stated"),
                computed=_bounds(row, "computed"),
                gap=None if pd.isna(gap) else float(gap),
                relative_gap=None if pd.isna(row["relative_gap"]) else float(row["relative_gap"]),
                file=file,
                line=line,
            )
        )
    return found


def _name_culprits(findings: list[Finding], outcomes: list[pd.DataFrame]) -> list[Finding]:
    """Name the likeliest culprit where one fact takes part in several failing checks.

    A fact that fails two or more identities while each partner passes in some
    other check is the one to look at first.
    """
    if not outcomes or not any(
        f.status is Status.DISCREPANCY and len(f.facts) > 1 for f in findings
    ):
        return findings
    # failing checks are few; passing ones are many, so only the partners are looked up
    failed: Counter[str] = Counter()
    for out in outcomes:
        failed.update(chain.from_iterable(_facts_where(out, "discrepancy")))
    suspect: dict[int, str] = {}
    for k, finding in enumerate(findings):
        if finding.status is Status.DISCREPANCY and len(finding.facts) > 1:
            suspects = [f for f in finding.facts if failed.get(f, 0) >= 2]
            if len(suspects) == 1:
                suspect[k] = suspects[0]
    if not suspect:  # passing checks are looked at only for a suspect's partners
        return findings
    partners = {p for k, s in suspect.items() for p in findings[k].facts if p != s}
    passed: set[str] = set()
    for out in outcomes:
        # the partners among the ids of every passing check (one C-level pass, no row loop)
        passed |= partners.intersection(chain.from_iterable(_facts_where(out, "ok")))
        if len(passed) == len(partners):
            break
    named = list(findings)
    for k, culprit in suspect.items():
        if all(p in passed for p in findings[k].facts if p != culprit):
            named[k] = Finding(**{**findings[k].__dict__, "culprit": culprit})
    return named


def _facts_where(outcomes: pd.DataFrame, status: str) -> list[tuple[str, ...]]:
    """The ``facts`` tuples of the outcome rows with ``status``."""
    facts: list[tuple[str, ...]] = (
        outcomes["facts"].to_numpy()[outcomes["status"].to_numpy() == status].tolist()
    )
    return facts


def run_rules(
    rule_set: RuleSet, registries: Registries, table: pd.DataFrame, stated: pd.DataFrame
) -> tuple[list[Finding], FactTable, list[RuleRun]]:
    """Run every rule in order; derived values of earlier rules feed later ones, and are
    in the table returned."""
    with collection_paused():  # the fact ids of every check: millions of tuples
        return _run_rules(rule_set, registries, table, stated)


def _run_rules(
    rule_set: RuleSet, registries: Registries, table: pd.DataFrame, stated: pd.DataFrame
) -> tuple[list[Finding], FactTable, list[RuleRun]]:
    # a rule's failing outcome rows become findings after the loop, when the file and
    # line of every fact they name can be looked up in one pass over the stated facts
    findings: list[Finding | tuple[RuleSpec, pd.DataFrame]] = []
    runs: list[RuleRun] = []
    all_outcomes: list[pd.DataFrame] = []
    counter = [0]
    facts = FactTable(table, registries)
    for rule in rule_set.rules:
        kind = KINDS[rule.kind]
        run = RuleRun(rule=rule)
        runs.append(run)
        ctx = RuleContext(
            registries=registries,
            settings=rule_set.settings,
            rule=rule,
            derived_counter=counter,
            table=facts,
        )
        try:
            result = kind.check(ctx, rule.params)
        except FactlintError as exc:
            run.crashed = True
            findings.append(_rule_error(rule, kind.code, f"rule `{rule.id}` cannot run: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001 - a crashing rule must not stop the others
            run.crashed = True
            findings.append(
                _rule_error(
                    rule,
                    kind.code,
                    f"rule `{rule.id}` crashed ({type(exc).__name__}: {exc}); the other rules ran",
                )
            )
            continue
        out = result.outcomes
        run.outcomes = out
        run.checks = len(out)
        status = out["status"].to_numpy()
        run.failed = int((status == "discrepancy").sum())
        run.unverifiable = int((status == "unverifiable").sum())
        if result.derived is not None and len(result.derived):
            run.derived = len(result.derived)
            # joined to the table when a later rule reads it whole (or at the end)
            facts.append(result.derived)
        if not len(out) and not run.derived:
            findings.append(
                Finding(
                    code="FL050",
                    rule=rule.id,
                    severity=Severity.ERROR,
                    status=Status.RULE_ERROR,
                    message=(
                        f"rule `{rule.id}` selects no facts it can check (a dead rule): "
                        "its selectors match nothing in the fact base"
                    ),
                    file=rule.file,
                )
            )
            continue
        all_outcomes.append(out)
        findings.append((rule, out[status != "ok"]))
    named = {i for item in findings if isinstance(item, tuple) for i in _named_ids(item[1])}
    where = _locator(stated, named)
    found: list[Finding] = []
    for item in findings:
        if isinstance(item, Finding):
            found.append(item)
        else:
            found.extend(_rule_findings(*item, where))
    return _name_culprits(found, all_outcomes), facts, runs


def _rule_error(rule: RuleSpec, code: str, message: str) -> Finding:
    return Finding(
        code="FL051",
        rule=rule.id,
        severity=Severity.ERROR,
        status=Status.RULE_ERROR,
        message=message,
        file=rule.file,
        details=(("kind_code", code),),
    )


def run_check(
    root: Path,
    *,
    today: dt.date | None = None,
    gx: bool = False,
    cache: Cache | None = None,
    jobs: int | None = None,
) -> RunResult:
    """Check the project at ``root``; raise InputError for unusable input.

    ``gx`` also runs the project's Great Expectations suites (``checks/gx/``);
    they are opt-in because importing GX costs seconds. ``cache`` keeps parsed
    registries and verified quotes for the next run (:mod:`factlint.cache`);
    ``jobs`` caps the processes that read quotes (None: one per core).
    """
    with using(cache):
        return _run_check(root, today=today, gx=gx, jobs=jobs)


def _run_check(root: Path, *, today: dt.date | None, gx: bool, jobs: int | None) -> RunResult:
    # the stages in the order a reader expects them; provenance runs in two parts
    timings = dict.fromkeys(("load", "schema", "provenance", "rules"), 0.0)
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        clock = now

    generated = run_time()
    project = load_project(root)
    rule_set = load_rule_sets(root / "checks", project.registries, root=root)
    rule_ids = {r.id for r in rule_set.rules}
    has_suites = (root / "checks" / "gx").is_dir()
    suite_ids: set[str] = set()
    if has_suites:
        from factlint.gx.spec import suite_rule_ids  # reads the suite files; GX is not imported

        suite_ids = suite_rule_ids(root)
        rule_ids |= suite_ids
    waivers = load_waivers(root, rule_ids)
    for path in rule_set.files:
        project.inputs[path] = file_digest(root / path)
    if (root / "checks" / "waivers.yaml").is_file():
        project.inputs["checks/waivers.yaml"] = file_digest(root / "checks" / "waivers.yaml")
    lap("load")

    # begun first: reading the quotes' figures (a cold run's largest cost) goes on in
    # worker processes while this one checks the schema and runs the rules
    provenance = ProvenanceCheck(
        project.facts, project.source_texts, jobs=jobs, digests=project.inputs
    )
    try:
        provenance.begin()
        lap("provenance")
        schema_findings, valid = validate_facts(
            project.facts, project.registries, set(project.sources["id"]), digests=project.inputs
        )
        lap("schema")

        stated = project.facts
        every_row = bool(valid.all())
        table = normalise_facts(
            stated if every_row else stated[valid.to_numpy()],
            project.registries,
            approx_tolerance=rule_set.settings.approx_tolerance,
            # the readings of every row of the project's files are worth keeping for a re-run
            project=(project.root, project.inputs) if every_row else None,
        )
        rule_findings, facts, runs = run_rules(rule_set, project.registries, table, stated)
        lap("rules")
        findings = schema_findings + provenance.findings() + rule_findings
        lap("provenance")
    finally:
        provenance.close()  # its workers stop, also when the schema or a rule raised

    if gx and has_suites:
        # Great Expectations is heavy: imported only when its suites are asked for
        from factlint.gx.runner import run_gx_suites

        findings += run_gx_suites(
            root, stated, facts.frame, inputs=project.inputs, registries=project.registries
        )
        lap("gx")
    elif has_suites:
        # suites not run: their waivers are neither applied nor stale
        waivers = [w for w in waivers if w.rule not in suite_ids]

    findings = apply_waivers(findings, waivers, today or generated.date())
    findings.sort(key=Finding.sort_key)
    lap("waivers")
    return RunResult(
        gx_skipped=has_suites and not gx,
        project=project,
        rule_set=rule_set,
        findings=findings,
        table=facts,
        waivers=waivers,
        rule_runs=runs,
        timings=timings,
        generated=generated,
    )


__all__ = ["RuleRun", "RunResult", "run_check", "run_time"]
