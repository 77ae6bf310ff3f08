"""FL106 members: stated counts and totals against the registered members of an entity."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, field_validator, model_validator

from factlint.errors import RuleSetError
from factlint.interval import Interval, compare
from factlint.normalise import base_interval
from factlint.period import PeriodError, parse_period
from factlint.rules import rule_kind
from factlint.rules.base import (
    KIND_COLUMNS,
    Params,
    RuleContext,
    RuleResult,
    Selector,
    StrList,
    empty_outcomes,
    in_unit,
    outcomes,
)
from factlint.rules.frames import Origins, ids_by_group
from factlint.rules.member_sums import check_sum
from factlint.rules.membership import (
    EXCLUDED,
    POSSIBLY,
    SURELY,
    Existence,
    Ids,
    day_numbers,
    existence,
    interval_words,
    kind_noun,
    member_pairs,
    usable,
    when_text,
    written_value,
)
from factlint.rules.pairing import undefine


class MembersParams(Params):
    mode: Literal["count", "sum"] = Field(
        description=(
            "`count`: a stated number of members; `sum`: a stated total of the members' values"
        )
    )
    select: Selector | None = Field(
        None,
        description=(
            "the stated counts (count) or totals (sum); their subject is the entity whose members "
            "are counted or summed. For `sum` optional when `at` and `of` are given"
        ),
    )
    of: StrList | None = Field(
        None,
        description="sum: entity id(s) whose members are summed at the `at` periods "
        "(default: the subjects of the selected totals)",
    )
    member_kinds: list[str] = Field(
        default=["zone"],
        description="entity kinds counted as members (for areas e.g. [zone, zone_area])",
    )
    transitive: bool = Field(
        True, description="true: members through `member_of` chains (a zone area of a zone of the "
        "set); false: direct members only",
    )
    established_by: list[str] = Field(
        default=[],
        description=(
            "event metrics (unit date) that set a member up, stated for the member or for a batch "
            "it belongs to, e.g. [approved_on, launched_on, opened_on]; empty: every registered "
            "member exists at every date"
        ),
    )
    approval_metric: str | None = Field(
        "approved_on",
        description=(
            "the event that comes first: when it is in `established_by` and falls after the date, "
            "the member did not exist yet (a later opening or launch proves nothing)"
        ),
    )
    batch_kinds: list[str] = Field(
        default=["zone_batch"],
        description=(
            "kinds of group whose events date each direct member (\"on Aug 26 the State "
            "Council approved six new zones\"); events of other groups (\"the zones, launched "
            "since 2013\") date no member"
        ),
    )
    member_metric: str | None = Field(
        None, description="sum: the metric summed over the members (default: the total's metric)"
    )
    each_metric: str | None = Field(
        None,
        description=(
            "sum: a metric stated for each member of a group (\"each of the six zones covers "
            "more than 119 km2\"), used for a direct member of that group that has no value of "
            "its own and surely existed when it was stated"
        ),
    )
    at: list[str] = Field(
        default=[],
        description="sum: periods at which to derive the total even where none is stated",
    )
    derive: bool | None = Field(
        None,
        description="sum: emit each bounded total as a derived fact for later rules (default true)",
    )

    @field_validator("member_kinds", "established_by", "batch_kinds", "at", mode="before")
    @classmethod
    def _as_lists(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("at")
    @classmethod
    def _periods(cls, periods: list[str]) -> list[str]:
        for text in periods:
            try:
                parse_period(text)
            except PeriodError as exc:
                raise ValueError(str(exc)) from None
        return periods

    @model_validator(mode="after")
    def _consistent(self) -> MembersParams:
        if not self.member_kinds:
            raise ValueError("`member_kinds` needs at least one entity kind")
        if self.mode == "count":
            if self.select is None:
                raise ValueError("mode `count` needs `select` (the stated counts)")
            sum_only = ("of", "member_metric", "each_metric", "at", "derive")
            given = [name for name in sum_only if name in self.model_fields_set]
            if given:
                raise ValueError(f"`{given[0]}` only applies to mode `sum`")
            return self
        if self.select is None and not self.at:
            raise ValueError("mode `sum` needs `select` (stated totals) or `at` (periods)")
        if self.select is None and self.of is None:
            raise ValueError("without `select`, mode `sum` needs `of` (and `member_metric`)")
        if self.of is not None and self.member_metric is None:
            raise ValueError("`of` needs `member_metric` (the metric summed over its members)")
        if self.of is not None and not self.at:
            raise ValueError("`of` names entities to derive at the `at` periods: give `at` too")
        if self.at and self.derive is False:
            raise ValueError("`at` derives totals: it cannot be combined with `derive: false`")
        return self

    @property
    def derives(self) -> bool:
        return self.mode == "sum" and self.derive is not False


@rule_kind("FL106", "members", MembersParams)
def check(ctx: RuleContext, params: MembersParams) -> RuleResult:
    """Stated counts and totals must agree with the registered members of an entity.

    Why: documents state how many zones there are ("bringing the total number
    of pilot FTZs to 18") and totals over parts ("118.04 km2, consisting of
    Pingtan 43, Xiamen 43.78 and Fuzhou 31.26"). The entity registry knows
    which zones and areas belong to which set, batch or zone; the fact base
    knows when each was approved or opened and how large it is. A count that
    does not match the members set up by its date, or a total that is not the
    sum of its parts, is a transcription error, a stale figure or a gap in the
    registry.

    Count mode: at the end D of the count's period a member surely exists when
    an event fact (`established_by`) of its own or of its batch is on or before
    D; it does not exist when its approval is after D; otherwise it possibly
    exists. The stated count must lie in [surely, surely + possibly].

    Sum mode: a member's value at D is its latest own fact of `member_metric`
    ending on or before D (facts of the same period intersected), else the
    `each_metric` bound stated for a group it belongs to; a member that only
    possibly exists contributes [0, value]. The stated total must agree with the
    sum. A member with no value leaves the sum open above: the check is then
    unverifiable (unless the stated total is already below the known part). Each
    bounded sum is derived as a fact of the entity (also at the `at` periods),
    so a later `share` rule can compare, say, the area of all zones with "less
    than 0.4% of the land area".

    Failing example:

        - id: zone-count-vs-registry
          kind: members
          mode: count
          select: {metric: zone_count}
          established_by: [approved_on, opened_on]
        # facts: zones zone_count 2019-08-26: 3; batch-a approved_on 2015-04-01;
        #        z3 approved_on 2020-08-01
        # -> `n` states 3 zones on 2019-08-26; the registry has 2 zones of `zones` surely
        #    set up by then and 1 approved only later (2): 1 more than the registry allows

    Passing example:

        - id: fujian-area-is-the-sum-of-its-areas
          kind: members
          mode: sum
          select: {subject: ftz-fujian, metric: area}
          member_kinds: [zone_subarea]
        # facts: ftz-fujian area 118.04 km2; Pingtan 43, Xiamen 43.78, Fuzhou 31.26
        # -> the members sum to 117.53–118.55 km2: consistent (43 is written
        #    without decimals, so it stands for 42.5–43.5)
    """
    _check_names(ctx, params)
    if params.mode == "count":
        return RuleResult(outcomes=_count(ctx, params))
    return check_sum(ctx, params)


def _where(ctx: RuleContext, key: str) -> str:
    return f"rules[{ctx.rule.id}].{key}"


def _check_names(ctx: RuleContext, params: MembersParams) -> None:
    """Registry names the loader cannot check (they are not selectors)."""
    reg = ctx.registries
    metrics = {
        "established_by": params.established_by,
        "member_metric": [params.member_metric] if params.member_metric else [],
        "each_metric": [params.each_metric] if params.each_metric else [],
    }
    for key, names in metrics.items():
        for name in names:
            if name not in reg.metrics:
                raise RuleSetError(ctx.rule.file, _where(ctx, key), f"unknown metric `{name}`")
    for name in [params.of] if isinstance(params.of, str) else params.of or []:
        if name not in reg.entities:
            raise RuleSetError(ctx.rule.file, _where(ctx, "of"), f"unknown entity `{name}`")
    # the entities are scanned only until every kind is seen (a registry holds thousands)
    unseen = set(params.member_kinds)
    for entity in reg.entities.values():
        if not unseen:
            break
        unseen.discard(entity.kind)
    for kind in params.member_kinds:
        if kind in unseen:
            raise RuleSetError(
                ctx.rule.file, _where(ctx, "member_kinds"), f"no entity has the kind `{kind}`"
            )


# -- count mode -----------------------------------------------------------------------


def _count(ctx: RuleContext, params: MembersParams) -> pd.DataFrame:
    counts = usable(ctx.select(params.select, columns=KIND_COLUMNS))
    if not len(counts):
        return empty_outcomes()
    n = len(counts)
    key, member = member_pairs(ctx, params, counts["subject"])
    exist = existence(ctx, params, member, day_numbers(counts["end"])[key])
    state = exist.state
    surely = np.bincount(key[state == SURELY], minlength=n).astype(float)
    possibly = np.bincount(key[state == POSSIBLY], minlength=n).astype(float)
    excluded = np.bincount(key[state == EXCLUDED], minlength=n)
    members = np.bincount(key, minlength=n)
    factor = counts["factor"].to_numpy(dtype=float)
    stated = in_unit(base_interval(counts), factor)
    computed = in_unit(Interval.closed(surely, surely + possibly), factor)
    not_count = (counts["dimension"] != "count").to_numpy()
    computed = undefine(computed, not_count)
    cmp = compare(stated, computed, "==")
    too_many = stated.lo > computed.hi
    too_few = stated.hi < computed.lo
    out = outcomes(
        facts=_count_facts(counts, exist, key, too_many, too_few), stated=stated,
        computed=computed, unit=counts["unit"].astype(str).tolist(), comparison=cmp,
    )
    status = out["status"].to_numpy(dtype=object)
    status[members == 0] = "unverifiable"
    out["status"] = status
    for column in ("computed_lo", "computed_hi"):
        out.loc[members == 0, column] = np.nan
    tallies = np.stack([surely, possibly, excluded, members], axis=1).astype(int)
    messages = out["message"].to_numpy(dtype=object)
    for i in np.flatnonzero(status != "ok").tolist():
        case = str(status[i])
        if case == "discrepancy":
            case = "above" if too_many[i] else "below"
        messages[i] = _count_message(
            params, counts.iloc[i], tuple(tallies[i].tolist()), computed, float(cmp.gap[i]), i, case
        )
    out["message"] = messages
    return out


def _count_facts(
    counts: pd.DataFrame,
    exist: Existence,
    key: npt.NDArray[np.intp],
    too_many: npt.NDArray[np.bool_],
    too_few: npt.NDArray[np.bool_],
) -> list[Ids]:
    """Per count, the facts its verdict rests on, each once: the count itself, then the
    events of the members surely set up by then (unless there are too many) and of those
    approved only later (unless there are too few)."""
    n = len(counts)
    own, own_ids = Origins.of(counts).of_rows(np.arange(n))
    at = key[exist.pair]  # the count each event hit dates
    sure, sure_ids = exist.evidence(exist.sure & ~too_many[at], key)
    later, later_ids = exist.evidence(exist.excluded & (too_many | ~too_few)[at], key)
    return ids_by_group(
        np.concatenate([own, sure, later]), np.concatenate([own_ids, sure_ids, later_ids]), n
    )


def _count_message(
    params: MembersParams,
    row: pd.Series,
    tally: tuple[int, ...],
    computed: Interval,
    gap: float,
    i: int,
    case: str,
) -> str:
    """Why a count fails: ``case`` is above, below, unverifiable or undefined."""
    surely, possibly, excluded, members = tally
    noun = kind_noun(params.member_kinds)
    one = str(row["value"]) == "1" and row["qualifier"] == "exact"
    what = kind_noun(params.member_kinds, one)
    head = f"`{row['id']}` states {written_value(row)} {what} {when_text(row)}"
    entity = f"`{row['subject']}`"
    if case == "unverifiable":
        return f"{head}; the registry lists no {noun} as members of {entity}: cannot be checked"
    if case == "undefined":
        return f"{head}; it is in {row['unit']}, not a count, so it cannot be compared with members"
    unit = str(row["unit"])
    if params.established_by:
        body = f"the registry has {surely} {noun} of {entity} surely set up by then"
        extra = []
        if possibly:
            extra.append(f"{possibly} more of unknown date")
        if excluded:
            extra.append(f"{excluded} approved only later")
        if extra:
            body += (", " if len(extra) > 1 else " and ") + " and ".join(extra)
    else:
        body = f"the registry lists {members} {noun} as members of {entity}"
    gap_text = interval_words(Interval.point(gap), 0, unit)
    if case == "above":
        verdict = f"{gap_text} more than the registry allows"
    else:
        verdict = f"{gap_text} fewer than are surely set up by then"
        if not params.established_by:
            verdict = f"{gap_text} fewer than the registry holds"
    return f"{head}; {body} ({interval_words(computed, i, unit)}): {verdict}"
