"""``factlint check``: run the engine, emit the chosen format, write the HTML report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from factlint.cache import Cache, default_directory
from factlint.commands.gate import load_baseline, load_report, stale_findings
from factlint.engine import RunResult, run_check
from factlint.errors import PipeClosed
from factlint.findings import Finding, Severity
from factlint.outputs import atomic_write, refuse_inputs
from factlint.report.changes import compare
from factlint.report.data import report_data
from factlint.report.emit import emit

DEFAULT_REPORT = Path("reports") / "index.html"


def _apply_baseline(result: RunResult, baseline: Path) -> tuple[set[str], dict[str, Any]]:
    """Mark what the baseline knows; add FL070 for its stale entries."""
    entries = load_baseline(baseline)
    present = {f.fingerprint for f in result.findings}
    stale = stale_findings(entries, present, str(baseline))
    result.findings = sorted([*result.findings, *stale], key=Finding.sort_key)
    known = {e["fingerprint"] for e in entries}
    info = {
        "file": str(baseline), "entries": len(known), "matched": len(known & present),
        "stale": len(stale),
    }
    return known, info


def run_check_command(
    project_dir: Path,
    *,
    fmt: str,
    output: Path | None,
    report: Path | None,
    no_report: bool,
    fail_on: str,
    baseline: Path | None = None,
    compare_with: Path | None = None,
    gx: bool = False,
    cache: bool = True,
    jobs: int | None = None,
    hold: list[object] | None = None,
) -> int:
    """Run ``factlint check`` and write its outputs; the exit code (0 pass, 1 fail).

    ``hold`` is given the result and the report data (in place of what it held), for a
    caller that frees them later or never: the CLI, which ends without teardown.
    """
    threshold = None if fail_on == "never" else Severity(fail_on)
    store = Cache(default_directory()) if cache else None
    result = run_check(project_dir, gx=gx, cache=store, jobs=jobs)
    inputs = [project_dir / p for p in result.project.inputs]
    inputs += [p for p in (baseline, compare_with) if p is not None]
    report_path = None if no_report else (report or project_dir / DEFAULT_REPORT)
    for target in (output, report_path):
        if target is not None:
            refuse_inputs(target, inputs)
    earlier = load_report(compare_with) if compare_with is not None else None
    known: set[str] = set()
    about = None
    if baseline is not None:
        known, about = _apply_baseline(result, baseline)
    data = report_data(result, threshold, baselined=known, baseline=about)
    if hold is not None:
        hold[:] = [result, data]
    if earlier is not None and compare_with is not None:
        data["comparison"] = compare(
            earlier, data, old_label=str(compare_with), new_label="this run"
        )
    if report_path is not None:
        atomic_write(report_path, emit("html", data))
    verdict = 1 if data["gate"]["failing"] else 0
    if output is not None:
        atomic_write(output, emit(fmt, data))
        return verdict
    with PipeClosed.keeping(verdict):
        _write_stdout(fmt, data, report_path, gx_skipped=result.gx_skipped)
    return verdict


def _write_stdout(
    fmt: str, data: dict[str, Any], report_path: Path | None, *, gx_skipped: bool
) -> None:
    if fmt != "text":
        sys.stdout.write(emit(fmt, data))
        return
    # rich costs start-up time: it is imported only when text goes to the terminal
    from rich.console import Console

    emit("text", data, console=Console(highlight=False))
    if report_path is not None:
        Console(highlight=False).print(f"report: {report_path}", markup=False)
    if gx_skipped:
        Console(highlight=False).print(
            "GX suites in checks/gx/ were not run; add --gx to run them", markup=False
        )
