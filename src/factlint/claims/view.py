"""The HTML view of checked drafts: the text with every claim marked, its evidence beside it.

One self-contained file: inline CSS, no script, no network (the page's
Content-Security-Policy is ``default-src 'none'; style-src 'unsafe-inline'``).
Every value goes through Jinja2's autoescaping; only http and https source
URLs become links. Paragraphs are laid out in a grid: the paragraph on the
left, the cards of its claims (verdict, reading, reason, the facts' quotes and
sources) on the right. A very long draft shows only the paragraphs that hold
claims, and at most :data:`MAX_VIEW_CLAIMS` of them, saying how many were left out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from factlint.claims.check import Claim
from factlint.claims.drafts import Draft
from factlint.report.html import safe_url, segments

__all__ = ["MAX_VIEW_CLAIMS", "render_view"]

MAX_VIEW_CLAIMS = 2000
FULL_TEXT_LIMIT = 300_000
"""Drafts longer than this (characters) show only the paragraphs that hold claims."""
FACTS_PER_CARD = 3


def _pieces(
    text: str, start: int, end: int, marks: list[tuple[int, Claim, int]]
) -> list[dict[str, Any]]:
    """``text[start:end]`` cut into plain runs and marked claims."""
    out: list[dict[str, Any]] = []
    at = start
    for number, claim, _ in marks:
        a, b = max(claim.start, at), min(claim.end, end)
        if a >= b:
            continue
        if a > at:
            out.append({"text": text[at:a]})
        out.append({"text": text[a:b], "number": number, "verdict": claim.verdict})
        at = b
    if at < end:
        out.append({"text": text[at:end]})
    return out


def _marked(fact: dict[str, Any]) -> tuple[str, str, str]:
    """The fact's quote cut around its figure, so that the figure can be shown in bold."""
    quote, value = str(fact.get("quote", "")), str(fact.get("value", ""))
    digits = value.lstrip("-")
    whole, dot, frac = digits.partition(".")
    grouped = f"{int(whole):,}{dot}{frac}" if whole.isdigit() and len(whole) > 3 else digits
    for written in (grouped, digits):
        m = re.search(rf"(?<![\d.,]){re.escape(written)}(?![\d])", quote) if written else None
        if m:
            return quote[: m.start()], quote[m.start() : m.end()], quote[m.end() :]
    return quote, "", ""


def _card(number: int, claim: Claim, facts: dict[str, Any]) -> dict[str, Any]:
    evidence = []
    for fact_id in claim.facts[:FACTS_PER_CARD]:
        fact = facts.get(fact_id)
        if fact is None:
            continue
        evidence.append(
            {"id": fact_id, **fact, "link": safe_url(fact.get("url", "")), "parts": _marked(fact)}
        )
    return {
        "number": number,
        "claim": claim,
        "reason": segments(claim.reason),
        "evidence": evidence,
        "more_facts": max(0, len(claim.facts) - FACTS_PER_CARD),
        "readings": [{**r, "reason": segments(r["reason"])} for r in claim.readings],
    }


def _draft_view(
    draft: Draft,
    label: str,
    claims: list[Claim],
    facts: dict[str, Any],
    counts: dict[str, int],
    first_number: int,
    budget: int,
) -> dict[str, Any]:
    """The rows of one draft; ``counts`` are its verdicts as ``claims_data`` counted them."""
    shown = claims[:budget]
    starts = [b.start for b in draft.blocks]
    per_block: dict[int, list[tuple[int, Claim, int]]] = {}
    for k, claim in enumerate(shown):
        index = bisect_right(starts, claim.start) - 1
        per_block.setdefault(index, []).append((first_number + k, claim, index))
    only_claims = len(draft.text) > FULL_TEXT_LIMIT or len(claims) > len(shown)
    rows = []
    for index, block in enumerate(draft.blocks):
        marks = per_block.get(index, [])
        if only_claims and not marks:
            continue
        if block.kind == "row" and block.cells:
            cells = [_pieces(draft.text, a, b, marks) for a, b in block.cells]
            body: dict[str, Any] = {"cells": cells}
        else:
            body = {"pieces": _pieces(draft.text, block.start, block.end, marks)}
        rows.append(
            {
                "kind": block.kind,
                **body,
                "cards": [_card(number, claim, facts) for number, claim, _ in marks],
            }
        )
    return {
        "label": label,
        "title": draft.title,
        "kind": draft.kind,
        "date": draft.date.isoformat() if draft.date else None,
        "rows": rows,
        "claims": len(claims),
        "omitted": len(claims) - len(shown),
        "excerpt": only_claims,
        "counts": counts,
    }


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("factlint", "claims/templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_view(data: dict[str, Any], drafts: list[tuple[Draft, str, list[Claim]]]) -> str:
    """The HTML page for ``factlint claims --format html``."""
    views = []
    number, budget = 1, MAX_VIEW_CLAIMS
    for (draft, label, claims), counted in zip(drafts, data["drafts"], strict=True):
        view = _draft_view(
            draft, label, claims, data["facts"], counted["verdicts"], number, budget
        )
        shown = len(claims) - view["omitted"]
        number += shown
        budget = max(0, budget - shown)
        views.append(view)
    template = _environment().get_template("claims.html.j2")
    return template.render(data=data, drafts=views)
