"""Gate policy over time: baselines (``check --baseline``, ``factlint baseline``) and
``factlint diff`` between two JSON reports.

A baseline records the fingerprints of the findings a project has today, so
a gate can fail only on findings that are new. A fingerprint (code, rule and
the sorted ids of the facts involved) survives reordered rows and unrelated
edits. A baseline entry that no longer matches a finding is stale and is
reported as an informational finding (FL070), so baselines shrink as
problems get fixed. Any JSON report also serves as a baseline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from factlint.engine import run_check
from factlint.errors import InputError, UsageError
from factlint.findings import Finding, Severity, Status
from factlint.outputs import atomic_write, refuse_inputs
from factlint.report.changes import compare, render_changes
from factlint.report.data import inputs_fingerprint

BASELINE_VERSION = 1
ENTRY_FIELDS = ("fingerprint", "code", "rule", "severity", "facts", "message")


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, None, f"{what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, None, f"cannot read {what}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(path, str(exc.lineno), f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError(path, None, f"not a factlint {what}: expected an object with `findings`")
    for index, item in enumerate(data["findings"]):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            raise InputError(path, f"findings[{index}]", "expected an object with a `fingerprint`")
        facts = item.get("facts", [])
        if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
            raise InputError(path, f"findings[{index}].facts", "expected a list of fact ids")
    return data


def load_report(path: Path) -> dict[str, Any]:
    """An earlier JSON report (``--format json``), checked enough to compare with."""
    data = _read_json(path, "JSON report")
    for index, item in enumerate(data["findings"]):
        missing = [k for k in ("code", "rule", "severity", "message") if k not in item]
        if missing:
            raise InputError(path, f"findings[{index}]", f"missing {', '.join(missing)}")
    return data


def load_baseline(path: Path) -> list[dict[str, Any]]:
    """The entries of a baseline file (or of a JSON report used as one)."""
    data = _read_json(path, "baseline")
    entries: dict[str, dict[str, Any]] = {}
    for item in data["findings"]:
        entries.setdefault(
            item["fingerprint"],
            {
                "fingerprint": item["fingerprint"],
                "code": str(item.get("code", "")),
                "rule": str(item.get("rule", "")),
                "facts": list(item.get("facts", [])),
            },
        )
    return [entries[k] for k in sorted(entries)]


def stale_findings(entries: list[dict[str, Any]], present: set[str], file: str) -> list[Finding]:
    """FL070 for every baseline entry that matches no finding of this run."""
    stale = []
    for entry in entries:
        if entry["fingerprint"] in present:
            continue
        facts = ", ".join(f"`{f}`" for f in entry["facts"]) or "no facts"
        stale.append(
            Finding(
                code="FL070",
                rule="baseline",
                severity=Severity.INFO,
                status=Status.WAIVER,
                message=(
                    f"baseline entry {entry['fingerprint']} ({entry['code']} of `{entry['rule']}` "
                    f"for {facts}) matches no finding any more: it was fixed or its facts changed; "
                    "write the baseline again to drop it"
                ),
                facts=tuple(entry["facts"]),
                file=file,
                details=(("baseline_fingerprint", entry["fingerprint"]),),
            )
        )
    return stale


def baseline_document(findings: list[Finding], *, project: str, fingerprint: str) -> dict[str, Any]:
    """What ``factlint baseline`` writes: the unwaived findings' fingerprints, sorted."""
    entries: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.waived:
            continue
        entries.setdefault(
            f.fingerprint,
            {
                "fingerprint": f.fingerprint,
                "code": f.code,
                "rule": f.rule,
                "severity": f.severity.value,
                "facts": sorted(f.facts),
                "message": f.message,
            },
        )
    return {
        "factlint_baseline": BASELINE_VERSION,
        "project": project,
        "inputs_fingerprint": fingerprint,
        "findings": [entries[k] for k in sorted(entries)],
    }


def write_baseline(project_dir: Path, output: Path) -> int:
    """``factlint baseline``: record today's unwaived findings as known."""
    # rich is imported here, not at the top: `check --format json` imports this module
    from rich.console import Console
    from rich.markup import escape

    result = run_check(project_dir)
    refuse_inputs(output, [project_dir / p for p in result.project.inputs])
    document = baseline_document(
        result.findings, project=result.project.name,
        fingerprint=inputs_fingerprint(result.project.inputs),
    )
    atomic_write(output, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    Console(highlight=False).print(
        f"baseline: {len(document['findings'])} finding(s) written to {escape(str(output))}"
    )
    return 0


DIFF_FORMATS = ("text", "json", "markdown")


def diff_reports(old: Path, new: Path, fmt: str) -> int:
    """``factlint diff OLD NEW``: new, resolved and unchanged findings (exit 0)."""
    if fmt not in DIFF_FORMATS:
        raise UsageError(f"--format {fmt}: diff writes {', '.join(DIFF_FORMATS)}")
    changes = compare(load_report(old), load_report(new), old_label=str(old), new_label=str(new))
    sys.stdout.write(render_changes(changes, fmt))
    return 0
