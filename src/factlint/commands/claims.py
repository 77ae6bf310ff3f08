"""``factlint claims`` and ``factlint extract``: check drafts against the fact base; propose facts.

Thin: options are validated here, the work is done by :mod:`factlint.claims`.
Exit codes as everywhere: 0 clean, 1 a claim at or above ``--fail-on``, 2 a
usage or input error (one line naming the file).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from rich.console import Console

from factlint.claims.check import ClaimChecker
from factlint.claims.drafts import read_draft
from factlint.claims.extract import extract_file, render_csv
from factlint.claims.report import FAIL_ON, claims_data, render_json, render_text
from factlint.claims.view import render_view
from factlint.errors import PipeClosed, UsageError
from factlint.outputs import atomic_write, refuse_inputs
from factlint.project import load_project

__all__ = ["parse_as_of", "run_claims_command", "run_extract_command"]

FORMATS = ("text", "json", "html")


def parse_as_of(value: str | None) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(f"--as-of {value!r}: expected a date YYYY-MM-DD") from None


def run_claims_command(
    drafts: list[Path],
    *,
    project_dir: Path = Path("."),
    as_of: str | None = None,
    fmt: str = "text",
    output: Path | None = None,
    fail_on: str = "contradicted",
) -> int:
    """Check every draft; print or write the result; return the exit code."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r}: use one of {', '.join(FAIL_ON)}")
    if not drafts:
        raise UsageError("no draft given")
    when = parse_as_of(as_of)
    read = [read_draft(path) for path in drafts]  # every draft is readable before any work
    project = load_project(project_dir)
    if output is not None:
        refuse_inputs(output, [*drafts, *(project_dir / p for p in project.inputs)])
    checker = ClaimChecker(project)
    checked = []
    for path, draft in zip(drafts, read, strict=True):
        label = path.as_posix()
        checked.append((draft, label, checker.check(draft, as_of=when, label=label)))
    data = claims_data(project, checker.facts, checked, as_of=when, fail_on=fail_on)
    if fmt == "json":
        text = render_json(data)
    elif fmt == "html":
        text = render_view(data, checked)
    else:
        text = ""
    verdict = 1 if data["gate"]["failing"] else 0
    if output is not None:
        atomic_write(output, text if fmt != "text" else render_text(data))
        return verdict
    with PipeClosed.keeping(verdict):
        if fmt == "text":
            render_text(data, console=Console(highlight=False))
        else:
            sys.stdout.write(text)
    return verdict


def run_extract_command(
    source: Path,
    *,
    project_dir: Path = Path("."),
    source_id: str | None = None,
    output: Path | None = None,
) -> int:
    """Write candidate fact rows for ``source`` as CSV (stdout or ``output``)."""
    project = load_project(project_dir)
    if output is not None:
        refuse_inputs(output, [source, *(project_dir / p for p in project.inputs)])
    rows = extract_file(project, source, source_id=source_id)
    text = render_csv(rows)
    if output is not None:
        atomic_write(output, text)
    else:
        sys.stdout.write(text)
    return 0
