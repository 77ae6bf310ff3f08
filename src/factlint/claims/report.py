"""The result of ``factlint claims``: one data structure, three renderings (text, JSON, HTML).

JSON shape (``schema`` ``factlint-claims/1``; new optional keys may be added)::

    {
      "schema": "factlint-claims/1",
      "project": "main",
      "as_of": "2024-09-12" | null,           # --as-of, if given
      "drafts": [{"path", "kind", "title", "date", "claims", "verdicts": {...}}],
      "summary": {"claims": 12, "supported": 8, "contradicted": 2, "unsupported": 1,
                  "ambiguous": 1},
      "gate": {"fail_on": "contradicted", "failing": 2, "passed": false},
      "claims": [{"draft", "line", "column", "end_line", "end_column", "text", "sentence",
                  "value", "unit", "scale", "qualifier", "metric", "subject", "period",
                  "verdict", "reason", "facts", "readings", "notes"}],
      "facts": {"<id>": {"quote", "source", "source_title", "publisher", "source_date", "url",
                         "subject", "metric", "period", "value", "unit", "qualifier", "as_written"}}
    }

``line`` and ``column`` are 1-based and point into the draft file (for HTML
drafts, into the HTML source). ``facts`` lists the facts a verdict rests on:
the agreeing facts of a supported claim, the disagreeing ones of a
contradicted claim. The same inputs give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factlint.claims.check import Claim
from factlint.claims.drafts import Draft
from factlint.claims.verdicts import VERDICTS, FactBase
from factlint.project import Project

__all__ = ["FAIL_ON", "claims_data", "render_json", "render_text"]

SCHEMA = "factlint-claims/1"
FAIL_ON = ("contradicted", "unsupported", "never")
_STYLE = {
    "supported": "green",
    "contradicted": "bold red",
    "unsupported": "yellow",
    "ambiguous": "magenta",
}


def failing(claims: list[Claim], fail_on: str) -> int:
    """How many claims fail the gate: contradicted ones, or (``unsupported``) all but supported."""
    if fail_on == "never":
        return 0
    if fail_on == "contradicted":
        return sum(1 for c in claims if c.verdict == "contradicted")
    return sum(1 for c in claims if c.verdict != "supported")


def _source_info(project: Project) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for rec in project.sources.fillna("").to_dict("records"):
        out[str(rec["id"])] = {k: str(v) for k, v in rec.items()}
    return out


def claims_data(
    project: Project,
    facts: FactBase,
    drafts: list[tuple[Draft, str, list[Claim]]],
    *,
    as_of: dt.date | None,
    fail_on: str,
) -> dict[str, Any]:
    """Everything any rendering needs, as plain JSON-ready data."""
    all_claims = [c for _, _, claims in drafts for c in claims]
    counts = Counter(c.verdict for c in all_claims)
    sources = _source_info(project)
    cited: dict[str, Any] = {}
    for claim in all_claims:
        for fact_id in claim.facts:
            row = facts.rows.get(fact_id)
            if row is None or fact_id in cited:
                continue
            src = sources.get(row.source, {})
            cited[fact_id] = {
                "quote": row.quote,
                "source": row.source,
                "source_title": src.get("title", ""),
                "publisher": src.get("publisher", ""),
                "source_date": src.get("date", ""),
                "url": src.get("url", ""),
                "subject": row.subject,
                "metric": row.metric,
                "period": row.period,
                "value": row.value,
                "unit": row.unit,
                "qualifier": row.qualifier,
                "as_written": row.as_written,
            }
    fail = failing(all_claims, fail_on)
    return {
        "schema": SCHEMA,
        "project": project.name,
        "as_of": as_of.isoformat() if as_of else None,
        "drafts": [
            {
                "path": label,
                "kind": draft.kind,
                "title": draft.title,
                "date": draft.date.isoformat() if draft.date else None,
                "claims": len(claims),
                "verdicts": {v: sum(1 for c in claims if c.verdict == v) for v in VERDICTS},
            }
            for draft, label, claims in drafts
        ],
        "summary": {"claims": len(all_claims), **{v: counts.get(v, 0) for v in VERDICTS}},
        "gate": {"fail_on": fail_on, "failing": fail, "passed": fail == 0},
        "claims": [c.as_dict() for c in all_claims],
        "facts": dict(sorted(cited.items())),
    }


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_text(data: dict[str, Any], console: Console | None = None) -> str:
    """One table per draft (line:column, figure, verdict, reading and reason), then the counts
    and the gate."""
    buffer = io.StringIO()
    out = console or Console(file=buffer, width=120, no_color=True, highlight=False)
    by_draft: dict[str, list[dict[str, Any]]] = {}
    for c in data["claims"]:
        by_draft.setdefault(c["draft"], []).append(c)
    for draft in data["drafts"]:
        claims = by_draft.get(draft["path"], [])
        out.print(
            f"[bold]{escape(draft['path'])}[/] ({draft['kind']}"
            + (f", dated {draft['date']}" if draft["date"] else "")
            + f"): {len(claims)} claim(s)"
        )
        if not claims:
            continue
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("line:col", no_wrap=True, justify="right")
        table.add_column("figure", max_width=22)
        table.add_column("verdict", no_wrap=True)
        table.add_column("reading · why", ratio=1)
        for c in claims:
            reading = " · ".join(
                str(x)
                for x in (
                    c["metric"] or "metric ?",
                    c["subject"] or "subject ?",
                    c["period"] or "no period",
                )
            )
            table.add_row(
                f"{c['line']}:{c['column']}",
                escape(c["text"]),
                f"[{_STYLE[c['verdict']]}]{c['verdict']}[/]",
                f"{escape(reading)}\n[dim]{escape(c['reason'])}[/]",
            )
        out.print(table)
    s = data["summary"]
    out.print(
        f"{s['claims']} claim(s) in {len(data['drafts'])} draft(s): "
        + ", ".join(f"[{_STYLE[v]}]{s[v]} {v}[/]" for v in VERDICTS)
    )
    gate = data["gate"]
    verdict = "[bold green]PASS[/]" if gate["passed"] else "[bold red]FAIL[/]"
    out.print(
        f"gate (--fail-on {gate['fail_on']}): {verdict}"
        + ("" if gate["passed"] else f" — {gate['failing']} claim(s) at or above the threshold")
    )
    return buffer.getvalue()
