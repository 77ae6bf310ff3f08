"""The self-contained HTML audit report (Jinja2 with autoescaping; no network).

One file with inline CSS, JS and SVG that opens from disk offline. Every value
from the project goes through autoescaping; only http and https URLs become
links; the little data the script needs sits in a ``<script
type="application/json">`` block serialised so that no ``</script>`` or
``<!--`` can end it. Long lists are capped (see :class:`~factlint.report.data.Limits`)
with counts of what was left out, so a huge project still yields a small file.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import urlparse

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from factlint.report.data import CARD_FACTS, LIMITS, SEVERITIES, listed_findings
from factlint.report.svg import fmt_num, interval_text, number, number_line, timeline


def safe_url(url: str) -> str | None:
    """Only http and https URLs with a host become links; anything else stays text."""
    text = str(url).strip()
    try:
        parts = urlparse(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch in text for ch in '"<>` \t\r\n'):
        return None
    return text


def script_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>``, ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above for the script-data context


def segments(message: str) -> list[tuple[bool, str]]:
    """A message split at backticks: (is_code, text) pairs, for inert <code> rendering."""
    parts = message.split("`")
    if len(parts) % 2 == 0:
        return [(False, message)]
    return [(i % 2 == 1, p) for i, p in enumerate(parts) if p]


def _quote_parts(fact: dict[str, Any]) -> dict[str, Any]:
    ctx = fact.get("context")
    if not ctx:
        return {
            "found": False, "before": "", "pre": fact["quote"], "figure": "", "post": "",
            "after": "",
        }
    quote, figure = ctx["quote"], ctx.get("figure")
    a, b = figure if figure else (len(quote), len(quote))
    return {
        "found": True, "before": ctx["before"], "pre": quote[:a], "figure": quote[a:b],
        "post": quote[b:], "after": ctx["after"],
    }


def _fact_card(fact_id: str, data: dict[str, Any]) -> dict[str, Any]:
    fact = data["facts"].get(fact_id)
    if fact is None:
        return {"id": fact_id, "missing": True}
    source = data["sources"].get(fact["source"])
    return {
        "id": fact_id, "missing": False, "fact": fact, "source": source,
        "url": safe_url(source["url"]) if source else None, "quote": _quote_parts(fact),
    }


def _card(index: int, f: dict[str, Any], data: dict[str, Any], new: set[str]) -> dict[str, Any]:
    return {
        **f,
        "anchor": f"f{index}-{f['fingerprint']}",
        "segments": segments(f["message"]),
        "chart": number_line(f.get("stated"), f.get("computed")),
        "stated_text": interval_text(f.get("stated")),
        "computed_text": interval_text(f.get("computed")),
        "gap_text": None if f.get("gap") is None else fmt_num(number(f["gap"])),
        "cards": [_fact_card(i, data) for i in f["facts"][:CARD_FACTS]],
        "more_facts": f["facts"][CARD_FACTS:],
        "is_new": f["fingerprint"] in new,
        "sources_json": json.dumps(f["sources"], separators=(",", ":")),
    }


def build_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the template draws, derived from the report data (nothing else is read)."""
    findings = data["findings"]
    per_severity = data.get("limits", {}).get("findings_per_severity", LIMITS.findings_per_severity)
    listed = listed_findings(findings, per_severity)
    comparison = data.get("comparison")
    new = {f["fingerprint"] for f in comparison["new"]} if comparison else set()
    cards = [_card(i, findings[i], data, new) for i in listed]
    groups: dict[str, list[dict[str, Any]]] = {}
    unverifiable, waived = [], []
    for card in cards:
        if card["waived"]:
            waived.append(card)
        elif card["status"] == "unverifiable":
            unverifiable.append(card)
        else:
            groups.setdefault(card["rule"], []).append(card)
    totals = Counter("waived" if f["waived"] else f["severity"] for f in findings)
    shown = Counter("waived" if c["waived"] else c["severity"] for c in cards)
    omitted = {k: totals[k] - shown[k] for k in (*SEVERITIES, "waived") if totals[k] > shown[k]}
    rules_meta = {r["id"]: r for r in data["rules"]}
    source_ids = sorted({s for f in findings for s in f["sources"]})
    table = data.get("fact_table") or {"rows": [], "total": 0, "omitted": 0}
    anchors = {c["fingerprint"]: c["anchor"] for c in cards}
    return {
        "groups": [
            {"rule": rule, "meta": rules_meta.get(rule), "cards": items,
             "worst": items[0]["severity"]}
            for rule, items in groups.items()
        ],
        "unverifiable": unverifiable,
        "waived": waived,
        "to_review": sum(1 for f in findings if not f["waived"] and f["status"] != "unverifiable"),
        "omitted": omitted,
        "listed": len(cards),
        "filter_rules": sorted({f["rule"] for f in findings}),
        "filter_sources": [
            (s, (data["sources"].get(s) or {}).get("title", "")) for s in source_ids
        ],
        # a running total stated once has no course to draw: it is listed instead
        "timelines": [
            {"series": s, "chart": timeline(s)}
            for s in data.get("series", [])
            if s["total"] > 1 or s.get("registry")
        ],
        "single_series": [
            s for s in data.get("series", []) if s["total"] == 1 and not s.get("registry")
        ],
        "table": table,
        "table_sources": sorted({r["source"] for r in table["rows"]}),
        "table_metrics": sorted({r["metric"] for r in table["rows"]}),
        "anchors": anchors,
        "meta": script_json(
            {
                "project": data["project"],
                "listed": len(cards),
                "total": len(findings),
                "facts_listed": len(table["rows"]),
                "facts_total": table["total"],
            }
        ),
    }


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("factlint", "report/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["num"] = lambda v: fmt_num(number(v))
    env.filters["segs"] = segments
    env.filters["grouped"] = lambda n: f"{int(n):,}"
    return env


def render_html(data: dict[str, Any]) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(**data, view=build_view(data))
