"""JUnit XML for CI test views (GitLab, Jenkins, Azure): the gate as test results.

One testsuite. Every built-in stage (schema, provenance, waivers, and the
baseline when one is used) and every rule has a testcase named after it that
passes and lists, in ``system-out``, its findings that do not fail the gate
(below ``--fail-on``, informational, baselined). Each finding that fails the
gate is a testcase of its own with a ``failure``; each waived finding is a
testcase marked ``skipped`` with the waiver's reason, reviewer and expiry.
So ``failures`` equals the gate's count of failing findings.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

STAGES_BEFORE = ("schema", "provenance")
STAGES_AFTER = ("waivers", "baseline")
_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: object) -> str:
    return _INVALID_XML.sub("\ufffd", str(text))


def _bounds(b: dict[str, Any] | None) -> str:
    if b is None:
        return "-"
    left = "(" if b["lo_open"] else "["
    right = ")" if b["hi_open"] else "]"
    return f"{left}{b['lo']}, {b['hi']}{right} {b['unit']}".rstrip()


def _detail(f: dict[str, Any]) -> str:
    where = f"{f['file']}:{f['line']}" if f.get("line") else (f.get("file") or "-")
    lines = [
        f["message"],
        f"code: {f['code']} ({f['status']}, {f['severity']})",
        f"where: {where}",
        f"facts: {', '.join(f['facts']) or '-'}",
    ]
    if f.get("stated") or f.get("computed"):
        lines.append(f"stated: {_bounds(f.get('stated'))}; computed: {_bounds(f.get('computed'))}")
    if f.get("gap") is not None:
        lines.append(f"gap: {f['gap']}")
    lines.append(f"fingerprint: {f['fingerprint']}")
    return "\n".join(lines)


def _case_name(f: dict[str, Any]) -> str:
    subject = ", ".join(f["facts"][:4]) + (" …" if len(f["facts"]) > 4 else "")
    if not subject:
        subject = f"{f['file']}:{f['line']}" if f.get("line") else (f.get("file") or "")
        subject = subject or f["fingerprint"]
    return f"{f['rule']} {f['code']} [{subject}]"


def _groups(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(classname, name) of every stage and rule, in the order the engine runs them."""
    rules = [r["id"] for r in data["rules"]]
    named = set(STAGES_BEFORE) | set(rules) | set(STAGES_AFTER)
    extra = sorted({f["rule"] for f in data["findings"]} - named)
    after = [s for s in STAGES_AFTER if s != "baseline" or data["gate"].get("baseline")]
    return (
        [("factlint.stages", s) for s in STAGES_BEFORE]
        + [("factlint.rules", r) for r in rules]
        + [("factlint.stages", s) for s in extra]
        + [("factlint.stages", s) for s in after]
    )


def _fails(f: dict[str, Any], fail_on: str) -> bool:
    rank = {"error": 3, "warning": 2, "info": 1}
    if fail_on == "never" or f["waived"] or f.get("baselined"):
        return False
    return rank[f["severity"]] >= rank[fail_on]


def _case(suite: ET.Element, classname: str, f: dict[str, Any]) -> ET.Element:
    """A testcase of one finding; ``file`` lets GitLab link the row's file."""
    case = ET.SubElement(suite, "testcase", classname=classname, name=_clean(_case_name(f)))
    if f.get("file"):
        case.set("file", _clean(f["file"]))
    return case


def render_junit(data: dict[str, Any]) -> str:
    fail_on = data["gate"]["fail_on"]
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for finding in data["findings"]:
        by_rule.setdefault(finding["rule"], []).append(finding)
    checks = {r["id"]: r for r in data["rules"]}

    suite = ET.Element("testsuite", name=_clean(f"factlint {data['project']}"))
    props = ET.SubElement(suite, "properties")
    for name in ("factlint_version", "generated", "fingerprint"):
        ET.SubElement(props, "property", name=name, value=_clean(data[name]))
    ET.SubElement(props, "property", name="fail_on", value=fail_on)
    tests = failures = skipped = 0
    for classname, group in _groups(data):
        found = by_rule.get(group, [])
        case = ET.SubElement(suite, "testcase", classname=classname, name=_clean(group))
        tests += 1
        quiet = [f for f in found if not f["waived"] and not _fails(f, fail_on)]
        out = []
        if group in checks:
            r = checks[group]
            out.append(
                f"{r['checks']} checks, {r['failed']} failed, {r['unverifiable']} unverifiable"
            )
        out += [f"{f['severity']}{' (baselined)' if f.get('baselined') else ''}: {_detail(f)}"
                for f in quiet]
        if out:
            ET.SubElement(case, "system-out").text = _clean("\n\n".join(out))
        for f in found:
            if f["waived"]:
                w = f["waiver"] or {}
                case = _case(suite, classname, f)
                ET.SubElement(
                    case, "skipped",
                    message=_clean(f"waived by {w.get('reviewer')} until {w.get('expires')}: "
                                   f"{w.get('reason')}"),
                )
                tests += 1
                skipped += 1
            elif _fails(f, fail_on):
                case = _case(suite, classname, f)
                failure = ET.SubElement(
                    case, "failure", message=_clean(f["message"]), type=f["code"]
                )
                failure.text = _clean(_detail(f))
                tests += 1
                failures += 1
    counts = {
        "tests": str(tests), "failures": str(failures), "errors": "0", "skipped": str(skipped),
    }
    suite.attrib.update(counts)
    suite.set("timestamp", data["generated"].removesuffix("Z"))
    root = ET.Element("testsuites", {"name": "factlint", **counts})
    root.append(suite)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
