"""``factlint rules`` and ``factlint explain CODE``."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factlint.codes import BUILTIN
from factlint.errors import UsageError
from factlint.rules import CODES, RuleKind, load_kinds


def kind_doc(kind: RuleKind) -> str:
    """A kind's docs: its docstring, then its parameters with their descriptions."""
    lines = [f"{kind.code} {kind.name}", "", kind.doc, "", "Parameters:"]
    for name, field in kind.params.model_fields.items():
        if field.is_required():
            required = "required"
        elif field.default_factory is not None:
            required = f"default {field.default_factory()!r}"  # type: ignore[call-arg]
        else:
            required = f"default {field.default!r}"
        lines.append(f"  {name} ({required}): {field.description or ''}".rstrip())
    return "\n".join(lines)


def explain_code(code: str) -> int:
    load_kinds()
    key = code.strip().upper()
    console = Console(highlight=False)
    if key in CODES:
        console.print(escape(kind_doc(CODES[key])))
        return 0
    if key in BUILTIN:
        console.print(escape(f"{key}\n\n{BUILTIN[key]}"))
        return 0
    known = ", ".join(sorted([*CODES, *BUILTIN]))
    raise UsageError(f"unknown code {code!r}; known codes: {known}")


def list_rules(project_dir: Path | None) -> int:
    kinds = load_kinds()
    console = Console(highlight=False)
    table = Table(title="Rule kinds", box=None, header_style="bold")
    table.add_column("code")
    table.add_column("kind")
    table.add_column("what it checks")
    for kind in sorted(kinds.values(), key=lambda k: k.code):
        table.add_row(kind.code, kind.name, escape(kind.summary))
    console.print(table)
    if project_dir is not None:
        from factlint.project import load_project
        from factlint.rules.loader import load_rule_sets

        project = load_project(project_dir)
        rule_set = load_rule_sets(project_dir / "checks", project.registries, root=project_dir)
        rules = Table(title=f"Rules of {project.name}", box=None, header_style="bold")
        rules.add_column("rule", no_wrap=True)
        rules.add_column("kind", no_wrap=True)
        rules.add_column("severity", no_wrap=True)
        rules.add_column("what it checks")
        for rule in rule_set.rules:
            rules.add_row(rule.id, rule.kind, rule.severity.value, escape(rule.description))
        console.print(rules)
    return 0
