"""FL110 formula: an arithmetic identity or bound over named facts, checked with intervals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from factlint.errors import FormulaError, RuleSetError
from factlint.formula import FUNCTIONS, Bag, Formula, Number, Variable, parse_formula
from factlint.interval import Comparison, Interval, compare, format_interval
from factlint.normalise import base_interval
from factlint.rules import rule_kind
from factlint.rules.base import (
    KIND_COLUMNS,
    Params,
    RuleContext,
    RuleResult,
    Selector,
    empty_outcomes,
    in_unit,
    origin,
    outcomes,
    unverifiable,
)
from factlint.rules.frames import equi_join, joined_ids
from factlint.rules.wording import QUALIFIER_WORDS, unit_suffix

IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
MatchKey = Literal["subject", "period"]
KEY_COLUMNS: dict[str, tuple[str, ...]] = {"subject": ("subject",), "period": ("start", "end")}
_ALL = "_all"
_SHOWN_PER_BAG = 6


class FormulaParams(Params):
    facts: dict[str, Selector] = Field(
        description=(
            "the formula's variables: each name (a plain identifier) maps to a selector of the "
            "facts it stands for"
        )
    )
    expression: str = Field(
        description=(
            "`left op right` with op one of ==, <, <=, >, >=; + - * /, numbers, the variables and "
            "sum() min() max() abs(). Values are in BASE units (a percent is 0.01 × the written "
            "number, billion yuan is 1e9 yuan), so a share is compared as a ratio "
            "(`part / whole == share`) or both sides are scaled (`... * 100 < 0.4`)"
        )
    )
    match: list[MatchKey] = Field(
        [],
        description=(
            "keys (`subject`, `period`) that join the variables' facts: every combination of "
            "facts agreeing on them is one check. Empty: one check, and each variable must "
            "select exactly one fact unless it is written directly inside sum()/min()/max()"
        ),
    )
    unit: str | None = Field(
        None,
        description=(
            "unit in which messages show both sides (default: the unit of the side that is a "
            "single variable, else base units)"
        ),
    )

    @field_validator("facts")
    @classmethod
    def _variable_names(cls, facts: dict[str, Selector]) -> dict[str, Selector]:
        if not facts:
            raise PydanticCustomError("formula", "declare at least one variable")
        for name in facts:
            if not name.isidentifier() or name.startswith("_"):
                raise PydanticCustomError(
                    "formula",
                    "variable name `{name}` must be an identifier that does not start with `_`",
                    {"name": name},
                )
            if name in FUNCTIONS:
                raise PydanticCustomError(
                    "formula", "variable name `{name}` is a function of the formula grammar",
                    {"name": name},
                )
        return facts

    @field_validator("expression")
    @classmethod
    def _expression(cls, text: str, info: ValidationInfo) -> str:
        facts = info.data.get("facts")
        if facts is None:  # the facts error is reported instead
            return text
        try:
            formula = parse_formula(text, names=set(facts), where="expression", path="")
        except FormulaError as exc:
            raise PydanticCustomError("formula", "{message}", {"message": exc.message}) from None
        unused = [name for name in facts if name not in formula.variables]
        if unused:
            raise PydanticCustomError(
                "formula", "declared variable(s) {names} not used in the expression",
                {"names": ", ".join(f"`{n}`" for n in unused)},
            )
        return text

    @field_validator("match")
    @classmethod
    def _distinct(cls, keys: list[MatchKey]) -> list[MatchKey]:
        if len(set(keys)) != len(keys):
            raise PydanticCustomError("formula", "each match key may appear once")
        return keys

    @property
    def formula(self) -> Formula:
        return parse_formula(self.expression, names=set(self.facts), where="expression", path="")


@rule_kind("FL110", "formula", FormulaParams)
def check(ctx: RuleContext, params: FormulaParams) -> RuleResult:
    """A formula over named facts holds, with rounding taken into account.

    Why: documents state figures that must fit together in ways no fixed rule
    kind foresees: zone areas that add up to a total, a share recomputed from
    two amounts, a bound such as "covers less than 0.4% of the land". A formula
    names the facts (``facts``: variable → selector) and states the relation
    (``expression``); each figure is the interval its written precision allows,
    so 43 + 43.78 + 31.26 = 118.04 km² holds, while a real error does not hide.

    All arithmetic is in BASE units: a percent is 0.01 × the written number
    ("20.8%" is 0.2075–0.2085), "103.96 billion yuan" is 1.0396e11 yuan, and
    "9.6 million km2" is 9.6e6 km2. Compare a share as a ratio
    (``fdi / national == share``) or scale both sides (``x * 100 < 0.4`` for
    "less than 0.4%" written as a bare number). The grammar allows numbers,
    the variables, ``+ - * /``, ``sum() min() max() abs()`` and one comparison
    (``== < <= > >=``); anything else is rejected when the rule set loads. A
    variable written directly inside ``sum()``/``min()``/``max()`` folds all
    its facts (per ``match`` group).

    Each check names every fact it used (right-hand side first). A variable
    that selects nothing for a check makes it unverifiable; a divisor that may
    be 0 makes it undefined.

    Failing example::

        - id: fujian-area
          kind: formula
          facts:
            pingtan: {subject: fujian-pingtan, metric: area}
            xiamen:  {subject: fujian-xiamen, metric: area}
            fuzhou:  {subject: fujian-fuzhou, metric: area}
            total:   {subject: fujian, metric: area}
          expression: pingtan + xiamen + fuzhou == total
        # facts: 43, 43.78, 31.26 and a total of 119.04 km2 ->
        #   pingtan 43 km2 + xiamen 43.78 km2 + fuzhou 31.26 km2 = 117.53–118.55 km2
        #   vs total 119.04 km2 = 119.035–119.045 km2: `==` cannot hold: the left
        #   side is 0.485 km2 (0.41%) below the right side

    Passing example: the same rule with the stated total 118.04 km2; or a share
    recomputed from two amounts written to two decimals::

        - id: fdi-share
          kind: formula
          facts:
            fdi: {subject: ftz, metric: fdi, period: 2024-H1}
            national: {subject: china, metric: fdi, period: 2024-H1}
            share: {subject: ftz, metric: fdi_share, period: 2024-H1}
          expression: fdi / national == share
        # 103.96 billion / 499.1 billion yuan gives 20.8264–20.8326%, inside the
        # stated 20.8% (20.75–20.85%): consistent
    """
    formula = params.formula
    keys = [c for key in params.match for c in KEY_COLUMNS[key]] or [_ALL]
    selected = _selections(ctx, {name: params.facts[name] for name in formula.variables})
    if all(frame.empty for frame in selected.values()):
        return RuleResult(outcomes=empty_outcomes())
    if not params.match:
        _require_single_facts(ctx, formula, selected)

    codes = _key_codes(selected, keys)
    present, has = _key_presence(codes)
    complete = np.logical_and.reduce(list(has.values()))
    missing = _unverifiable(
        formula, selected, keys, _incomplete(selected, keys, codes, present, has, ~complete)
    )
    checks = _combinations(formula, codes, present[complete])
    if not len(checks):
        return RuleResult(outcomes=missing)
    evaluated = _evaluate(ctx, params, formula, selected, codes, checks)
    frames = [f for f in (missing, evaluated) if not f.empty]
    return RuleResult(outcomes=pd.concat(frames, ignore_index=True))


# -- selecting and joining ------------------------------------------------------------


def _selections(ctx: RuleContext, selectors: dict[str, Selector]) -> dict[str, pd.DataFrame]:
    """Each variable's facts, numbered from 0.

    Selecting by id tests every id of the table; variables whose selectors differ only
    in their ids (``before``, ``added``, ``after`` of a batch) share one such pass.
    """
    by_id: dict[str, list[str]] = {}
    for name, selector in selectors.items():
        if selector.id is not None:
            by_id.setdefault(selector.model_dump_json(exclude={"id"}), []).append(name)
    frames: dict[str, pd.DataFrame] = {}
    for names in by_id.values():
        if len(names) < 2:
            continue
        wanted = {name: _ids(selectors[name].id) for name in names}
        pooled = selectors[names[0]].model_copy(
            update={"id": [i for ids in wanted.values() for i in ids]}
        )
        rows = ctx.select(pooled, columns=KIND_COLUMNS)
        for name, ids in wanted.items():
            frames[name] = rows[rows["id"].isin(ids).to_numpy(dtype=bool)]
    for name, selector in selectors.items():
        if name not in frames:
            frames[name] = ctx.select(selector, columns=KIND_COLUMNS)
    return {
        name: frames[name].reset_index(drop=True).assign(**{_ALL: 0}) for name in selectors
    }


def _ids(value: str | list[str] | None) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _origin_of(frame: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Per row, the stated facts behind it (a tuple of ids), as an object array."""
    found: npt.NDArray[np.object_] = pd.Series(origin(frame), dtype=object).to_numpy()
    return found


def _require_single_facts(
    ctx: RuleContext, formula: Formula, selected: dict[str, pd.DataFrame]
) -> None:
    for name, frame in selected.items():
        if name not in formula.aggregated and len(frame) > 1:
            ids = ", ".join(f"`{i}`" for i in frame["id"].head(5))
            raise RuleSetError(
                ctx.rule.file,
                f"rules[{ctx.rule.id}].facts.{name}",
                f"selects {len(frame)} facts ({ids}); without `match` a variable used outside "
                "sum()/min()/max() must select exactly one fact: narrow its selector or add "
                "`match: [subject, period]`",
            )


# Variables are joined on their keys (subject, first and last day) through one integer
# per row: pandas merges on a string and two dates cost more than the rest of a rule on
# a large table, and far more than the arithmetic on a small one. The codes sort as the
# keys do, so checks come in the order sorted keys give (that of an outer merge).


def _key_codes(selected: dict[str, pd.DataFrame], keys: list[str]) -> dict[str, IntArray]:
    """Per variable, each row's key as one integer; equal keys get equal integers."""
    sizes = [len(frame) for frame in selected.values()]
    combined = np.zeros(sum(sizes), dtype=np.int64)
    span = 1
    for key in keys:
        column = pd.concat([frame[key] for frame in selected.values()], ignore_index=True)
        # sorted codes; a missing value is one more value, sorted last (as merges do)
        codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
        if span * max(len(uniques), 1) >= 2**62:  # renumber densely before it could overflow
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
            span = int(combined.max(initial=0)) + 1
        combined = combined * len(uniques) + codes
        span *= max(len(uniques), 1)
    parts = np.split(combined, np.cumsum(sizes)[:-1])
    return dict(zip(selected, parts, strict=True))


def _key_presence(codes: dict[str, IntArray]) -> tuple[IntArray, dict[str, BoolArray]]:
    """Every key seen in some variable, and per variable whether it has the key.

    Keys are sorted, except with a single variable: then in order of first appearance.
    """
    if len(codes) == 1:
        ((name, these),) = codes.items()
        present: IntArray = pd.unique(these)
        return present, {name: np.ones(len(present), dtype=bool)}
    present = np.sort(pd.unique(np.concatenate(list(codes.values()))))
    has: dict[str, BoolArray] = {}
    for name, these in codes.items():
        has[name] = np.zeros(len(present), dtype=bool)
        has[name][np.searchsorted(present, these)] = True
    return present, has


def _incomplete(
    selected: dict[str, pd.DataFrame],
    keys: list[str],
    codes: dict[str, IntArray],
    present: IntArray,
    has: dict[str, BoolArray],
    incomplete: BoolArray,
) -> pd.DataFrame:
    """The keys at which some variable selects nothing, with their values and ``has:`` flags."""
    wanted = present[incomplete]
    columns: dict[str, Any] = {}
    if len(wanted):
        combined = np.concatenate(list(codes.values()))
        seen, first = np.unique(combined, return_index=True)
        rows = first[np.searchsorted(seen, wanted)]
        for key in keys:
            column = pd.concat([frame[key] for frame in selected.values()], ignore_index=True)
            columns[key] = column.iloc[rows].reset_index(drop=True)
    else:
        columns = {key: [] for key in keys}
    columns.update({_has(name): flags[incomplete] for name, flags in has.items()})
    return pd.DataFrame(columns)


def _has(name: str) -> str:
    return f"has:{name}"


@dataclass(frozen=True)
class _Checks:
    """One entry per check: its key and, for each single-fact variable, its row."""

    key: IntArray
    rows: dict[str, IntArray]

    def __len__(self) -> int:
        return len(self.key)


@dataclass(frozen=True)
class _Members:
    """(check, row) pairs of an aggregated variable, by check, then by row."""

    check: IntArray
    row: IntArray


def _combinations(formula: Formula, codes: dict[str, IntArray], complete: IntArray) -> _Checks:
    """One check per combination of single-fact variables' rows at each complete key."""
    key = complete
    rows: dict[str, IntArray] = {}
    for name, these in codes.items():
        if name not in formula.aggregated:
            at, row = equi_join(key, these)
            key = key[at]
            rows = {other: taken[at] for other, taken in rows.items()}
            rows[name] = row
    return _Checks(key=key, rows=rows)


# -- evaluating ----------------------------------------------------------------------------


def _evaluate(
    ctx: RuleContext,
    params: FormulaParams,
    formula: Formula,
    selected: dict[str, pd.DataFrame],
    codes: dict[str, IntArray],
    checks: _Checks,
) -> pd.DataFrame:
    n = len(checks)
    env: dict[str, Interval | Bag] = {}
    members: dict[str, _Members] = {}
    for name, frame in selected.items():
        values = base_interval(frame)
        if name in formula.aggregated:
            pairs = members[name] = _Members(*equi_join(checks.key, codes[name]))
            env[name] = Bag(values=values.take(pairs.row), group=pairs.check, checks=n)
        else:
            env[name] = values.take(checks.rows[name])
    left, right, op = formula.evaluate(env)
    units, factors = _display_units(ctx, params, formula, selected, checks)
    shown_left, shown_right = in_unit(left, factors), in_unit(right, factors)
    comparison = compare(shown_left, shown_right, op)

    order = [*formula.side_names("right"), *formula.side_names("left")]
    facts = _check_facts(order, selected, checks, members, n)
    # messages (and the values as written they show) only for the checks that fail
    failing = (comparison.undefined | ~comparison.consistent).nonzero()[0]
    shown = {
        name: _texts(selected[name], checks, members.get(name), name, failing) for name in order
    }
    messages = [""] * n
    for k, i in enumerate(failing.tolist()):
        texts = {name: shown[name][k] for name in order}
        messages[i] = _message(formula, texts, shown_left, shown_right, comparison, units, i)
    return outcomes(
        facts=facts, stated=shown_right, computed=shown_left, unit=units,
        comparison=comparison, messages=messages,
    )


def _check_facts(
    order: list[str],
    selected: dict[str, pd.DataFrame],
    checks: _Checks,
    members: dict[str, _Members],
    n: int,
) -> list[tuple[str, ...]]:
    """Per check, the stated facts behind its variables in ``order``, each named once."""
    names = list(dict.fromkeys(order))
    stated = all(
        name not in members and not selected[name]["derived"].to_numpy(dtype=bool).any()
        for name in names
    )
    if stated:
        # every variable is one stated fact per check, which stands for itself: no
        # tuple per fact to build, and repeats only removed where ids repeat
        ids = [selected[name]["id"].to_numpy(dtype=object)[checks.rows[name]] for name in names]
        rows = list(zip(*ids, strict=True))
        repeats = np.zeros(n, dtype=bool)
        for i, first in enumerate(ids):
            for second in ids[i + 1 :]:
                repeats |= first == second
        for k in np.flatnonzero(repeats).tolist():
            rows[k] = tuple(dict.fromkeys(rows[k]))
        return rows
    return joined_ids(
        *(_origins(selected[name], checks, members.get(name), name, n) for name in names)
    )


def _origins(
    frame: pd.DataFrame, checks: _Checks, pairs: _Members | None, name: str, n: int
) -> list[tuple[str, ...]]:
    """For each check, the stated facts behind a variable."""
    origin_of = _origin_of(frame)
    if pairs is None:
        used: list[tuple[str, ...]] = origin_of[checks.rows[name]].tolist()
        return used
    # pairs are sorted by check: each check's members are one run of rows
    check = pairs.check
    member = origin_of[pairs.row].tolist()
    starts = np.flatnonzero(np.diff(check, prepend=-1))
    ends = [*starts[1:].tolist(), len(check)]
    bags: list[tuple[str, ...]] = [()] * n
    for c, start, end in zip(check[starts].tolist(), starts.tolist(), ends, strict=True):
        bags[c] = tuple(chain.from_iterable(member[start:end]))
    return bags


def _texts(
    frame: pd.DataFrame,
    checks: _Checks,
    pairs: _Members | None,
    name: str,
    which: IntArray,
) -> list[str]:
    """How the message of each check in ``which`` shows a variable ("total 119.04 km2")."""
    if pairs is None:
        return [f"{name} {s}" for s in _shown(frame, checks.rows[name][which])]
    chosen = np.isin(pairs.check, which)
    by_check: dict[int, list[str]] = {}
    for c, text in zip(pairs.check[chosen].tolist(), _shown(frame, pairs.row[chosen]), strict=True):
        by_check.setdefault(c, []).append(text)
    return [f"{name} [{_bag_text(by_check.get(i, []))}]" for i in which.tolist()]


def _bag_text(items: list[str]) -> str:
    text = ", ".join(items[:_SHOWN_PER_BAG])
    more = len(items) - _SHOWN_PER_BAG
    return f"{text}, and {more} more" if more > 0 else text


def _display_units(
    ctx: RuleContext,
    params: FormulaParams,
    formula: Formula,
    selected: dict[str, pd.DataFrame],
    checks: _Checks,
) -> tuple[list[str], np.ndarray]:
    """Per check, the unit both sides are shown in and its factor to base units."""
    n = len(checks)
    if params.unit is not None:
        return [params.unit] * n, np.full(n, ctx.factor(params.unit))
    for side in (formula.right, formula.left):
        if isinstance(side, Variable) and side.name not in formula.aggregated:
            rows = checks.rows[side.name]
            frame = selected[side.name]
            units: list[str] = frame["unit"].to_numpy()[rows].tolist()
            return units, frame["factor"].to_numpy(dtype=float)[rows]
    return [""] * n, np.ones(n)


# -- messages --------------------------------------------------------------------------------


def _shown(frame: pd.DataFrame, rows: IntArray) -> list[str]:
    """How a message shows the values of some ``rows``: as written, with qualifier and unit.

    Only failing checks are shown, so the rows are few: worded one by one, without
    building a frame of them.
    """
    qualifier, value, unit = (
        frame[c].to_numpy(dtype=object)[rows] for c in ("qualifier", "value", "unit")
    )
    derived = frame["derived"].to_numpy(dtype=bool)[rows]
    lo, hi = (frame[c].to_numpy(dtype=float)[rows] for c in ("lo", "hi"))
    lo_open, hi_open = (frame[c].to_numpy(dtype=bool)[rows] for c in ("lo_open", "hi_open"))
    written: list[str] = []
    for k in range(len(rows)):
        if derived[k]:
            written.append(
                format_interval(
                    lo[k], hi[k], bool(lo_open[k]), bool(hi_open[k]), _display_unit(unit[k])
                )
            )
        else:
            written.append(
                QUALIFIER_WORDS.get(qualifier[k], "") + str(value[k]) + unit_suffix(unit[k])
            )
    return written


def _display_unit(unit: str) -> str:
    return "" if unit == "count" else unit


def _amount(value: float, unit: str) -> str:
    number = np.format_float_positional(
        value, precision=3, unique=False, fractional=False, trim="-"
    )
    if unit == "percent":
        return f"{number} percentage points"
    if unit == "date":
        return f"{number} days"
    return f"{number}{unit_suffix(unit)}"


def _side_text(node: object, text: str, shown: str) -> str:
    if isinstance(node, Number) or (isinstance(node, Variable) and text == f"{node.name} {shown}"):
        return text
    return f"{text} = {shown}"


def _message(
    formula: Formula,
    texts: dict[str, str],
    left: Interval,
    right: Interval,
    comparison: Comparison,
    units: Sequence[str],
    i: int,
) -> str:
    unit = units[i]
    left_text, right_text = formula.render(texts)
    shown_left = format_interval(*left[i], _display_unit(unit))
    shown_right = format_interval(*right[i], _display_unit(unit))
    sides = (
        f"{_side_text(formula.left, left_text, shown_left)} vs "
        f"{_side_text(formula.right, right_text, shown_right)}"
    )
    if comparison.undefined[i]:
        return f"{sides}: cannot be evaluated (a divisor may be 0, or a value is unreadable)"
    if comparison.consistent[i]:
        return f"{sides}: consistent"
    gap = float(comparison.gap[i])
    verdict = f"`{formula.op}` cannot hold"
    if gap == 0:
        return f"{sides}: {verdict} (the sides only meet at an open end)"
    if formula.op == "==":
        below = left.hi[i] < right.lo[i]
    else:
        below = formula.op in (">", ">=")
    relative = float(comparison.relative_gap[i])
    share = f" ({relative:.2%})" if unit != "percent" and np.isfinite(relative) else ""
    where = "below" if below else "above"
    return (
        f"{sides}: {verdict}: the left side is {_amount(gap, unit)}{share} "
        f"{where} the right side"
    )


def _unverifiable(
    formula: Formula, selected: dict[str, pd.DataFrame], keys: list[str], incomplete: pd.DataFrame
) -> pd.DataFrame:
    """One unverifiable row per key at which some variable selects nothing."""
    if incomplete.empty:
        return unverifiable([], [])
    names = list(selected)
    long = pd.concat(
        [
            frame[[*keys, "period"]].assign(_origin=_origin_of(frame), _var=name)
            for name, frame in selected.items()
        ],
        ignore_index=True,
    )
    at_key = incomplete[keys].merge(long, on=keys, how="left")
    grouped = {
        k if isinstance(k, tuple) else (k,): g for k, g in at_key.groupby(keys, dropna=False)
    }
    facts: list[tuple[str, ...]] = []
    messages: list[str] = []
    for record in incomplete.to_dict("records"):
        key = tuple(record[k] for k in keys)
        absent = [n for n in names if not record[_has(n)]]
        group = grouped.get(key)
        ids: tuple[str, ...] = ()
        where = ""
        if group is not None:
            group = group.dropna(subset=["_var"])
            ids = tuple(dict.fromkeys(chain.from_iterable(group["_origin"])))
            where = _key_text(keys, record, group)
        listed = ", ".join(f"`{n}`" for n in absent)
        noun = "variable" if len(absent) == 1 else "variables"
        facts.append(ids)
        messages.append(
            f"cannot check `{formula.text}`: {noun} {listed} select(s) no fact{where}"
        )
    return unverifiable(facts, messages)


def _key_text(keys: list[str], record: dict[str, object], group: pd.DataFrame) -> str:
    parts = []
    if "subject" in keys:
        parts.append(f"subject `{record['subject']}`")
    if "start" in keys and len(group):
        parts.append(f"period {group['period'].iloc[0]}")
    return f" for {', '.join(parts)}" if parts else ""
