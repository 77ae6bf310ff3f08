"""FL104 part_of: a part may not exceed its whole."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from factlint.errors import RuleSetError
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
    Pairs,
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
from factlint.rules.share import of_subjects
from factlint.rules.wording import (
    by_gap,
    computed_text,
)

PartKey = Literal["subject", "period", "member"]


class PartOfParams(Params):
    part: Selector = Field(description="the facts that are parts")
    whole: Selector = Field(description="the facts that are wholes")
    match: tuple[PartKey, ...] = Field(
        ("subject", "period"),
        description=(
            "keys a part and its whole share: subject, period; `member`: the part's subject "
            "is a (transitive) member of the whole's subject. `match: member` alone means "
            "[member, period]; write [member] to ignore periods"
        ),
    )
    period: Literal["same", "within"] = Field(
        "same",
        description=(
            "how periods match when `period` is a match key: `same` first and last day, or "
            "`within`: the part's period lies inside the whole's"
        ),
    )

    @field_validator("match", mode="before")
    @classmethod
    def _listed(cls, value: object) -> object:
        # "member" said alone keeps the period key: an area inside a zone, same date
        return ["member", "period"] if value == "member" else as_key_list(value)

    @field_validator("match")
    @classmethod
    def _unique(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        return no_duplicate_keys(keys)


@rule_kind("FL104", "part_of", PartOfParams)
def check(ctx: RuleContext, params: PartOfParams) -> RuleResult:
    """A part may not exceed its whole.

    Why: a part larger than its whole is always an error, however the figures are
    rounded: foreign investment in high-tech industries cannot exceed all foreign
    investment; the zones' trade cannot exceed the country's; a bonded area cannot
    be larger than the zone that contains it. Parts and wholes are compared in
    base units (4.1 trillion yuan vs 21.17 trillion yuan, 86.34 billion vs 2.2252
    trillion) as intervals, so rounding never fails the check. A part without a
    matching whole is reported as unverifiable.

    Failing example:

        - id: high-tech-within-all
          kind: part_of
          part: {metric: part_amount}
          whole: {metric: amount}
        # facts (same subject and period): part_amount 286.34 billion yuan,
        #        amount 222.52 billion yuan
        # -> `high-tech` (286.34 billion yuan) cannot exceed its whole `all`
        #    (222.52 billion yuan): it exceeds it by at least 63.81 billion yuan

    Passing example: the same facts with part_amount 86.34 billion yuan. For
    different subjects (the zones' trade within the country's) use
    `match: [period]`; for an area inside a zone, `match: member`.
    """
    parts = ctx.select(params.part)
    if not len(parts):
        return RuleResult(outcomes=empty_outcomes())
    pairs = _pairs(ctx, params, parts)
    a, b = pairs.left, pairs.right
    frames = []
    if len(a):
        dims_differ = a["dimension"].to_numpy() != b["dimension"].to_numpy()
        whole = undefine(base_interval(b), dims_differ)
        stated, computed, cmp = compare_shown(
            base_interval(a), whole, "<=", a["factor"].to_numpy(dtype=float)
        )
        status = status_of(cmp)
        messages = [""] * len(a)
        shown_a, shown_b = Shown(a), Shown(b)
        for i in np.flatnonzero(status != "ok").tolist():
            a_id, b_id, unit = shown_a.id[i], shown_b.id[i], str(shown_a.unit[i])
            if dims_differ[i]:
                messages[i] = dimension_note(
                    shown_a, i, f"`{b_id}`", str(shown_b.dimension[i])
                )
            elif cmp.undefined[i]:
                messages[i] = (
                    f"`{a_id}` cannot be compared with its whole `{b_id}`: a value is undefined"
                )
            else:
                whole_text = shown_b.written(i)
                if shown_b.unit[i] != unit:
                    whole_text += f", i.e. {computed_text(computed, i, unit)}"
                messages[i] = (
                    f"`{a_id}` ({shown_a.written(i)}) cannot exceed its whole `{b_id}` "
                    f"({whole_text}): it exceeds it {by_gap(float(cmp.gap[i]), unit)}"
                )
        frames.append(
            outcomes(
                facts=paired_origins(a, b),
                stated=stated, computed=computed, unit=a["unit"].tolist(),
                comparison=cmp, messages=messages,
            )
        )
    lonely = pairs.lonely_left
    if len(lonely):
        how = _how(params)
        frames.append(
            unverifiable(
                origin(lonely),
                [f"`{i}` has no whole among the `whole` facts {how}" for i in lonely["id"]],
            )
        )
    return RuleResult(outcomes=pd.concat(frames, ignore_index=True))


def _pairs(ctx: RuleContext, params: PartOfParams, parts: pd.DataFrame) -> Pairs:
    """The parts paired with their wholes.

    A part and its whole share their subject when ``subject`` is a match key: the
    wholes of other subjects are left in the table (most of a large table's wholes,
    when the parts are a few of them). The guard against too many pairs allows
    pairs in proportion to the facts, so it judges the whole selection once the
    narrowed one fails it.
    """
    narrowed = params.whole
    if "subject" in params.match:
        narrowed = of_subjects(params.whole, parts["subject"])
    if narrowed is not params.whole:
        try:
            return pair_facts(ctx, parts, ctx.select(narrowed), params.match, period=params.period)
        except RuleSetError:
            pass
    wholes = ctx.select(params.whole)
    return pair_facts(ctx, parts, wholes, params.match, period=params.period)


def _how(params: PartOfParams) -> str:
    said = []
    if "member" in params.match:
        said.append("whose subject contains its subject")
    if "subject" in params.match:
        said.append("with its subject")
    if "period" in params.match:
        within = params.period == "within"
        said.append("whose period contains its period" if within else "with its period")
    return " and ".join(said) if said else "at all"
