"""Terminal summary (rich): verdict, counts, and the findings that matter first."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_LISTED = 50


def render_text(
    data: dict[str, Any], console: Console | None = None, *, limit: int = MAX_LISTED
) -> str:
    """Print the summary to ``console`` (or render it as plain text and return it)."""
    buffer = io.StringIO()
    out = console or Console(
        file=buffer, width=110, no_color=True, highlight=False, soft_wrap=False
    )
    s = data["summary"]
    out.print(
        f"[bold]factlint {escape(data['factlint_version'])}[/] · "
        f"project [bold]{escape(data['project'])}[/]"
        f" · {s['facts']} facts from {s['sources']} sources · {s['rules']} rules"
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("errors", "warnings", "info", "waived", "baselined"):
        table.add_column(col, justify="right")
    table.add_row(
        str(s["error"]), str(s["warning"]), str(s["info"]), str(s["waived"]), str(s["baselined"])
    )
    out.print(table)
    shown = [f for f in data["findings"] if not f["waived"]]
    shown.sort(key=lambda f: {"error": 0, "warning": 1, "info": 2}[f["severity"]])
    for finding in shown[:limit]:
        where = finding["file"] or ""
        if finding.get("line"):
            where = f"{where}:{finding['line']}"
        sev = finding["severity"]
        known = " [dim](baselined)[/]" if finding.get("baselined") else ""
        out.print(
            f"[{_STYLE[sev]}]{sev:<7}[/] {finding['code']} [dim]{escape(finding['rule'])}[/] "
            f"{escape(where)}{known}\n        {escape(finding['message'])}",
            soft_wrap=True,
        )
    if len(shown) > limit:
        out.print(f"… and {len(shown) - limit} more (see the HTML or JSON report)")
    waived = [f for f in data["findings"] if f["waived"]]
    if waived:
        out.print(
            f"[dim]{len(waived)} waived finding(s) kept in the report (reviewed, with reasons)[/]"
        )
    changes = data.get("comparison")
    if changes:
        out.print(
            f"changes since {escape(str(changes['against']['generated']))}: "
            f"{len(changes['new'])} new, {len(changes['resolved'])} resolved, "
            f"{len(changes['unchanged'])} unchanged"
        )
    gate = data["gate"]
    if gate.get("baseline"):
        b = gate["baseline"]
        out.print(
            f"baseline {escape(b['file'])}: {b['matched']} of {b['entries']} known finding(s) "
            f"still present, out of the gate; {b['stale']} stale"
        )
    verdict = "[bold green]PASS[/]" if gate["passed"] else "[bold red]FAIL[/]"
    tail = "" if gate["passed"] else f" — {gate['failing']} finding(s) at or above the threshold"
    out.print(f"gate (--fail-on {gate['fail_on']}): {verdict}{tail}")
    return buffer.getvalue()
