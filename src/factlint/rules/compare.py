"""FL102 compare: ``a op b`` between selected facts, pair by pair."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from factlint.interval import Comparison, Interval
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
    CompareKey,
    CompareOp,
    Shown,
    as_key_list,
    compare_shown,
    dimension_note,
    no_duplicate_keys,
    pair_facts,
    paired_origins,
    status_of,
    undefine,
)
from factlint.rules.wording import computed_text, lies, number

# -- the kind --------------------------------------------------------------------


class CompareParams(Params):
    left: Selector = Field(description="the facts on the left of the operator")
    right: Selector = Field(description="the facts on the right of the operator")
    op: CompareOp = Field(
        description="`<`, `<=`, `>`, `>=`, or `==` (the two intervals can agree)"
    )
    match: tuple[CompareKey, ...] = Field(
        ("subject", "period"),
        description=(
            "keys a left and a right fact must share to be compared: subject, period "
            "(same first and last day), metric, source; [] compares every left fact with "
            "every right fact"
        ),
    )
    scale: float | None = Field(
        None, gt=0, description="multiply the right side by this factor first (e.g. 0.5 for half)"
    )

    @field_validator("match", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        return as_key_list(value)

    @field_validator("match")
    @classmethod
    def _unique(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        return no_duplicate_keys(keys)


@rule_kind("FL102", "compare", CompareParams)
def check(ctx: RuleContext, params: CompareParams) -> RuleResult:
    """A selected fact must stand in a relation (<, <=, >, >=, ==) to its matched partner.

    Why: documents state figures that constrain each other without being a part
    and its whole: exports cannot exceed total trade, a zone cannot open before it
    was approved, the second half of a year's figure is meant to be at least half
    of the year's. Each left fact is compared with every right fact that shares the
    `match` keys (default: subject and period), in base units, so "4.1 trillion
    yuan" and "4100 billion yuan" compare correctly; written precision and
    qualifiers make each side an interval, and only intervals that cannot satisfy
    the relation are reported. A left fact without a partner is reported as
    unverifiable. `match: []` compares every pair (at most 10,000 pairs, or ten per
    fact in a larger selection).

    Failing example:

        - id: exports-within-trade
          kind: compare
          left: {metric: exports}
          right: {metric: trade}
          op: "<="
        # facts: exports of zones in 2023 = 4.5 trillion yuan; trade = 4.1 trillion yuan
        # -> `exports-2023` (4.5 trillion yuan) is not at most `trade-2023`
        #    (4.1 trillion yuan): it lies above by at least 0.3 trillion yuan

    Passing example: the same rule with exports of 1.9 trillion yuan.
    """
    left = ctx.select(params.left)
    right = ctx.select(params.right)
    if not len(left):
        return RuleResult(outcomes=empty_outcomes())
    pairs = pair_facts(ctx, left, right, params.match)
    a, b = pairs.left, pairs.right
    frames = []
    if len(a):
        other = base_interval(b)
        if params.scale is not None:
            other = other.scale(params.scale)
        dims_differ = a["dimension"].to_numpy() != b["dimension"].to_numpy()
        other = undefine(other, dims_differ)
        factors = a["factor"].to_numpy(dtype=float)
        stated, computed, cmp = compare_shown(base_interval(a), other, params.op, factors)
        status = status_of(cmp)
        messages = [""] * len(a)
        shown_a, shown_b = Shown(a), Shown(b)
        for i in np.flatnonzero(status != "ok").tolist():
            messages[i] = _message(shown_a, shown_b, stated, computed, cmp, i, params)
        facts = paired_origins(a, b)
        frames.append(
            outcomes(
                facts=facts, stated=stated, computed=computed, unit=a["unit"].tolist(),
                comparison=cmp, messages=messages,
            )
        )
    lonely = pairs.lonely_left
    if len(lonely):
        keys = " and ".join(params.match)
        frames.append(
            unverifiable(
                origin(lonely),
                [
                    f"`{fact_id}` has no `right` fact sharing its {keys} to compare with"
                    for fact_id in lonely["id"]
                ],
            )
        )
    return RuleResult(outcomes=pd.concat(frames, ignore_index=True))


def _message(
    a: Shown,
    b: Shown,
    stated: Interval,
    computed: Interval,
    cmp: Comparison,
    i: int,
    params: CompareParams,
) -> str:
    a_id, b_id, unit = a.id[i], b.id[i], str(a.unit[i])
    if a.dimension[i] != b.dimension[i]:
        return dimension_note(a, i, f"`{b_id}`", str(b.dimension[i]))
    right = f"`{b_id}` ({b.written(i)})"
    if params.scale is not None:
        right = f"{number(params.scale)} × {right}, i.e. {computed_text(computed, i, unit)}"
    elif b.unit[i] != unit:
        right = f"`{b_id}` ({b.written(i)}, i.e. {computed_text(computed, i, unit)})"
    if cmp.undefined[i]:
        return f"`{a_id}` cannot be compared with {right}: a value is undefined"
    relation = "cannot equal" if params.op == "==" else f"is not {params.op}"
    return (
        f"`{a_id}` ({a.written(i)}) {relation} {right}: "
        f"{lies(stated, computed, i, params.op, float(cmp.gap[i]), unit)}"
    )
