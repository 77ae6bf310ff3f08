"""Joining and assembling rows of the normalised table, shared by the rule kinds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint.interval import Interval
from factlint.rules.base import empty_outcomes, unverifiable

#: the columns of the normalised table a kind carries through its joins
FACT_COLUMNS = (
    "id",
    "source",
    "quote",
    "subject",
    "metric",
    "period",
    "value",
    "unit",
    "qualifier",
    "dimension",
    "factor",
    "lo",
    "hi",
    "lo_open",
    "hi_open",
    "base_lo",
    "base_hi",
    "start",
    "end",
    "derived",
    "derived_from",
)


def prefixed(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The fact columns of ``frame`` renamed ``<prefix><column>`` (one side of a join)."""
    return frame[list(FACT_COLUMNS)].add_prefix(prefix)


def join_side(frame: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """The fact columns of one side of a join, under their own names again."""
    return frame[[prefix + c for c in FACT_COLUMNS]].set_axis(list(FACT_COLUMNS), axis=1)


def written_interval(frame: pd.DataFrame) -> Interval:
    """The rows' written intervals in their own units."""
    return Interval(
        lo=frame["lo"].to_numpy(dtype=float),
        hi=frame["hi"].to_numpy(dtype=float),
        lo_open=frame["lo_open"].to_numpy(dtype=bool),
        hi_open=frame["hi_open"].to_numpy(dtype=bool),
    )


def derived_from_any(
    frame: pd.DataFrame, id_column: str, from_column: str
) -> npt.NDArray[np.bool_]:
    """True where the id in ``id_column`` is among the ids in ``from_column`` (tuples).

    Used to keep a derived value from being checked against the facts it was
    derived from (which would pass by construction).
    """
    if not len(frame):
        return np.zeros(0, dtype=bool)
    links = pd.DataFrame(
        {
            "row": np.arange(len(frame)),
            "id": frame[id_column].to_numpy(),
            "src": frame[from_column].to_numpy(),
        }
    ).explode("src")
    hit = links.loc[links["src"].to_numpy() == links["id"].to_numpy(), "row"].unique()
    mask = np.zeros(len(frame), dtype=bool)
    mask[hit.astype(int)] = True
    return mask


def joined_ids(*groups: Sequence[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Row by row, the ids of several origin lists, in order and without repeats."""
    return [
        tuple(dict.fromkeys(i for ids in row for i in ids)) for row in zip(*groups, strict=True)
    ]


def nondiscrepancy(
    facts: Sequence[tuple[str, ...]],
    messages: Sequence[str],
    *,
    stated: Interval,
    unit: Sequence[str],
) -> pd.DataFrame:
    """Discrepancy rows that are not a numeric comparison (a mismatch of meaning)."""
    frame = unverifiable(facts, messages)
    frame["status"] = "discrepancy"
    frame["stated_lo"], frame["stated_hi"] = stated.lo, stated.hi
    frame["stated_lo_open"], frame["stated_hi_open"] = stated.lo_open, stated.hi_open
    frame["unit"] = list(unit)
    return frame


def concat_outcomes(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    kept = [f for f in frames if len(f)]
    if not kept:
        return empty_outcomes()
    return pd.concat(kept, ignore_index=True)
