"""A Markdown summary fit for a pull-request comment.

Verdict, a counts table, the findings as a table and the waived ones folded
in a ``<details>`` block. Every value from the project is escaped: HTML
characters become entities and Markdown punctuation is backslash-escaped, so a
quote or id cannot add a link, an image, a heading or a table cell, and an
``@`` cannot mention anyone. Lists are capped so the comment stays under
GitHub's size limit.
"""

from __future__ import annotations

import html
import re
from typing import Any

MAX_ROWS = 50
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_SPACE = re.compile(r"\s+")


def _plain(text: str) -> str:
    text = _SPACE.sub(" ", text)
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))
    return escaped.replace("@", "@\u200b")


def code(text: str) -> str:
    """``text`` shown as code, inert (inline HTML, so backticks inside cannot end it)."""
    return f"<code>{_plain(text.strip())}</code>"


def cell(text: str) -> str:
    """Escape ``text`` for a table cell; spans in backticks become inline code."""
    text = _SPACE.sub(" ", str(text)).strip()
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unbalanced backtick: treat all as plain text
        return _plain(text)
    return "".join(code(p) if i % 2 else _plain(p) for i, p in enumerate(parts))


def _where(finding: dict[str, Any]) -> str:
    if not finding.get("file"):
        return ""
    line = f":{finding['line']}" if finding.get("line") else ""
    return code(f"{finding['file']}{line}")


def _findings_table(findings: list[dict[str, Any]]) -> list[str]:
    lines = ["| severity | code | rule | where | message |", "|---|---|---|---|---|"]
    for f in findings[:MAX_ROWS]:
        tags = [f["severity"]] + (["baselined"] if f.get("baselined") else [])
        lines.append(
            f"| {' · '.join(tags)} | {f['code']} | {code(f['rule'])} | {_where(f)} "
            f"| {cell(f['message'])} |"
        )
    if len(findings) > MAX_ROWS:
        lines += ["", f"… and {len(findings) - MAX_ROWS} more (see the HTML or JSON report)."]
    return lines


def _waived_block(waived: list[dict[str, Any]]) -> list[str]:
    lines = [
        "", f"<details><summary>Waived findings ({len(waived)})</summary>", "",
        "| code | rule | message | reason | reviewer | expires |", "|---|---|---|---|---|---|",
    ]
    for f in waived[:MAX_ROWS]:
        w = f["waiver"] or {}
        lines.append(
            f"| {f['code']} | {code(f['rule'])} | {cell(f['message'])} "
            f"| {cell(w.get('reason', ''))} | {cell(w.get('reviewer', ''))} "
            f"| {cell(w.get('expires', ''))} |"
        )
    if len(waived) > MAX_ROWS:
        lines += ["", f"… and {len(waived) - MAX_ROWS} more."]
    return lines + ["", "</details>"]


def _changes(comparison: dict[str, Any]) -> list[str]:
    since = comparison["against"]
    lines = [
        "", f"### Changes since {cell(str(since.get('generated') or since['file']))}", "",
        f"{len(comparison['new'])} new · {len(comparison['resolved'])} resolved · "
        f"{len(comparison['unchanged'])} unchanged",
    ]
    if comparison["new"]:
        lines += ["", "New:", ""] + _findings_table(comparison["new"])
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    gate, s = data["gate"], data["summary"]
    verdict = "PASS" if gate["passed"] else "FAIL"
    lines = [
        f"## factlint: {verdict} — {code(data['project'])}",
        "",
        f"Gate {code('--fail-on ' + gate['fail_on'])}: **{verdict}**"
        + ("" if gate["passed"] else f", {gate['failing']} finding(s) at or above the threshold")
        + f". {s['facts']} facts from {s['sources']} sources, {s['rules']} rules; "
        f"factlint {data['factlint_version']}, generated {data['generated']}, "
        f"inputs {code(data['fingerprint'][:16])}.",
        "",
        "| errors | warnings | info | waived | baselined |",
        "|---:|---:|---:|---:|---:|",
        f"| {s['error']} | {s['warning']} | {s['info']} | {s['waived']} | {s['baselined']} |",
    ]
    active = [f for f in data["findings"] if not f["waived"]]
    lines += ["", "### Findings", ""]
    lines += _findings_table(active) if active else ["No findings."]
    if s["by_rule"]:
        lines += ["", "<details><summary>Findings by rule</summary>", "",
                  "| rule | findings |", "|---|---:|"]
        lines += [f"| {code(rule)} | {n} |" for rule, n in list(s["by_rule"].items())[:MAX_ROWS]]
        lines += ["", "</details>"]
    waived = [f for f in data["findings"] if f["waived"]]
    if waived:
        lines += _waived_block(waived)
    if data.get("comparison"):
        lines += _changes(data["comparison"])
    return "\n".join(lines) + "\n"
