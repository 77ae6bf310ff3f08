"""``factlint gx docs`` and ``factlint gx export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from factlint.engine import run_time
from factlint.errors import UsageError
from factlint.outputs import atomic_write, refuse_inputs

DEFAULT_DOCS = Path("reports") / "gx"


def build_docs(project_dir: Path, output: Path | None) -> int:
    """Validate the project's GX suites and write Data Docs (``index.html``) to ``output``."""
    from factlint.gx.docs import build_data_docs

    target = output if output is not None else project_dir / DEFAULT_DOCS
    index, count = build_data_docs(project_dir, target, run_time=run_time())
    noun = "suite" if count == 1 else "suites"
    sys.stdout.write(f"GX Data Docs for {count} {noun}: {index}\n")
    return 0


def export_suite(project_dir: Path, output: Path | None) -> int:
    """Write a GX suite derived from the schema and the constant bound rules."""
    from factlint.gx.export import checked_export
    from factlint.gx.spec import suite_paths
    from factlint.project import load_project
    from factlint.rules.loader import load_rule_sets

    project = load_project(project_dir)
    rule_set = load_rule_sets(project_dir / "checks", project.registries, root=project_dir)
    text = json.dumps(checked_export(project, rule_set), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return 0
    inputs = [project_dir / p for p in project.inputs]
    inputs += [project_dir / p for p in rule_set.files]
    inputs += suite_paths(project_dir / "checks" / "gx")
    refuse_inputs(output, inputs)
    if output.is_dir():
        raise UsageError(f"{output}: is a directory; give the suite's file name")
    atomic_write(output, text)
    return 0


__all__ = ["build_docs", "export_suite"]
