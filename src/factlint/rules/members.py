"""FL106 members: stated counts and totals against the registered members of an entity."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, field_validator, model_validator

from factlint.errors import RuleSetError
from factlint.interval import Interval, compare, format_interval
from factlint.normalise import base_interval
from factlint.period import PeriodError, parse_period
from factlint.rules import rule_kind
from factlint.rules.base import (
    Params,
    RuleContext,
    RuleResult,
    Selector,
    StrList,
    derived_facts,
    empty_outcomes,
    in_unit,
    origin,
    outcomes,
    unverifiable,
)
from factlint.rules.wording import QUALIFIER_WORDS

Ids = tuple[str, ...]
SURELY, POSSIBLY, EXCLUDED = "surely", "possibly", "excluded"
SHOWN_MEMBERS = 8


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
    return _sum(ctx, params)


# -- shared ---------------------------------------------------------------------------


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
    kinds = {e.kind for e in reg.entities.values()}
    for kind in params.member_kinds:
        if kind not in kinds:
            raise RuleSetError(
                ctx.rule.file, _where(ctx, "member_kinds"), f"no entity has the kind `{kind}`"
            )


def _usable(frame: pd.DataFrame) -> pd.DataFrame:
    iv = base_interval(frame)
    keep = ~iv.undefined & frame["end"].notna().to_numpy()
    return frame[keep].reset_index(drop=True)


def _day(ends: pd.Series) -> npt.NDArray[np.float64]:
    """Day numbers (days since 1970-01-01) of period ends, as the date unit stores them."""
    days = ends.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    return np.asarray(days, dtype=np.float64)


def _members(ctx: RuleContext, params: MembersParams, entities: Iterable[str]) -> pd.DataFrame:
    """Registered members (of the member kinds) of each entity: columns entity, member."""
    reg = ctx.registries
    rows: list[tuple[str, str]] = []
    for entity in sorted(set(entities)):
        if params.transitive:
            found = reg.descendants(entity, kinds=params.member_kinds)
        else:
            found = reg.members(entity, kinds=params.member_kinds)
        rows += [(entity, m) for m in found]
    return pd.DataFrame(rows, columns=["entity", "member"], dtype=object)


def _flatten(groups: Iterable[Ids]) -> Ids:
    return tuple(dict.fromkeys(i for ids in groups for i in ids))


def _ids_by(frame: pd.DataFrame, key: str, column: str, n: int) -> list[Ids]:
    """Per key 0..n-1, the ids collected in ``column`` (tuples) of its rows, in row order.

    One pass over the rows: a pandas group-by with a Python aggregation would
    cost a call per key.
    """
    collected: list[list[str]] = [[] for _ in range(n)]
    for k, ids in zip(frame[key].tolist(), frame[column].tolist(), strict=True):
        collected[int(k)].extend(ids)
    return [tuple(dict.fromkeys(ids)) for ids in collected]


def _existence(ctx: RuleContext, params: MembersParams, pairs: pd.DataFrame) -> pd.DataFrame:
    """State of each (member, day) pair: surely, possibly or excluded, with the evidence.

    ``pairs`` has columns member and day; the result adds state, sure_ids, excluded_ids.
    """
    n = len(pairs)
    result = pairs.reset_index(drop=True).assign(pair=np.arange(n))
    state = np.full(n, SURELY, dtype=object)
    sure_ids: list[Ids] = [()] * n
    excluded_ids: list[Ids] = [()] * n
    if params.established_by and n:
        hits = result.merge(_carriers(ctx, params, result["member"]), on="member").merge(
            _events(ctx, params), left_on="carrier", right_on="subject"
        )
        day = hits["day"].to_numpy(dtype=float)
        lo, hi = hits["lo"].to_numpy(dtype=float), hits["hi"].to_numpy(dtype=float)
        sure = hi <= day
        approval = hits["metric"].to_numpy(dtype=object) == "approval"
        later = (lo > day) | ((lo == day) & hits["lo_open"].to_numpy(dtype=bool))
        excluded = ~sure & approval & later
        pair = hits["pair"].to_numpy(dtype=np.int64)
        any_sure = np.bincount(pair[sure], minlength=n) > 0
        any_excluded = np.bincount(pair[excluded], minlength=n) > 0
        state = np.where(any_sure, SURELY, np.where(any_excluded, EXCLUDED, POSSIBLY))
        state = state.astype(object)
        sure_ids = _ids_by(hits[sure], "pair", "origin", n)
        excluded_ids = _ids_by(hits[excluded], "pair", "origin", n)
    result["state"] = state
    result["sure_ids"] = pd.Series(sure_ids, dtype=object)
    result["excluded_ids"] = pd.Series(excluded_ids, dtype=object)
    return result


def _carriers(ctx: RuleContext, params: MembersParams, members: pd.Series) -> pd.DataFrame:
    """Whose events date a member: itself and the batches it names directly in member_of."""
    reg = ctx.registries
    batch = set(params.batch_kinds)
    rows: list[tuple[str, str]] = []
    for member in members.unique().tolist():
        rows.append((member, member))
        for group in reg.entities[member].member_of:
            if reg.entities[group].kind in batch:
                rows.append((member, group))
    return pd.DataFrame(rows, columns=["member", "carrier"], dtype=object)


def _events(ctx: RuleContext, params: MembersParams) -> pd.DataFrame:
    facts = ctx.facts
    events = _usable(
        facts[facts["metric"].isin(params.established_by) & (facts["dimension"] == "date")]
    )
    events = events.assign(origin=pd.Series(origin(events), dtype=object))
    approval = params.approval_metric if params.approval_metric in params.established_by else None
    events["metric"] = np.where(events["metric"] == approval, "approval", "")
    return events[["subject", "metric", "lo", "hi", "lo_open", "origin"]]


def _noun(kinds: Sequence[str], one: bool = False) -> str:
    return " and ".join(k.replace("_", " ") + ("" if one else "s") for k in kinds)


def _when(row: pd.Series) -> str:
    single_day = row["start"] == row["end"]
    return f"{'on' if single_day else 'for'} {row['period']}"


def _text(iv: Interval, k: int, unit: str) -> str:
    lo, hi, lo_open, hi_open = iv[k]
    return format_interval(lo, hi, lo_open, hi_open, "" if unit == "count" else unit)


def _written(row: pd.Series) -> str:
    """A stated fact's value as written ("more than 119 km2"); a derived value's interval."""
    text = str(_stated_texts(row.to_frame().T).iloc[0])
    if text:
        return text
    iv = Interval(row["lo"], row["hi"], row["lo_open"], row["hi_open"])
    return _text(iv, 0, str(row["unit"]))


def _stated_texts(frame: pd.DataFrame) -> pd.Series:
    """Each stated fact's value as written ("43 km2", "more than 119 km2"); "" for derived rows."""
    unit = frame["unit"].astype(str)
    bare = unit.isin(["count", "date"])
    suffix = np.where(unit == "percent", "%", np.where(bare, "", " " + unit))
    words = frame["qualifier"].astype(str).map(QUALIFIER_WORDS).fillna("")
    text = words + frame["value"].astype(str) + suffix
    written = ~frame["derived"].astype(bool) & (frame["value"].astype(str).str.strip() != "")
    return text.where(written, "")


def _ids_text(ids: Sequence[str]) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:SHOWN_MEMBERS])
    more = len(ids) - SHOWN_MEMBERS
    return f"{shown} and {more} more" if more > 0 else shown


# -- count mode -----------------------------------------------------------------------


def _count(ctx: RuleContext, params: MembersParams) -> pd.DataFrame:
    counts = _usable(ctx.select(params.select))
    if not len(counts):
        return empty_outcomes()
    n = len(counts)
    keyed = pd.DataFrame(
        {"key": np.arange(n), "entity": counts["subject"], "day": _day(counts["end"])}
    )
    pairs = keyed.merge(_members(ctx, params, counts["subject"]), on="entity")
    exist = _existence(ctx, params, pairs)
    key = exist["key"].to_numpy(dtype=np.int64)
    state = exist["state"].to_numpy(dtype=object)
    surely = np.bincount(key[state == SURELY], minlength=n).astype(float)
    possibly = np.bincount(key[state == POSSIBLY], minlength=n).astype(float)
    excluded = np.bincount(key[state == EXCLUDED], minlength=n)
    members = np.bincount(key, minlength=n)
    factor = counts["factor"].to_numpy(dtype=float)
    stated = in_unit(base_interval(counts), factor)
    computed = in_unit(Interval.closed(surely, surely + possibly), factor)
    not_count = (counts["dimension"] != "count").to_numpy()
    computed = _undefine(computed, not_count)
    cmp = compare(stated, computed, "==")
    sure_ids = _ids_by(exist, "key", "sure_ids", n)
    excluded_ids = _ids_by(exist, "key", "excluded_ids", n)
    own = origin(counts)
    too_many = stated.lo > computed.hi
    too_few = stated.hi < computed.lo
    facts = [
        own[i]
        + (excluded_ids[i] if too_many[i] else sure_ids[i] if too_few[i] else
           _flatten([sure_ids[i], excluded_ids[i]]))
        for i in range(n)
    ]
    out = outcomes(
        facts=[tuple(dict.fromkeys(f)) for f in facts], stated=stated, computed=computed,
        unit=counts["unit"].astype(str).tolist(), comparison=cmp,
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


def _undefine(iv: Interval, mask: npt.NDArray[np.bool_]) -> Interval:
    return Interval(
        np.where(mask, np.nan, iv.lo), np.where(mask, np.nan, iv.hi), iv.lo_open, iv.hi_open
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
    noun = _noun(params.member_kinds)
    one = str(row["value"]) == "1" and row["qualifier"] == "exact"
    head = f"`{row['id']}` states {_written(row)} {_noun(params.member_kinds, one)} {_when(row)}"
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
    gap_text = _text(Interval.point(gap), 0, unit)
    if case == "above":
        verdict = f"{gap_text} more than the registry allows"
    else:
        verdict = f"{gap_text} fewer than are surely set up by then"
        if not params.established_by:
            verdict = f"{gap_text} fewer than the registry holds"
    return f"{head}; {body} ({_text(computed, i, unit)}): {verdict}"


# -- sum mode -------------------------------------------------------------------------


def _targets(ctx: RuleContext, params: MembersParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stated totals, and every (entity, metric, period) whose members are summed.

    Target columns: key, entity, metric (summed), period, start, end, day, total
    (row of the stated total, -1 for an `at` period).
    """
    totals = ctx.facts.iloc[0:0] if params.select is None else ctx.select(params.select)
    totals = _usable(totals)
    rows = pd.DataFrame(
        {
            "entity": totals["subject"],
            "metric": totals["metric"] if params.member_metric is None else params.member_metric,
            "period": totals["period"],
            "start": totals["start"],
            "end": totals["end"],
            "total": np.arange(len(totals)),
        }
    )
    if params.at:
        if params.of is not None:
            names = [params.of] if isinstance(params.of, str) else list(params.of)
            sums = pd.DataFrame({"entity": names, "metric": params.member_metric})
        else:
            sums = rows[["entity", "metric"]].drop_duplicates()
        spans = [(text, *parse_period(text)) for text in params.at]
        periods = pd.DataFrame(spans, columns=["period", "start", "end"])
        periods["start"] = pd.to_datetime(periods["start"])
        periods["end"] = pd.to_datetime(periods["end"])
        at_rows = sums.merge(periods, how="cross").assign(total=-1)
        # a stated total already stands for its period
        stated = rows[["entity", "metric", "start", "end"]].drop_duplicates().assign(stated=True)
        at_rows = at_rows.merge(stated, on=["entity", "metric", "start", "end"], how="left")
        at_rows = at_rows[at_rows["stated"].isna()].drop(columns="stated")
        rows = pd.concat([rows, at_rows], ignore_index=True)
    rows["key"] = np.arange(len(rows))
    rows["day"] = _day(rows["end"])
    return totals, rows


def _latest(candidates: pd.DataFrame, n: int) -> pd.DataFrame:
    """Per pair, the intersection of its candidate values with the latest end (hull if empty).

    ``candidates``: columns pair, end_day, base_lo, base_hi, lo_open, hi_open,
    origin, text, unit. Returns one row per pair 0..n-1 (NaN where none).
    """
    out = pd.DataFrame({"lo": np.full(n, np.nan), "hi": np.full(n, np.nan)})
    out["lo_open"] = False
    out["hi_open"] = False
    out["ids"] = pd.Series([()] * n, dtype=object)
    out["text"] = ""
    out["unit"] = ""
    if not len(candidates):
        return out
    last = candidates.groupby("pair")["end_day"].transform("max")
    c = candidates[candidates["end_day"] == last].copy()
    grouped = c.groupby("pair")
    for name, column, how in (("max_lo", "base_lo", "max"), ("min_hi", "base_hi", "min"),
                              ("min_lo", "base_lo", "min"), ("max_hi", "base_hi", "max")):
        c[name] = grouped[column].transform(how)
    c["meet_lo_open"] = c["lo_open"] & (c["base_lo"] == c["max_lo"])
    c["meet_hi_open"] = c["hi_open"] & (c["base_hi"] == c["min_hi"])
    c["hull_lo_closed"] = ~c["lo_open"] & (c["base_lo"] == c["min_lo"])
    c["hull_hi_closed"] = ~c["hi_open"] & (c["base_hi"] == c["max_hi"])
    agg = c.groupby("pair").agg(
        lo=("max_lo", "first"), hi=("min_hi", "first"), lo_open=("meet_lo_open", "any"),
        hi_open=("meet_hi_open", "any"), hull_lo=("min_lo", "first"), hull_hi=("max_hi", "first"),
        hull_lo_closed=("hull_lo_closed", "any"), hull_hi_closed=("hull_hi_closed", "any"),
        rows=("text", "size"), text=("text", "first"), unit=("unit", "first"),
    )
    ids = _ids_by(c, "pair", "origin", n)
    agg["ids"] = pd.Series([ids[int(k)] for k in agg.index], index=agg.index, dtype=object)
    meet = Interval(
        agg["lo"].to_numpy(dtype=float), agg["hi"].to_numpy(dtype=float),
        agg["lo_open"].to_numpy(dtype=bool), agg["hi_open"].to_numpy(dtype=bool),
    )
    # facts that contradict each other: keep every value they allow (another rule flags them)
    empty = meet.empty
    where = agg.index.to_numpy(dtype=np.int64)
    out.loc[where, "lo"] = np.where(empty, agg["hull_lo"], meet.lo)
    out.loc[where, "hi"] = np.where(empty, agg["hull_hi"], meet.hi)
    out.loc[where, "lo_open"] = np.where(empty, ~agg["hull_lo_closed"], meet.lo_open)
    out.loc[where, "hi_open"] = np.where(empty, ~agg["hull_hi_closed"], meet.hi_open)
    out.loc[where, "ids"] = pd.Series(list(agg["ids"]), index=where, dtype=object)
    single = agg["rows"].to_numpy() == 1
    out.loc[where, "text"] = np.where(single, agg["text"], "")
    out.loc[where, "unit"] = agg["unit"].to_numpy(dtype=object)
    return out


def _candidates(
    facts: pd.DataFrame, pairs: pd.DataFrame, on: str, *, latest_only: bool = False
) -> pd.DataFrame:
    """Facts (subject = pairs[on], metric = pairs.metric) whose period ends by the pair's day.

    ``latest_only``: only those ending on the latest such day, the ones :func:`_latest`
    keeps. An as-of join finds that day per pair first, so a member is not paired with
    every earlier fact of its metric (a cost that grows with the square of its periods).
    """
    facts = facts.assign(
        origin=pd.Series(origin(facts), dtype=object, index=facts.index),
        end_day=_day(facts["end"]),
        text=_stated_texts(facts),
    )
    columns = ["subject", "metric", "end_day", "base_lo", "base_hi", "lo_open", "hi_open",
               "origin", "text", "unit"]
    if not latest_only:
        merged = pairs.merge(
            facts[columns], left_on=[on, "metric"], right_on=["subject", "metric"]
        )
        return merged[merged["end_day"] <= merged["day"]]
    days = facts[["subject", "metric", "end_day"]].drop_duplicates()
    days = days.sort_values("end_day", kind="stable").rename(columns={"end_day": "_latest"})
    order = np.argsort(pairs["day"].to_numpy(dtype=float), kind="stable")
    # the as-of join wants its "by" keys of one dtype
    found = pd.merge_asof(
        pairs.iloc[order][[on, "metric", "day"]].astype({on: object, "metric": object}),
        days.astype({"subject": object, "metric": object}),
        left_on="day", right_on="_latest", left_by=[on, "metric"],
        right_by=["subject", "metric"], direction="backward",
    )
    latest = np.full(len(pairs), np.nan)
    latest[order] = found["_latest"].to_numpy(dtype=float)
    merged = pairs.assign(_latest=latest).merge(
        facts[columns], left_on=[on, "metric", "_latest"], right_on=["subject", "metric", "end_day"]
    )
    return merged.drop(columns="_latest")


def _member_values(
    ctx: RuleContext, params: MembersParams, pairs: pd.DataFrame, dims: dict[str, str]
) -> pd.DataFrame:
    """Each pair's own value of the summed metric, else its `each_metric` bound."""
    n = len(pairs)
    pairs = pairs.assign(pair=np.arange(n))
    facts = _usable(ctx.facts[ctx.facts["metric"].isin(list(dims))])
    facts = facts[facts["dimension"].to_numpy() == facts["metric"].map(dims).to_numpy()]
    own = _latest(_candidates(facts, pairs, "member", latest_only=True), n)
    if params.each_metric is None:
        return own
    each = _usable(ctx.facts[ctx.facts["metric"] == params.each_metric])
    reg = ctx.registries
    parents = pd.DataFrame(
        [(m, g) for m in pairs["member"].unique().tolist() for g in reg.entities[m].member_of],
        columns=["member", "group"], dtype=object,
    )
    # an `each` figure stands for every member: read it as a value of the summed metric
    spread = pairs.merge(parents, on="member")
    bounds = pd.concat(
        [each[each["dimension"] == dim].assign(metric=metric) for metric, dim in dims.items()],
        ignore_index=True,
    )
    candidates = _candidates(bounds, spread, "group")
    if len(candidates):
        # only members that surely existed when the `each` figure was stated
        when = _existence(
            ctx, params, candidates[["member", "end_day"]].rename(columns={"end_day": "day"})
        )
        candidates = candidates[when["state"].to_numpy() == SURELY]
    fallback = _latest(candidates, n)
    use = own["lo"].isna().to_numpy() & fallback["lo"].notna().to_numpy()
    own.loc[use] = fallback.loc[use]
    return own


def _sum(ctx: RuleContext, params: MembersParams) -> RuleResult:
    totals, targets = _targets(ctx, params)
    if not len(targets):
        return RuleResult(outcomes=empty_outcomes())
    reg = ctx.registries
    dims = {m: reg.metrics[m].dimension for m in targets["metric"].unique().tolist()}
    members = _members(ctx, params, targets["entity"])
    pairs = targets[["key", "entity", "metric", "day"]].merge(members, on="entity")
    pairs = pairs.reset_index(drop=True)
    exist = _existence(ctx, params, pairs[["member", "day"]])
    values = _member_values(ctx, params, pairs, dims)
    total, tally = _add_up(targets, pairs, exist, values)
    parts = _ids_by(pairs.assign(ids=values["ids"]), "key", "ids", len(targets))
    frames = [
        _total_outcomes(ctx, params, totals, targets, total, tally, parts, (pairs, exist, values)),
        _unbounded_at(ctx, params, targets, tally, parts, (pairs, exist, values)),
    ]
    out = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(
        len(f) for f in frames) else empty_outcomes()
    derived = _derived(ctx, params, targets, total, tally, parts, values, pairs)
    return RuleResult(outcomes=out, derived=derived)


def _add_up(
    targets: pd.DataFrame, pairs: pd.DataFrame, exist: pd.DataFrame, values: pd.DataFrame
) -> tuple[Interval, pd.DataFrame]:
    """Each target's sum over its members (base units) and its tallies."""
    n = len(targets)
    key = pairs["key"].to_numpy(dtype=np.int64)
    state = exist["state"].to_numpy(dtype=object)
    surely, excluded = state == SURELY, state == EXCLUDED
    has = values["lo"].notna().to_numpy()
    missing = ~has & ~excluded
    v_lo = values["lo"].to_numpy(dtype=float)
    v_hi = values["hi"].to_numpy(dtype=float)
    # a member that may not exist yet adds anything from 0 to its value
    lo = np.where(surely & has, v_lo, 0.0)
    hi = np.where(excluded, 0.0, np.where(missing, np.inf, v_hi))
    lo_open = surely & has & values["lo_open"].to_numpy(dtype=bool)
    hi_open = ~excluded & (missing | values["hi_open"].to_numpy(dtype=bool))

    def per_key(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
        return np.asarray(
            np.bincount(key, weights=np.asarray(x, dtype=float), minlength=n), dtype=np.float64
        )

    total = Interval(per_key(lo), per_key(hi), per_key(lo_open) > 0, per_key(hi_open) > 0)
    tally = pd.DataFrame(
        {
            "members": per_key(np.ones(len(key))).astype(int),
            "missing": per_key(missing).astype(int),
            "possibly": per_key(state == POSSIBLY).astype(int),
            "excluded": per_key(excluded).astype(int),
        }
    )
    return total, tally


def _base_unit(ctx: RuleContext, dimension: str) -> str:
    units = [u for u in ctx.registries.units.values() if u.dimension == dimension]
    exact = [u.id for u in units if u.factor == 1]
    return exact[0] if exact else (units[0].id if units else "")


def _display_units(
    ctx: RuleContext, targets: pd.DataFrame, pairs: pd.DataFrame, values: pd.DataFrame,
    dims: dict[str, str],
) -> list[str]:
    """Per target, the unit most of its members' values are stated in (else the base unit)."""
    units = [_base_unit(ctx, dims[m]) for m in targets["metric"].tolist()]
    stated = pairs.assign(unit=values["unit"])
    stated = stated[stated["unit"] != ""]
    if len(stated):
        counts = stated.groupby(["key", "unit"]).size().reset_index(name="n")
        best = counts.sort_values(["key", "n", "unit"], ascending=[True, False, True])
        for key, unit in best.drop_duplicates("key")[["key", "unit"]].itertuples(index=False):
            units[int(key)] = str(unit)
    return units


def _member_lines(
    key: int,
    context: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    factor: float,
    unit: str,
) -> tuple[str, str]:
    """The members of a target with their values, and notes on absent or uncertain ones."""
    pairs, exist, values = context
    rows = np.flatnonzero(pairs["key"].to_numpy() == key)
    shown: list[str] = []
    missing: list[str] = []
    maybe: list[str] = []
    later: list[str] = []
    for r in rows.tolist():
        member = str(pairs["member"].iloc[r])
        state = exist["state"].iloc[r]
        if state == EXCLUDED:
            later.append(member)
            continue
        if pd.isna(values["lo"].iloc[r]):
            missing.append(member)
            continue
        text = str(values["text"].iloc[r])
        if not text or values["unit"].iloc[r] != unit:
            iv = Interval(values["lo"].iloc[r], values["hi"].iloc[r], values["lo_open"].iloc[r],
                          values["hi_open"].iloc[r])
            text = _text(in_unit(iv, factor), 0, unit)
        shown.append(f"`{member}` {text}")
        if state == POSSIBLY:
            maybe.append(member)
    listing = ", ".join(shown[:SHOWN_MEMBERS])
    if len(shown) > SHOWN_MEMBERS:
        listing += f" and {len(shown) - SHOWN_MEMBERS} more"
    notes = []
    if later:
        notes.append(f"{_ids_text(later)} approved only later (counted as 0)")
    if maybe:
        notes.append(f"{_ids_text(maybe)} may not exist yet (counted from 0 to their value)")
    if missing:
        notes.append(f"{_ids_text(missing)} {'has' if len(missing) == 1 else 'have'} no value "
                     "by then, so the sum has no upper bound")
    return listing, "; ".join(notes)


def _total_outcomes(
    ctx: RuleContext,
    params: MembersParams,
    totals: pd.DataFrame,
    targets: pd.DataFrame,
    total: Interval,
    tally: pd.DataFrame,
    parts: list[Ids],
    context: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> pd.DataFrame:
    stated_targets = targets[targets["total"] >= 0]
    if not len(stated_targets):
        return empty_outcomes()
    keys = stated_targets["key"].to_numpy(dtype=np.int64)
    rows = totals.iloc[stated_targets["total"].to_numpy(dtype=np.int64)].reset_index(drop=True)
    factor = rows["factor"].to_numpy(dtype=float)
    stated = in_unit(base_interval(rows), factor)
    computed = in_unit(total.take(keys), factor)
    dims = [ctx.registries.metrics[m].dimension for m in stated_targets["metric"].tolist()]
    mismatch = rows["dimension"].to_numpy(dtype=object) != np.asarray(dims, dtype=object)
    computed = _undefine(computed, mismatch)
    cmp = compare(stated, computed, "==")
    own = origin(rows)
    facts = [tuple(dict.fromkeys(own[i] + parts[k])) for i, k in enumerate(keys.tolist())]
    units = rows["unit"].astype(str).tolist()
    out = outcomes(facts=facts, stated=stated, computed=computed, unit=units, comparison=cmp)
    members = tally["members"].to_numpy()[keys]
    missing = tally["missing"].to_numpy()[keys]
    status = out["status"].to_numpy(dtype=object)
    status[(status == "ok") & (missing > 0)] = "unverifiable"
    status[members == 0] = "unverifiable"
    out["status"] = status
    for column in ("computed_lo", "computed_hi"):
        out.loc[members == 0, column] = np.nan
    messages = out["message"].to_numpy(dtype=object)
    for i in np.flatnonzero(status != "ok").tolist():
        row = rows.iloc[i]
        head = f"`{row['id']}` states {_written(row)} {_when(row)}"
        entity = f"`{row['subject']}`"
        if members[i] == 0:
            messages[i] = (f"{head}; the registry lists no {_noun(params.member_kinds)} as "
                           f"members of {entity}, so the total cannot be checked")
            continue
        if status[i] == "undefined":
            messages[i] = f"{head}; its unit {row['unit']} does not measure the summed metric"
            continue
        listing, notes = _member_lines(int(keys[i]), context, factor[i], units[i])
        count = f"its {members[i]} members sum" if members[i] > 1 else "its 1 member sums"
        body = f"{head}; {count} to {_text(computed, i, units[i])}"
        body += (f" ({listing})" if listing else "") + (f"; {notes}" if notes else "")
        if status[i] == "unverifiable":
            messages[i] = f"{body}: cannot be checked"
        else:
            where = "above" if stated.lo[i] > computed.hi[i] else "below"
            gap = _text(Interval.point(cmp.gap[i]), 0, units[i])
            messages[i] = f"{body}: the stated total lies {gap} {where} the members' sum"
    out["message"] = messages
    return out


def _unbounded_at(
    ctx: RuleContext,
    params: MembersParams,
    targets: pd.DataFrame,
    tally: pd.DataFrame,
    parts: list[Ids],
    context: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> pd.DataFrame:
    """An `at` period whose total cannot be derived is reported, never silently skipped."""
    at = targets[targets["total"] < 0]
    members = tally["members"].to_numpy()
    missing = tally["missing"].to_numpy()
    facts: list[Ids] = []
    messages: list[str] = []
    for row in at.itertuples(index=False):
        k = int(row.key)
        if members[k] and not missing[k]:
            continue
        what = _metric_label(ctx, str(row.metric))
        head = f"cannot derive the {what} of `{row.entity}` for {row.period}"
        if not members[k]:
            reason = f"the registry lists no {_noun(params.member_kinds)} as its members"
        else:
            _, notes = _member_lines(k, context, 1.0, "")
            reason = notes
        facts.append(parts[k])
        messages.append(f"{head}: {reason}")
    if not facts:
        return empty_outcomes()
    return unverifiable(facts, messages)


def _metric_label(ctx: RuleContext, metric: str) -> str:
    spec = ctx.registries.metrics.get(metric)
    label = spec.label if spec is not None else metric
    return label[:1].lower() + label[1:]


def _derived(
    ctx: RuleContext,
    params: MembersParams,
    targets: pd.DataFrame,
    total: Interval,
    tally: pd.DataFrame,
    parts: list[Ids],
    values: pd.DataFrame,
    pairs: pd.DataFrame,
) -> pd.DataFrame | None:
    if not params.derives:
        return None
    dims = {m: ctx.registries.metrics[m].dimension for m in targets["metric"].unique().tolist()}
    bounded = (tally["members"].to_numpy() > 0) & np.isfinite(total.hi) & ~total.undefined
    # two totals stated for the same entity and period have the same members' sum
    first = ~targets.duplicated(["entity", "metric", "start", "end"]).to_numpy()
    keys = np.flatnonzero(bounded & first)
    if not len(keys):
        return None
    units = _display_units(ctx, targets, pairs, values, dims)
    chosen = targets.iloc[keys]
    unit = [units[k] for k in keys.tolist()]
    factor = np.array([ctx.factor(u) for u in unit], dtype=float)
    explanation = [
        f"sum of the {_metric_label(ctx, str(r.metric))} of the {tally['members'].iloc[k]} "
        f"{_noun(params.member_kinds)} of `{r.entity}` for {r.period}"
        for k, r in zip(keys.tolist(), chosen.itertuples(index=False), strict=True)
    ]
    return derived_facts(
        ctx,
        subject=chosen["entity"].astype(str).tolist(),
        metric=chosen["metric"].astype(str).tolist(),
        period=chosen["period"].astype(str).tolist(),
        start=chosen["start"].to_numpy(),
        end=chosen["end"].to_numpy(),
        unit=unit,
        interval=in_unit(total.take(keys), factor),
        derived_from=[parts[k] for k in keys.tolist()],
        explanation=explanation,
    )
