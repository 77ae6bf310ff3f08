"""The Finding record: one problem found in a project, with everything needed to judge it."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Status(StrEnum):
    """What a finding says about its check."""

    DISCREPANCY = "discrepancy"  # the figures cannot agree
    INVALID = "invalid"  # a fact or input fails its schema or provenance
    UNVERIFIABLE = "unverifiable"  # the check could not be closed for lack of data
    RULE_ERROR = "rule_error"  # the rule itself is dead, crashed or cannot be evaluated
    WAIVER = "waiver"  # a waiver is expired or unused


@dataclass(frozen=True)
class Bounds:
    """An interval as shown in findings: [lo, hi] with open ends, in ``unit``."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False
    unit: str = ""

    def to_json(self) -> dict[str, Any]:
        def num(x: float) -> float | str | None:
            if math.isnan(x):
                return None
            if math.isinf(x):
                return "inf" if x > 0 else "-inf"
            return x

        return {
            "lo": num(self.lo),
            "hi": num(self.hi),
            "lo_open": self.lo_open,
            "hi_open": self.hi_open,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Waiver:
    rule: str
    facts: tuple[str, ...]
    reason: str
    reviewer: str
    expires: str
    file: str = "checks/waivers.yaml"
    line: int | None = None


@dataclass(frozen=True)
class Finding:
    code: str
    rule: str
    severity: Severity
    message: str
    facts: tuple[str, ...] = ()
    status: Status = Status.DISCREPANCY
    stated: Bounds | None = None
    computed: Bounds | None = None
    gap: float | None = None
    relative_gap: float | None = None
    file: str | None = None
    line: int | None = None
    column: str | None = None
    culprit: str | None = None
    waiver: Waiver | None = None
    details: tuple[tuple[str, str], ...] = field(default=())

    @property
    def waived(self) -> bool:
        return self.waiver is not None

    @property
    def fingerprint(self) -> str:
        """Identity that survives row reordering and unrelated edits: code, rule and facts."""
        key = "\x1f".join((self.code, self.rule, *sorted(self.facts)))
        if not self.facts:
            key += "\x1f" + self.message
        return hashlib.sha256(key.encode()).hexdigest()[:16]

    def with_waiver(self, waiver: Waiver) -> Finding:
        return replace(self, waiver=waiver)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            -self.severity.rank,
            self.code,
            self.rule,
            self.file or "",
            self.line or 0,
            self.facts,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.value,
            "status": self.status.value,
            "message": self.message,
            "facts": list(self.facts),
            "waived": self.waived,
            "waiver": None
            if self.waiver is None
            else {
                "reason": self.waiver.reason,
                "reviewer": self.waiver.reviewer,
                "expires": self.waiver.expires,
            },
            "stated": None if self.stated is None else self.stated.to_json(),
            "computed": None if self.computed is None else self.computed.to_json(),
            "gap": None if self.gap is None or math.isnan(self.gap) else self.gap,
            "relative_gap": None
            if self.relative_gap is None or math.isnan(self.relative_gap)
            else self.relative_gap,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "culprit": self.culprit,
            "fingerprint": self.fingerprint,
        }
