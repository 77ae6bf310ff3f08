"""Changes between two runs: new, resolved and unchanged findings, matched by fingerprint.

A finding's fingerprint (code, rule and the sorted ids of its facts) survives
reordered rows and unrelated edits, so a finding that moved is unchanged,
and one whose facts changed is resolved and new.
"""

from __future__ import annotations

import json
from typing import Any

from factlint.report.markdown import cell, code

KEPT = (
    "fingerprint", "code", "rule", "severity", "status", "message", "facts", "waived", "file",
    "line",
)


def _slim(finding: dict[str, Any]) -> dict[str, Any]:
    return {k: finding.get(k) for k in KEPT}


def _by_fingerprint(findings: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for finding in findings:
        out.setdefault(str(finding["fingerprint"]), finding)
    return out


def _about(report: dict[str, Any], label: str) -> dict[str, Any]:
    return {
        "file": label,
        "project": report.get("project"),
        "generated": report.get("generated"),
        "fingerprint": report.get("fingerprint"),
    }


def compare(
    old: dict[str, Any], new: dict[str, Any], *, old_label: str, new_label: str = ""
) -> dict[str, Any]:
    """The comparison of report ``old`` with report ``new`` (both JSON report data)."""
    before = _by_fingerprint(old["findings"])
    after = _by_fingerprint(new["findings"])
    return {
        "against": _about(old, old_label),
        "current": _about(new, new_label),
        "new": [_slim(f) for k, f in after.items() if k not in before],
        "resolved": [_slim(f) for k, f in before.items() if k not in after],
        "unchanged": [_slim(f) for k, f in after.items() if k in before],
    }


def _line(finding: dict[str, Any]) -> str:
    waived = " (waived)" if finding.get("waived") else ""
    return (
        f"  {finding['severity']:<7} {finding['code']} {finding['rule']}{waived}: "
        f"{finding['message']}"
    )


def render_changes(changes: dict[str, Any], fmt: str) -> str:
    """The comparison as ``text``, ``json`` or ``markdown``."""
    if fmt == "json":
        return json.dumps(changes, ensure_ascii=False, indent=2) + "\n"
    old, new = changes["against"], changes["current"]
    counts = {k: len(changes[k]) for k in ("new", "resolved", "unchanged")}
    if fmt == "markdown":
        lines = [
            f"### factlint: changes since {cell(str(old['generated']))}",
            "",
            f"Comparing {code(old['file'])} with {code(new['file'])}.",
            "",
            "| new | resolved | unchanged |",
            "|---:|---:|---:|",
            f"| {counts['new']} | {counts['resolved']} | {counts['unchanged']} |",
        ]
        for key in ("new", "resolved"):
            if changes[key]:
                lines += ["", f"#### {key.capitalize()}", "",
                          "| severity | code | rule | message |", "|---|---|---|---|"]
                lines += [
                    f"| {f['severity']} | {f['code']} | {code(f['rule'])} | {cell(f['message'])} |"
                    for f in changes[key]
                ]
        return "\n".join(lines) + "\n"
    lines = [
        f"factlint diff: {old['file']} ({old['generated']}) -> {new['file']} ({new['generated']})",
        f"new: {counts['new']} · resolved: {counts['resolved']} · unchanged: {counts['unchanged']}",
    ]
    for key in ("new", "resolved"):
        if changes[key]:
            lines.append(f"{key}:")
            lines += [_line(f) for f in changes[key]]
    return "\n".join(lines) + "\n"
