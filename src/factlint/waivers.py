"""Waivers: a reviewed, known discrepancy kept visible but out of the gate.

A waiver names a rule and the exact set of facts of the finding it waives,
with a reason, a reviewer and an expiry date. A waived finding stays in every
output, marked waived. An expired waiver waives nothing and is itself an
error; a waiver that matches no finding is a warning (it has gone stale).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from factlint.errors import RuleSetError
from factlint.findings import Finding, Severity, Status, Waiver
from factlint.yamlio import check_plain_values, load_yaml

WAIVERS_FILE = "checks/waivers.yaml"


class _WaiverModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str
    facts: list[str] = Field(min_length=1)
    reason: str = Field(min_length=10)
    reviewer: str = Field(min_length=1)
    expires: dt.date

    @field_validator("reason", "reviewer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


def load_waivers(root: Path, rule_ids: set[str]) -> list[Waiver]:
    path = root / WAIVERS_FILE
    if not path.is_file():
        return []
    data = load_yaml(path, display=WAIVERS_FILE)
    if data is None:
        return []
    if not isinstance(data, dict) or set(data) != {"waivers"}:
        raise RuleSetError(WAIVERS_FILE, None, "expected a mapping with the single key `waivers`")
    items = data["waivers"] or []
    if not isinstance(items, list):
        raise RuleSetError(WAIVERS_FILE, "waivers", "expected a list")
    waivers: list[Waiver] = []
    for index, item in enumerate(items):
        try:
            model = _WaiverModel.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise RuleSetError(
                WAIVERS_FILE, f"waivers[{index}].{loc}", err["msg"].lower()
            ) from None
        check_plain_values(item, model, WAIVERS_FILE, f"waivers[{index}]")
        if model.rule not in rule_ids and model.rule not in ("schema", "provenance"):
            raise RuleSetError(
                WAIVERS_FILE, f"waivers[{index}].rule", f"unknown rule `{model.rule}`"
            )
        waivers.append(
            Waiver(
                rule=model.rule,
                facts=tuple(sorted(model.facts)),
                reason=model.reason,
                reviewer=model.reviewer,
                expires=model.expires.isoformat(),
            )
        )
    return waivers


def apply_waivers(findings: list[Finding], waivers: list[Waiver], today: dt.date) -> list[Finding]:
    """Mark waived findings; add findings for expired and unused waivers."""
    by_key = {(w.rule, w.facts): w for w in waivers}
    used: set[tuple[str, tuple[str, ...]]] = set()
    out: list[Finding] = []
    for finding in findings:
        key = (finding.rule, tuple(sorted(finding.facts)))
        waiver = by_key.get(key)
        if waiver is not None:
            used.add(key)
            if dt.date.fromisoformat(waiver.expires) >= today:
                finding = finding.with_waiver(waiver)
        out.append(finding)
    for waiver in waivers:
        key = (waiver.rule, waiver.facts)
        facts_list = ", ".join(f"`{f}`" for f in waiver.facts)
        if dt.date.fromisoformat(waiver.expires) < today:
            out.append(
                Finding(
                    code="FL061",
                    rule="waivers",
                    severity=Severity.ERROR,
                    status=Status.WAIVER,
                    message=(
                        f"the waiver of rule `{waiver.rule}` for {facts_list} expired on "
                        f"{waiver.expires}; review it again or remove it"
                    ),
                    facts=waiver.facts,
                    file=WAIVERS_FILE,
                )
            )
        elif key not in used:
            out.append(
                Finding(
                    code="FL062",
                    rule="waivers",
                    severity=Severity.WARNING,
                    status=Status.WAIVER,
                    message=(
                        f"the waiver of rule `{waiver.rule}` for {facts_list} matches no finding; "
                        "the discrepancy is gone or its facts changed, so remove or update it"
                    ),
                    facts=waiver.facts,
                    file=WAIVERS_FILE,
                )
            )
    return out
