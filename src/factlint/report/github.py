"""GitHub Actions workflow commands: one annotation per unwaived finding.

``::error file=facts/x.csv,line=12,title=FL103 rule-id::message`` puts the
message on the fact's row in the pull request's diff. Severities map to
``error``, ``warning`` and ``notice``; a baselined finding is a notice (it is
known and out of the gate); waived findings are not annotated. Values are
escaped as the runner expects: in the message ``%``, CR and LF; in
properties also ``:`` and ``,``.
"""

from __future__ import annotations

from typing import Any

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: dict[str, Any]) -> str:
    level = "notice" if finding.get("baselined") else _LEVEL[finding["severity"]]
    props: list[str] = []
    if finding.get("file"):
        props.append(f"file={escape_property(str(finding['file']))}")
        if finding.get("line"):
            props.append(f"line={int(finding['line'])}")
    title = f"{finding['code']} {finding['rule']}"
    if finding.get("baselined"):
        title += " (baselined)"
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(str(finding['message']))}"


def render_github(data: dict[str, Any]) -> str:
    lines = [annotation(f) for f in data["findings"] if not f["waived"]]
    gate, s = data["gate"], data["summary"]
    verdict = "PASS" if gate["passed"] else "FAIL"
    summary = (
        f"factlint {verdict} (--fail-on {gate['fail_on']}): {s['error']} error(s), "
        f"{s['warning']} warning(s), {s['info']} info, {s['waived']} waived"
    )
    level = "notice" if gate["passed"] else "error"
    lines.append(f"::{level} title={escape_property('factlint gate')}::{escape_data(summary)}")
    return "\n".join(lines) + "\n"
