"""FL101 bound: a fact against a constant bound or against the bound other facts state."""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from factlint.interval import Interval, written
from factlint.normalise import base_interval
from factlint.rules import rule_kind
from factlint.rules.base import (
    Params,
    RuleContext,
    RuleResult,
    Selector,
    empty_outcomes,
    origin,
    outcomes,
    unverifiable,
)
from factlint.rules.pairing import (
    CompareOp,
    Pairs,
    Shown,
    as_key_list,
    compare_shown,
    dimension_note,
    no_duplicate_keys,
    pair_facts,
    status_of,
    undefine,
)
from factlint.rules.wording import (
    computed_text,
    lies,
    with_unit,
)

BoundKey = Literal["subject", "period", "metric", "member"]
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class BoundParams(Params):
    select: Selector = Field(description="the facts to bound")
    op: CompareOp = Field(
        description=(
            "`<`, `<=`, `>`, `>=`, or `==`: the fact lies within the bound "
            "(its interval can agree with the bound's)"
        )
    )
    value: float | str | None = Field(
        None,
        description=(
            "a constant bound, exact, in `unit` (an ISO date such as 2020-06-30 when the "
            "unit is `date`); give either value + unit or against"
        ),
    )
    unit: str | None = Field(None, description="the unit id of `value` (from the unit registry)")
    against: Selector | None = Field(
        None, description="facts whose written intervals are the bound (instead of value + unit)"
    )
    match: tuple[BoundKey, ...] = Field(
        ("subject",),
        description=(
            "with `against`: keys a fact and its bound share: subject, period, metric; or "
            "`member`: the fact's subject is a (transitive) member of the bound's subject "
            "(\"each of the six zones covers less than 120 km2\")"
        ),
    )

    @field_validator("match", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return as_key_list(value)

    @field_validator("match")
    @classmethod
    def _unique(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        return no_duplicate_keys(keys)

    @model_validator(mode="after")
    def _one_bound(self) -> BoundParams:
        constant = self.value is not None or self.unit is not None
        if constant == (self.against is not None):
            raise ValueError("give exactly one bound: `value` with `unit`, or `against`")
        if constant and (self.value is None or self.unit is None):
            raise ValueError("a constant bound needs both `value` and `unit`")
        if constant and "match" in self.model_fields_set:
            raise ValueError("`match` only applies to a bound given by `against`")
        if isinstance(self.value, str) and (
            self.unit != "date" or not _ISO_DATE.fullmatch(self.value)
        ):
            raise ValueError("`value` must be a number (or an ISO date when `unit` is `date`)")
        return self


@rule_kind("FL101", "bound", BoundParams)
def check(ctx: RuleContext, params: BoundParams) -> RuleResult:
    """A fact must respect a bound: a constant, or the bound another fact states.

    Why: documents bound figures in words ("covers less than 0.4% of the land
    area", "each of the six zones covers more than 119 and less than 120 square
    kilometres"), and other documents state the bounded figures themselves. A
    figure outside its bound is a transcription or reporting error. Each fact is
    an interval (written precision and qualifier), compared in base units with
    the constant (converted from its unit) or with each bound fact that matches
    it; with `op: "=="` the fact must lie within the bound (the intervals can
    agree). With `against`, a fact that no bound matches, and a bound that
    bounds no fact, are reported as unverifiable.

    Failing example:

        - id: zone-areas-within-batch-bound
          kind: bound
          select: {metric: area}
          against: {metric: member_area}
          match: member
          op: "=="
        # facts: batch-2019 member_area more than 119 km2 and less than 120 km2;
        #        zone z1 (a member of batch-2019) area 121.3 km2
        # -> `z1-area` (121.3 km2) is not within the bound `each-under-120`
        #    (less than 120 km2): it lies above by at least 1.25 km2

    Passing example: the same rule with z1's area 119.96 km2 (within both bounds).
    A constant: `select: {metric: area_share}`, `op: "<"`, `value: 0.4`,
    `unit: percent` passes "0.38%" and fails "0.41%".
    """
    facts = ctx.select(params.select).reset_index(drop=True)
    if not len(facts):
        return RuleResult(outcomes=empty_outcomes())
    if params.against is None:
        return RuleResult(outcomes=_against_constant(ctx, facts, params))
    bounds = ctx.select(params.against)
    return RuleResult(outcomes=_against_facts(ctx, facts, bounds, params))


def _constant(ctx: RuleContext, params: BoundParams) -> tuple[Interval, str]:
    """The constant bound in base units, and its dimension."""
    spec = ctx.registries.units[str(params.unit)]  # known: the loader checked it
    if isinstance(params.value, str):
        bound = written([params.value], ["exact"], discrete=True, date=True)
    else:
        bound = Interval.point(float(params.value or 0.0))
    return bound.scale(spec.factor), spec.dimension


def _against_constant(ctx: RuleContext, facts: pd.DataFrame, params: BoundParams) -> pd.DataFrame:
    bound_base, dimension = _constant(ctx, params)
    n = len(facts)
    bound = Interval(
        np.repeat(bound_base.lo, n), np.repeat(bound_base.hi, n),
        np.repeat(bound_base.lo_open, n), np.repeat(bound_base.hi_open, n),
    )
    dims_differ = facts["dimension"].to_numpy() != dimension
    bound = undefine(bound, dims_differ)
    stated, computed, cmp = compare_shown(
        base_interval(facts), bound, params.op, facts["factor"].to_numpy(dtype=float)
    )
    status = status_of(cmp)
    shown_bound = with_unit(_plain(params.value), str(params.unit))
    messages = [""] * n
    shown = Shown(facts)
    for i in np.flatnonzero(status != "ok").tolist():
        if dims_differ[i]:
            messages[i] = dimension_note(shown, i, f"the bound {shown_bound}", dimension)
        elif cmp.undefined[i]:
            messages[i] = f"`{shown.id[i]}` has an undefined value and cannot be bounded"
        else:
            messages[i] = (
                f"`{shown.id[i]}` ({shown.written(i)}) is not {params.op} {shown_bound} "
                f"(the rule's bound): "
                f"{lies(stated, computed, i, params.op, float(cmp.gap[i]), str(shown.unit[i]))}"
            )
    return outcomes(
        facts=origin(facts), stated=stated, computed=computed, unit=facts["unit"].tolist(),
        comparison=cmp, messages=messages,
    )


def _plain(value: float | str | None) -> str:
    """The constant as the rule writes it ("0.4", "22", "2020-06-30")."""
    if isinstance(value, str) or value is None:
        return str(value)
    return str(int(value)) if float(value).is_integer() else repr(value)


def _against_facts(
    ctx: RuleContext, facts: pd.DataFrame, bounds: pd.DataFrame, params: BoundParams
) -> pd.DataFrame:
    pairs: Pairs = pair_facts(ctx, facts, bounds, params.match)
    a, b = pairs.left, pairs.right
    frames = []
    if len(a):
        dims_differ = a["dimension"].to_numpy() != b["dimension"].to_numpy()
        bound = undefine(base_interval(b), dims_differ)
        stated, computed, cmp = compare_shown(
            base_interval(a), bound, params.op, a["factor"].to_numpy(dtype=float)
        )
        status = status_of(cmp)
        messages = [""] * len(a)
        word = "within" if params.op == "==" else params.op
        shown_a, shown_b = Shown(a), Shown(b)
        for i in np.flatnonzero(status != "ok").tolist():
            a_id, b_id, unit = shown_a.id[i], shown_b.id[i], str(shown_a.unit[i])
            if dims_differ[i]:
                messages[i] = dimension_note(
                    shown_a, i, f"`{b_id}`", str(shown_b.dimension[i])
                )
            elif cmp.undefined[i]:
                messages[i] = f"`{a_id}` cannot be bounded by `{b_id}`: a value is undefined"
            else:
                bound_text = shown_b.written(i)
                if shown_b.unit[i] != unit:
                    bound_text += f", i.e. {computed_text(computed, i, unit)}"
                messages[i] = (
                    f"`{a_id}` ({shown_a.written(i)}) is not {word} the bound `{b_id}` "
                    f"({bound_text}): "
                    f"{lies(stated, computed, i, params.op, float(cmp.gap[i]), unit)}"
                )
        facts_of = [x + y for x, y in zip(origin(a), origin(b), strict=True)]
        frames.append(
            outcomes(
                facts=facts_of, stated=stated, computed=computed, unit=a["unit"].tolist(),
                comparison=cmp, messages=messages,
            )
        )
    keys = " and ".join(params.match)
    how = "whose subject it is a member of" if "member" in params.match else f"sharing its {keys}"
    if len(pairs.lonely_left):
        frames.append(
            unverifiable(
                origin(pairs.lonely_left),
                [f"`{i}` has no bound among the `against` facts {how}"
                 for i in pairs.lonely_left["id"]],
            )
        )
    if len(pairs.lonely_right):
        whom = "no selected fact's subject is a member of its subject" if "member" in params.match \
            else f"no selected fact shares its {keys}"
        frames.append(
            unverifiable(
                origin(pairs.lonely_right),
                [f"the bound `{i}` bounds nothing: {whom}" for i in pairs.lonely_right["id"]],
            )
        )
    return pd.concat(frames, ignore_index=True)
