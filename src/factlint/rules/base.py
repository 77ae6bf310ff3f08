"""What every rule kind shares: selectors, the rule context and the outcome table.

A rule kind is a pure function ``check(ctx, params) -> RuleResult``. It reads
facts through :meth:`RuleContext.select`, computes vectorised intervals and
returns one outcome row per check it evaluated (passing ones included, so
the engine can tell a culprit from its innocent partners) plus, optionally,
derived facts that later rules can read. Only the engine turns outcomes into
findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from factlint.findings import Severity
from factlint.interval import Comparison, Interval
from factlint.registry import Registries

StrList = str | list[str]


class Params(BaseModel):
    """Base of every kind's parameter model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Selector(Params):
    """Which facts a rule reads; every given field must match (lists mean any of)."""

    id: StrList | None = Field(None, description="fact id(s)")
    source: StrList | None = Field(None, description="source id(s)")
    subject: StrList | None = Field(None, description="entity id(s)")
    metric: StrList | None = Field(None, description="metric id(s)")
    period: StrList | None = Field(None, description="period(s) as written")
    unit: StrList | None = Field(None, description="unit id(s)")
    qualifier: StrList | None = Field(None, description="qualifier(s)")
    member_of: str | None = Field(
        None, description="subjects that are (transitively) members of this entity"
    )
    subject_kind: StrList | None = Field(
        None, description="subjects of these entity kinds (zone, zone_area, sub_area, country ...)"
    )
    derived: bool | None = Field(
        None, description="true: only derived values; false: only stated facts; omitted: both"
    )


class Settings(Params):
    approx_tolerance: float = Field(
        0.05, ge=0, le=1, description="relative widening of approximate figures (about, around)"
    )


@dataclass(frozen=True)
class RuleSpec:
    id: str
    kind: str
    severity: Severity
    description: str
    params: Any
    file: str
    line: int | None = None


OUTCOME_COLUMNS = (
    "facts",
    "status",
    "stated_lo",
    "stated_hi",
    "stated_lo_open",
    "stated_hi_open",
    "computed_lo",
    "computed_hi",
    "computed_lo_open",
    "computed_hi_open",
    "unit",
    "gap",
    "relative_gap",
    "message",
)

Status = Literal["ok", "discrepancy", "unverifiable", "undefined"]


def _as_list(value: StrList | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


@dataclass
class RuleContext:
    facts: pd.DataFrame
    registries: Registries
    settings: Settings
    rule: RuleSpec
    derived_counter: list[int] = field(default_factory=lambda: [0])

    def select(self, selector: Selector | None, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """Rows of the normalised table (or ``frame``) that match the selector."""
        data = self.facts if frame is None else frame
        if selector is None:
            return data
        mask = np.ones(len(data), dtype=bool)
        for column in ("id", "source", "subject", "metric", "period", "unit", "qualifier"):
            values = _as_list(getattr(selector, column))
            if values is not None:
                mask &= data[column].isin(values).to_numpy()
        if selector.member_of is not None:
            members = set(self.registries.descendants(selector.member_of))
            mask &= data["subject"].isin(members).to_numpy()
        kinds = _as_list(selector.subject_kind)
        if kinds is not None:
            of_kind = {e.id for e in self.registries.entities.values() if e.kind in kinds}
            mask &= data["subject"].isin(of_kind).to_numpy()
        if selector.derived is not None:
            mask &= (data["derived"] == selector.derived).to_numpy()
        return data[mask]

    def factor(self, unit: str) -> float:
        return self.registries.units[unit].factor


@dataclass(frozen=True)
class RuleResult:
    outcomes: pd.DataFrame
    derived: pd.DataFrame | None = None


def empty_outcomes() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in OUTCOME_COLUMNS})


def outcomes(
    *,
    facts: Sequence[tuple[str, ...]],
    stated: Interval,
    computed: Interval,
    unit: Sequence[str] | str,
    comparison: Comparison,
    messages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Build the outcome table of a vectorised comparison ``stated`` vs ``computed``.

    Intervals are given in the display ``unit``; the status follows the comparison
    (undefined operands give ``undefined``).
    """
    n = len(facts)
    status = np.where(
        comparison.undefined, "undefined", np.where(comparison.consistent, "ok", "discrepancy")
    )
    frame = pd.DataFrame(
        {
            "facts": pd.Series(list(facts), dtype=object),
            "status": status,
            "stated_lo": stated.lo,
            "stated_hi": stated.hi,
            "stated_lo_open": stated.lo_open,
            "stated_hi_open": stated.hi_open,
            "computed_lo": computed.lo,
            "computed_hi": computed.hi,
            "computed_lo_open": computed.lo_open,
            "computed_hi_open": computed.hi_open,
            "unit": list(unit) if not isinstance(unit, str) else [unit] * n,
            "gap": comparison.gap,
            "relative_gap": comparison.relative_gap,
            "message": list(messages) if messages is not None else [""] * n,
        }
    )
    return frame


def unverifiable(facts: Sequence[tuple[str, ...]], messages: Sequence[str]) -> pd.DataFrame:
    """Outcome rows for checks that could not be closed for lack of data."""
    n = len(facts)
    nan = np.full(n, np.nan)
    no = np.zeros(n, dtype=bool)
    return pd.DataFrame(
        {
            "facts": pd.Series(list(facts), dtype=object),
            "status": ["unverifiable"] * n,
            "stated_lo": nan,
            "stated_hi": nan,
            "stated_lo_open": no,
            "stated_hi_open": no,
            "computed_lo": nan,
            "computed_hi": nan,
            "computed_lo_open": no,
            "computed_hi_open": no,
            "unit": [""] * n,
            "gap": nan,
            "relative_gap": nan,
            "message": list(messages),
        }
    )


def derived_facts(
    ctx: RuleContext,
    *,
    subject: Sequence[str],
    metric: Sequence[str],
    period: Sequence[str],
    start: Any,
    end: Any,
    unit: Sequence[str],
    interval: Interval,
    derived_from: Sequence[tuple[str, ...]],
    explanation: Sequence[str],
) -> pd.DataFrame:
    """Rows for values a rule derived (in ``unit``), shaped like the normalised table.

    Their ids are ``<rule id>#<n>``; their ``quote`` explains the derivation and
    ``derived_from`` names the stated facts behind them, so a finding on a derived
    value still points at real rows.
    """
    n = len(subject)
    first = ctx.derived_counter[0]
    ctx.derived_counter[0] += n
    factors = np.array([ctx.factor(u) for u in unit], dtype=float) if n else np.zeros(0)
    dims = [ctx.registries.units[u].dimension for u in unit]
    return pd.DataFrame(
        {
            "id": [f"{ctx.rule.id}#{first + i + 1}" for i in range(n)],
            "source": ["derived"] * n,
            "quote": list(explanation),
            "subject": list(subject),
            "metric": list(metric),
            "period": list(period),
            "value": [""] * n,
            "unit": list(unit),
            "qualifier": ["derived"] * n,
            "_file": [ctx.rule.file] * n,
            "_line": [ctx.rule.line or 0] * n,
            "dimension": dims,
            "factor": factors,
            "lo": interval.lo,
            "hi": interval.hi,
            "lo_open": interval.lo_open,
            "hi_open": interval.hi_open,
            "base_lo": interval.lo * factors,
            "base_hi": interval.hi * factors,
            "start": pd.to_datetime(pd.Series(start)).to_numpy() if n else np.array([], "M8[ns]"),
            "end": pd.to_datetime(pd.Series(end)).to_numpy() if n else np.array([], "M8[ns]"),
            "derived": [True] * n,
            "derived_from": pd.Series(list(derived_from), dtype=object),
        }
    )


def origin(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """For each row, the stated facts behind it: itself, or what it was derived from."""
    ids = frame["id"].tolist()
    derived = frame["derived"].tolist()
    sources = frame["derived_from"].tolist()
    return [tuple(src) if d else (i,) for i, d, src in zip(ids, derived, sources, strict=True)]


def show(iv: Interval, units: Sequence[str] | str) -> list[str]:
    """Each interval formatted for a message in its display unit ("19.13–19.60 percent")."""
    from factlint.interval import format_interval

    n = len(iv)
    unit_list = [units] * n if isinstance(units, str) else list(units)
    return [
        format_interval(iv.lo[i], iv.hi[i], bool(iv.lo_open[i]), bool(iv.hi_open[i]), unit_list[i])
        for i in range(n)
    ]


def in_unit(iv: Interval, factors: Any) -> Interval:
    """Convert base-unit intervals to a display unit (divide by the unit's factor)."""
    return iv.scale(1.0 / np.asarray(factors, dtype=float))
