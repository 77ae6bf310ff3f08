"""Schema validation of fact tables with pandera, run lazily.

Every bad cell of every row is reported at once, as a finding naming the
fact, its file and line, the column and what was expected. The schema is
built per project because the vocabularies (sources, entities, metrics,
units) come from the project's own registries.

The checks are vectorised functions of a column or of the table. They are
first evaluated directly: when every row passes (the usual case) there is
nothing for pandera to collect, and neither its import nor its bookkeeping
is paid for. Otherwise pandera validates the table lazily and its failure
cases become the findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from factlint.findings import Finding, Severity, Status
from factlint.period import period_bounds
from factlint.quantity import QUALIFIERS
from factlint.registry import Registries
from factlint.tables import FILE_COLUMN, LINE_COLUMN

if TYPE_CHECKING:
    import pandera.pandas as pa

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


def per_distinct(values: pd.Series, check: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """An element-wise ``check`` evaluated once per distinct value (columns repeat values)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    result = check(pd.Series(distinct, dtype=values.dtype)).to_numpy()
    return pd.Series(result[codes], index=values.index)


def _value_ok(frame: pd.DataFrame, registries: Registries) -> pd.Series:
    is_date = frame["unit"].isin({k for k, u in registries.units.items() if u.dimension == "date"})
    is_range = frame["qualifier"] == "range"

    # each distinct value is trimmed once and matched against the three forms
    values = frame["value"]
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    written = pd.Series(distinct, dtype=values.dtype).str.strip()

    def written_as(pattern: str) -> pd.Series:
        return pd.Series(written.str.fullmatch(pattern).to_numpy()[codes], index=values.index)

    number = written_as(_NUMBER)
    ranged = written_as(f"{_NUMBER}-{_NUMBER}")
    dated = written_as(_DATE)
    return (is_date & dated) | (~is_date & is_range & ranged) | (~is_date & ~is_range & number)


# characters that do not show: soft hyphen, zero-width and bidirectional controls, BOM
_INVISIBLE = "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"


def _texts(column: pd.Series) -> list[str] | None:
    """The cells as Python strings, or None when a cell is missing or the column not text.

    Calling a ``str`` method on each element of the list costs a fraction of what
    pandas' string accessor does, which wraps every call to handle missing values.
    """
    if isinstance(column.dtype, pd.StringDtype) and not column.hasnans:
        return column.tolist()  # type: ignore[no-any-return]
    return None


def _id_key(ids: pd.Series) -> pd.Series:
    """Ids equal after trimming, NFC normalisation and case folding are one id."""
    return ids.str.strip().str.normalize("NFC").str.casefold()


def _id_ok(ids: pd.Series) -> pd.Series:
    """FL009: an id is non-empty, shows every character it has, and is unique by its key."""
    values = _texts(ids)
    if values is not None:
        joined = "".join(values)
        if joined.isascii():
            return _ascii_id_ok(ids, values, joined)
    stripped = ids.str.strip()
    visible = (ids == stripped) & ~ids.str.contains(_INVISIBLE, regex=True)
    return (stripped != "") & visible & ~_id_key(ids).duplicated(keep=False)


def _ascii_id_ok(ids: pd.Series, values: list[str], joined: str) -> pd.Series:
    """:func:`_id_ok` for ASCII ids (``joined`` is all of them in one string): no
    character is invisible, NFC leaves every id as it is and case folding is
    lower-casing, so the key is the trimmed id in lower case."""
    stripped = [v.strip() for v in values]
    shown = np.array([s != "" and s == v for v, s in zip(values, stripped, strict=True)])
    # most ids are in lower case already: lower-case them one by one only if not
    keys = stripped if joined.lower() == joined else [s.lower() for s in stripped]
    if len(set(keys)) == len(keys):  # the usual case, and cheaper than marking duplicates
        return pd.Series(shown, index=ids.index, dtype=bool)
    repeated = pd.Series(keys).duplicated(keep=False).to_numpy()
    return pd.Series(shown & ~repeated, index=ids.index, dtype=bool)


def _quote_ok(quotes: pd.Series) -> pd.Series:
    """FL008: a quote holds more than spaces (each quote looked at once: most are unique)."""
    values = _texts(quotes)
    if values is None:
        return per_distinct(quotes, lambda d: d.str.strip() != "")
    # ``strip()`` removes exactly the characters for which ``isspace()`` holds
    return pd.Series([v != "" and not v.isspace() for v in values], index=quotes.index,
                     dtype=bool)


def _dimension_numbers(column: pd.Series, dimension_of: dict[str, str],
                       numbers: dict[str, int]) -> np.ndarray:
    """Per row, the number of the dimension of the row's id, or -1 for an unknown id
    (looked up once per distinct id)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    found = [numbers[dimension_of[v]] if v in dimension_of else -1 for v in distinct]
    numbered: np.ndarray = np.asarray(found, dtype=np.int64)[codes]
    return numbered


def _dimension_ok(frame: pd.DataFrame, registries: Registries) -> pd.Series:
    unit_dims = {k: u.dimension for k, u in registries.units.items()}
    metric_dims = {k: m.dimension for k, m in registries.metrics.items()}
    numbers = {d: n for n, d in enumerate(sorted({*unit_dims.values(), *metric_dims.values()}))}
    unit_dim = _dimension_numbers(frame["unit"], unit_dims, numbers)
    metric_dim = _dimension_numbers(frame["metric"], metric_dims, numbers)
    known = (unit_dim >= 0) & (metric_dim >= 0)
    return pd.Series(~known | (unit_dim == metric_dim), index=frame.index)


ColumnCheck = Callable[[pd.Series], pd.Series]
RowCheck = Callable[[pd.DataFrame], pd.Series]
#: the schema's columns, in order (``value`` is checked with its row)
SCHEMA_COLUMNS = ("id", "source", "subject", "metric", "unit", "period", "qualifier", "quote",
                  "value")


def schema_checks(
    registries: Registries, source_ids: set[str]
) -> tuple[dict[str, tuple[str, ColumnCheck]], dict[str, RowCheck]]:
    """code -> (column, check of the column), and code -> check of the whole table."""

    def known(values: set[str]) -> ColumnCheck:
        return lambda s: s.isin(values)

    columns: dict[str, tuple[str, ColumnCheck]] = {
        "FL009": ("id", _id_ok),
        "FL001": ("source", known(source_ids)),
        "FL002": ("subject", known(set(registries.entities))),
        "FL003": ("metric", known(set(registries.metrics))),
        "FL004": ("unit", known(set(registries.units))),
        "FL005": ("period", lambda s: period_bounds(s)["valid"]),
        "FL007": ("qualifier", known(set(QUALIFIERS))),
        "FL008": ("quote", _quote_ok),
    }
    rows: dict[str, RowCheck] = {
        "FL006": lambda d: _value_ok(d, registries),
        "FL010": lambda d: _dimension_ok(d, registries),
    }
    return columns, rows


def build_schema(registries: Registries, source_ids: set[str]) -> pa.DataFrameSchema:
    import pandera.pandas as pa

    columns, rows = schema_checks(registries, source_ids)
    checks: dict[str, list[pa.Check]] = {name: [] for name in SCHEMA_COLUMNS}
    for code, (name, check) in columns.items():
        checks[name].append(pa.Check(check, error=code))
    return pa.DataFrameSchema(
        {
            name: pa.Column(str, checks=checks[name], nullable=False, coerce=False)
            for name in SCHEMA_COLUMNS
        },
        checks=[pa.Check(check, error=code) for code, check in rows.items()],
        strict=False,
    )


def _every_row_passes(facts: pd.DataFrame, registries: Registries, source_ids: set[str]) -> bool:
    """Every check holds on every row, evaluated directly; False at any doubt."""
    if any(name not in facts.columns for name in SCHEMA_COLUMNS):
        return False
    def holds(mask: pd.Series) -> bool:
        values = np.asarray(mask)
        return values.dtype == np.bool_ and bool(values.all())  # a missing value is a doubt

    columns, rows = schema_checks(registries, source_ids)
    try:
        return all(holds(check(facts[name])) for name, check in columns.values()) and all(
            holds(check(facts)) for check in rows.values()
        )
    except Exception:  # noqa: BLE001 - pandera decides, and reports, what a check cannot read
        return False


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
    if _every_row_passes(facts, registries, source_ids):
        return [], pd.Series(True, index=facts.index)
    import pandera.pandas as pa

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
