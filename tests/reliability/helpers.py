"""Shared by the reliability tests: a small valid project, an in-process CLI run, file hashes."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factlint.cli import main
from tests.conftest import write_mini_project

RULES = """\
# One rule the mini facts satisfy, so rule files can be broken in the tests.
rules:
  - id: land-share-small
    kind: bound
    description: The zones cover at most 1% of the country's land.
    select: {metric: area_share}
    op: "<="
    value: 1
    unit: percent
"""

TABLE = Path("facts") / "table.csv"


def write_project(root: Path) -> Path:
    """The mini project of tests/conftest.py plus a rule set: a clean run exits 0."""
    write_mini_project(root)
    (root / "checks" / "rules.yaml").write_text(RULES, encoding="utf-8")
    return root


def write_big_project(root: Path, copies: int) -> Path:
    """The valid project with every fact repeated ``copies`` times under new ids
    (8,000 copies: 40,000 facts, about a second and a half of checking)."""
    write_project(root)
    table = root / TABLE
    header, *rows = table.read_text(encoding="utf-8").splitlines()
    out = [header]
    for i in range(copies):
        for row in rows:
            fact_id, rest = row.split(",", 1)
            out.append(f"{fact_id}-{i:05d},{rest}")
    table.write_text("\n".join(out) + "\n", encoding="utf-8")
    return root


def break_a_figure(root: Path) -> None:
    """Change one value so that its quote no longer states it (FL022, an error: exit 1)."""
    table = root / TABLE
    table.write_text(table.read_text(encoding="utf-8").replace(",103.96,", ",103.97,"),
                     encoding="utf-8")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def codes(self) -> set[str]:
        return {f["code"] for f in self.json()["findings"]}


def run_cli(*args: str | Path) -> Run:
    """Run ``factlint ARGS`` in this process, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def run_subprocess(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120
) -> Run:
    """Run the console script's module in a fresh interpreter."""
    proc = subprocess.run(
        [sys.executable, "-m", "factlint.cli", *[str(a) for a in args]],
        capture_output=True, text=True, check=False, timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_contract(run: Run, code: int, needle: str | None = None) -> None:
    """The exit code is ``code``; no traceback; errors are one line naming the problem."""
    context = f"exit {run.code}, stderr {run.err!r}, stdout {run.out[:300]!r}"
    assert run.code == code, context
    assert "Traceback" not in run.err and "Traceback" not in run.out, context
    if code in (2, 3, 130):
        assert run.err.count("\n") == 1 and run.err.endswith("\n"), context
        assert run.err.startswith("factlint: "), context
    if code in (0, 1):
        assert run.err == "", context
    if needle is not None:
        assert needle in run.err, context


def file_hashes(*roots: Path, skip: tuple[str, ...] = ("reports",)) -> dict[str, str]:
    """SHA-256 of every file under ``roots`` (files given directly count too)."""
    hashes: dict[str, str] = {}
    for root in roots:
        paths = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in paths:
            if path.is_file() and not path.is_symlink() and not (set(path.parts) & set(skip)):
                hashes[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes
