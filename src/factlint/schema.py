"""Schema validation of fact tables with pandera, run lazily.

Every bad cell of every row is reported at once, as a finding naming the
fact, its file and line, the column and what was expected. The schema is
built per project because the vocabularies (sources, entities, metrics,
units) come from the project's own registries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

from factlint.findings import Finding, Severity, Status
from factlint.period import period_bounds
from factlint.quantity import QUALIFIERS
from factlint.registry import Registries
from factlint.tables import FILE_COLUMN, LINE_COLUMN

_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"  # ASCII digits only: "１０３" is not a value
_DATE = r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?"

# code -> (column, what was expected)
SCHEMA_CHECKS: dict[str, tuple[str, str]] = {
    "FL001": ("source", "a source id listed in facts/sources.csv"),
    "FL002": ("subject", "an entity id from facts/entities.yaml"),
    "FL003": ("metric", "a metric id from facts/metrics.yaml"),
    "FL004": ("unit", "a unit id from facts/units.yaml"),
    "FL005": (
        "period",
        "a period such as 2022, 2024-H1, 2024-Q3, 2020-07, 2024-09-10 or START/END",
    ),
    "FL006": (
        "value",
        "a number as written (e.g. 103.96, -15.2), a range A-B with qualifier "
        "`range`, or an ISO date for unit `date`",
    ),
    "FL007": ("qualifier", "one of " + ", ".join(QUALIFIERS)),
    "FL008": ("quote", "a non-empty verbatim quote from the source"),
    "FL009": ("id", "a unique, non-empty fact id with no invisible characters"),
    "FL010": ("unit", "a unit whose dimension is the metric's dimension"),
}


def _value_ok(frame: pd.DataFrame, registries: Registries) -> pd.Series:
    value = frame["value"].str.strip()
    date_units = {k: u.dimension == "date" for k, u in registries.units.items()}
    is_date = frame["unit"].map(date_units).fillna(False).astype(bool)
    is_range = frame["qualifier"] == "range"
    number = value.str.fullmatch(_NUMBER)
    ranged = value.str.fullmatch(f"{_NUMBER}-{_NUMBER}")
    dated = value.str.fullmatch(_DATE)
    return (is_date & dated) | (~is_date & is_range & ranged) | (~is_date & ~is_range & number)


# characters that do not show: soft hyphen, zero-width and bidirectional controls, BOM
_INVISIBLE = "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"


def _id_key(ids: pd.Series) -> pd.Series:
    """Ids equal after trimming, NFC normalisation and case folding are one id."""
    return ids.str.strip().str.normalize("NFC").str.casefold()


def _id_ok(ids: pd.Series) -> pd.Series:
    """FL009: an id is non-empty, shows every character it has, and is unique by its key."""
    stripped = ids.str.strip()
    visible = (ids == stripped) & ~ids.str.contains(_INVISIBLE, regex=True)
    return (stripped != "") & visible & ~_id_key(ids).duplicated(keep=False)


def _dimension_ok(frame: pd.DataFrame, registries: Registries) -> pd.Series:
    unit_dim = frame["unit"].map({k: u.dimension for k, u in registries.units.items()})
    metric_dim = frame["metric"].map({k: m.dimension for k, m in registries.metrics.items()})
    known = unit_dim.notna() & metric_dim.notna()
    return ~known | (unit_dim == metric_dim)


def build_schema(registries: Registries, source_ids: set[str]) -> pa.DataFrameSchema:
    def known(values: set[str], code: str) -> pa.Check:
        return pa.Check(lambda s: s.isin(values), error=code)

    def col(*checks: pa.Check) -> pa.Column:
        return pa.Column(str, checks=list(checks), nullable=False, coerce=False)

    def row_check(fn: Callable[[pd.DataFrame], pd.Series], code: str) -> pa.Check:
        return pa.Check(fn, error=code)

    return pa.DataFrameSchema(
        {
            "id": col(pa.Check(_id_ok, error="FL009")),
            "source": col(known(source_ids, "FL001")),
            "subject": col(known(set(registries.entities), "FL002")),
            "metric": col(known(set(registries.metrics), "FL003")),
            "unit": col(known(set(registries.units), "FL004")),
            "period": col(pa.Check(lambda s: period_bounds(s)["valid"], error="FL005")),
            "qualifier": col(known(set(QUALIFIERS), "FL007")),
            "quote": col(pa.Check(lambda s: s.str.strip() != "", error="FL008")),
            "value": col(),
        },
        checks=[
            row_check(lambda d: _value_ok(d, registries), "FL006"),
            row_check(lambda d: _dimension_ok(d, registries), "FL010"),
        ],
        strict=False,
    )


def _message(code: str, row: pd.Series, registries: Registries) -> str:
    column, expected = SCHEMA_CHECKS[code]
    got = str(row[column])
    if code == "FL009" and got.strip():
        hidden = re.search(_INVISIBLE, got)
        if hidden is not None or got != got.strip():
            what = (
                f"holds the invisible character U+{ord(hidden.group()):04X}"
                if hidden else "has leading or trailing spaces"
            )
            return f"fact id {got!r} {what}; expected {expected}"
        return (
            f"fact id `{got}` is used more than once (ids equal after Unicode NFC "
            f"normalisation and case folding are one id); expected {expected}"
        )
    if code == "FL010":
        unit = registries.units[row["unit"]]
        metric = registries.metrics[row["metric"]]
        return (
            f"unit `{unit.id}` measures {unit.dimension} but metric `{metric.id}` "
            f"measures {metric.dimension}; expected {expected}"
        )
    shown = repr(got) if got.strip() else "an empty cell"
    return f"`{column}` is {shown}; expected {expected}"


def validate_facts(
    facts: pd.DataFrame, registries: Registries, source_ids: set[str]
) -> tuple[list[Finding], pd.Series]:
    """Validate lazily; return findings and a mask of the rows that passed every check."""
    schema = build_schema(registries, source_ids)
    try:
        schema.validate(facts, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return [], pd.Series(True, index=facts.index)
    cases = cases[cases["check"].isin(SCHEMA_CHECKS) & cases["index"].notna()]
    cases = cases.drop_duplicates(["check", "index"])
    bad = pd.Series(True, index=facts.index)
    findings: list[Finding] = []
    for code, index in zip(cases["check"], cases["index"].astype(int), strict=True):
        row = facts.loc[index]
        bad.loc[index] = False
        column = SCHEMA_CHECKS[code][0]
        fact_id = str(row["id"]).strip()
        findings.append(
            Finding(
                code=code,
                rule="schema",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=_message(code, row, registries),
                facts=(fact_id,) if fact_id else (),
                file=str(row[FILE_COLUMN]),
                line=int(row[LINE_COLUMN]),
                column=column,
            )
        )
    return findings, bad
