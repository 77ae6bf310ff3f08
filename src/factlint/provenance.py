"""Provenance: every fact's quote occurs in its source, and states the fact's figure.

A quote matches its source when they agree after folding whitespace runs to
one space and curly quotes to straight ones; nothing else is forgiven. The
figure check reads every figure in the quote with the quantity parser and
asks that one of them has the row's value (as written), unit and qualifier.
Work is done once per distinct quote and once per source text, so repeated
quotes cost nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from factlint.findings import Finding, Severity, Status
from factlint.quantity import Quantity, find_quantities, format_quantity
from factlint.tables import FILE_COLUMN, LINE_COLUMN

_SPACE = re.compile(r"\s+")
_OTHER_SPACE = re.compile(r"[^\S ]")
_FOLDS = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u00a0", " "),
    ("\u2009", " "),
    ("\u202f", " "),
)


def normalise(text: str) -> str:
    """Fold whitespace runs and curly quotes, the only differences provenance forgives."""
    if text.isascii() and "  " not in text and _OTHER_SPACE.search(text) is None:
        return text.strip()  # nothing to fold: the common case, kept cheap
    for curly, plain in _FOLDS:
        if curly in text:
            text = text.replace(curly, plain)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def _figures(quote: str) -> tuple[Quantity, ...]:
    try:
        return tuple(find_quantities(quote))
    except Exception:  # noqa: BLE001 - a parser bug must not hide the quote's other checks
        return ()


def _same_value(stated: str, written: str) -> bool:
    if stated == written:
        return True
    # a date written without its year ("April 1") matches the row's full date
    return stated.startswith("--") and written[4:] == stated[1:]


def figure_matches(quote: str, value: str, unit: str, qualifier: str) -> bool:
    return any(
        q.unit == unit and q.qualifier == qualifier and _same_value(q.value, value.strip())
        for q in _figures(quote)
    )


def describe_figures(quote: str) -> str:
    figures = _figures(quote)
    if not figures:
        return "no figure"
    return ", ".join(f"{q.text!r} ({q.value} {q.unit}, {q.qualifier})" for q in figures)


def check_provenance(facts: pd.DataFrame, source_texts: dict[str, str]) -> list[Finding]:
    """Findings for quotes missing from their source and figures the quote does not state."""
    findings: list[Finding] = []
    normalised_sources = {sid: normalise(text) for sid, text in source_texts.items()}
    known_sources = facts["source"].isin(set(source_texts))
    for source_id in sorted(set(facts.loc[~known_sources, "source"]) - {""}):
        rows = facts[facts["source"] == source_id]
        findings.append(
            Finding(
                code="FL020",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=(
                    f"source `{source_id}` has no text at facts/sources/{source_id}.txt; "
                    f"the quotes of {len(rows)} fact(s) cannot be verified"
                ),
                facts=tuple(rows["id"]),
                file=str(rows[FILE_COLUMN].iloc[0]),
                line=int(rows[LINE_COLUMN].iloc[0]),
                column="source",
            )
        )
    checked = facts[known_sources & (facts["quote"].str.strip() != "")]
    found: dict[tuple[str, str], bool] = {}
    for key in zip(checked["source"].tolist(), checked["quote"].tolist(), strict=True):
        if key not in found:
            found[key] = normalise(key[1]) in normalised_sources[key[0]]
    present = pd.Series(
        [
            found[key]
            for key in zip(checked["source"].tolist(), checked["quote"].tolist(), strict=True)
        ],
        index=checked.index,
        dtype=bool,
    )
    for _, row in checked[~present].iterrows():
        findings.append(
            Finding(
                code="FL021",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=f"the quote of `{row['id']}` does not occur in source `{row['source']}`",
                facts=(str(row["id"]),),
                file=str(row[FILE_COLUMN]),
                line=int(row[LINE_COLUMN]),
                column="quote",
            )
        )
    stated = checked[present]
    keys = list(
        zip(
            stated["quote"].tolist(), stated["value"].tolist(), stated["unit"].tolist(),
            stated["qualifier"].tolist(), strict=True,
        )
    )
    matches: dict[tuple[str, str, str, str], bool] = {}
    for figure in keys:
        if figure not in matches:
            matches[figure] = figure_matches(*figure)
    ok = pd.Series([matches[figure] for figure in keys], index=stated.index, dtype=bool)
    for _, row in stated[~ok].iterrows():
        expected = format_quantity(str(row["value"]), str(row["unit"]), str(row["qualifier"]))
        findings.append(
            Finding(
                code="FL022",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=(
                    f"`{row['id']}` says {expected!r} ({row['value']} {row['unit']}, "
                    f"{row['qualifier']}) but its quote states "
                    f"{describe_figures(str(row['quote']))}"
                ),
                facts=(str(row["id"]),),
                file=str(row[FILE_COLUMN]),
                line=int(row[LINE_COLUMN]),
                column="value",
            )
        )
    return findings
