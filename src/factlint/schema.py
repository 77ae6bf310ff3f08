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

Every check but the ids' uniqueness looks at one row at a time, so the run's
cache keeps what passed part by part too: each table whose every row passed,
and the ids of a project that passed. After an edit, only the edited tables'
rows are checked again, and the ids of every table for their uniqueness only
when an id changed. The cache only ever vouches for rows that pass: any doubt
goes to pandera, over every row.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from factlint import period, project, quantity, registry, tables, yamlio
from factlint.cache import Cache, generation
from factlint.cache import current as current_cache
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


def per_distinct(values: pd.Series, check: Callable[[pd.Series], object]) -> np.ndarray:
    """An element-wise ``check`` evaluated once per distinct value (columns repeat values).

    ``check`` gets the distinct values (a Series of ``values``' dtype) and gives one
    result each; they come back one per row, as an array.
    """
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    results: np.ndarray = np.asarray(check(pd.Series(distinct, dtype=values.dtype)))[codes]
    return results


_FORMS = (re.compile(_NUMBER), re.compile(f"{_NUMBER}-{_NUMBER}"), re.compile(_DATE))
"""The forms a value may be written in: a number, a range, a date (by its row)."""


def _written_in(form: re.Pattern[str]) -> Callable[[pd.Series], np.ndarray]:
    """Per value: whether it is written in ``form`` once trimmed."""

    def check(values: pd.Series) -> np.ndarray:
        if _all_text(values):
            # a compiled pattern on Python strings: pandas' string accessor costs
            # several times more per value, and there are tens of thousands of them
            return np.fromiter(
                (form.fullmatch(v) is not None for v in map(str.strip, values.tolist())),
                dtype=bool, count=len(values),
            )
        # a missing value matches nothing
        matched: np.ndarray = values.str.strip().str.fullmatch(form.pattern).to_numpy(
            dtype=bool, na_value=False
        )
        return matched

    return check


_DIGIT_0, _DIGIT_9, _MINUS, _POINT, _BREAK = ord("0"), ord("9"), ord("-"), ord("."), ord("\n")


def _plain_numbers(values: pd.Series) -> bool:
    """Whether every value is written as a number (:data:`_NUMBER`) as it stands, vouched
    for by a vectorised scan of all of them joined by line breaks; False at any doubt.

    Hashing a million values to look at each distinct one costs several times more.
    In the joined bytes, every byte is a digit, a minus, a point or a break (so no
    value holds a space to trim, or a break of its own: there are as many breaks as
    values, less one); a minus opens a value and a digit follows it; a digit stands
    on each side of a point, and no value has two points; no value is empty.
    """
    texts = _texts(values)
    if not texts:
        return False
    try:
        joined = "\n".join(texts)
    except TypeError:
        return False  # a missing value
    if not joined or not joined.isascii() or joined.count("\n") != len(texts) - 1:
        return False
    octets = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    digit = (octets >= _DIGIT_0) & (octets <= _DIGIT_9)
    minus, point, brk = octets == _MINUS, octets == _POINT, octets == _BREAK
    if not (digit | minus | point | brk).all():
        return False
    # a stand-in break before the first byte and after the last one
    before = np.concatenate(([True], brk[:-1]))
    digit_after = np.concatenate((digit[1:], [False]))
    digit_before = np.concatenate(([False], digit[:-1]))
    if (minus & ~(before & digit_after)).any() or (point & ~(digit_before & digit_after)).any():
        return False
    if brk[0] or brk[-1] or (brk[1:] & brk[:-1]).any():
        return False  # an empty value
    points = np.flatnonzero(point)
    value_of_point = np.cumsum(brk, dtype=np.int64)[points]
    return not (np.diff(value_of_point) == 0).any()


def _value_ok(frame: pd.DataFrame, registries: Registries) -> pd.Series:
    """FL006: each value is written in the form its row asks for: a date for unit
    ``date``, else a range for qualifier ``range``, else a number."""
    date_units = {k for k, u in registries.units.items() if u.dimension == "date"}
    is_date = frame["unit"].isin(date_units).to_numpy(dtype=bool)
    is_range = frame["qualifier"].isin(("range",)).to_numpy(dtype=bool)
    needed = np.where(is_date, 2, np.where(is_range, 1, 0))
    values = frame["value"]
    ok = np.zeros(len(frame), dtype=bool)
    for index, form in enumerate(_FORMS):
        rows = needed == index
        if not rows.any():
            continue
        asked = values if rows.all() else values[rows]
        if index == 0 and _plain_numbers(asked):
            ok[rows] = True  # the usual case: every value a number as it stands
        else:
            ok[rows] = per_distinct(asked, _written_in(form))
    return pd.Series(ok, index=frame.index, dtype=bool)


# characters that do not show: soft hyphen, zero-width and bidirectional controls, BOM
_INVISIBLE = "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"


def _all_text(column: pd.Series) -> bool:
    """Whether every cell is a Python string (a string column without missing values)."""
    return isinstance(column.dtype, pd.StringDtype) and not column.hasnans


def _texts(column: pd.Series) -> list[str] | None:
    """The cells of a string column as a list (else None).

    Calling a ``str`` method on each element of the list costs a fraction of what
    pandas' string accessor does, which wraps every call to handle missing values.
    A missing cell stays in the list as NaN, on which ``str`` methods called as
    ``str.method(cell)`` raise TypeError: the callers catch it and leave the column
    to pandas, rather than pay for a pass looking for missing cells first.
    """
    return column.tolist() if isinstance(column.dtype, pd.StringDtype) else None


def _id_key(ids: pd.Series) -> pd.Series:
    """Ids equal after trimming, NFC normalisation and case folding are one id."""
    return ids.str.strip().str.normalize("NFC").str.casefold()


def _id_ok(ids: pd.Series) -> pd.Series:
    """FL009: an id is non-empty, shows every character it has, and is unique by its key."""
    values = _texts(ids)
    if values is not None:
        try:
            joined = "".join(values)
        except TypeError:
            pass  # a missing id
        else:
            if joined.isascii():
                return _ascii_id_ok(ids, values, joined)
    stripped = ids.str.strip()
    visible = (ids == stripped) & ~ids.str.contains(_INVISIBLE, regex=True)
    return (stripped != "") & visible & ~_id_key(ids).duplicated(keep=False)


def _ascii_id_ok(ids: pd.Series, values: list[str], joined: str) -> pd.Series:
    """:func:`_id_ok` for ASCII ids (``joined`` is all of them in one string): no
    character is invisible, NFC leaves every id as it is and case folding is
    lower-casing, so the key is the trimmed id in lower case.

    ``map`` over the list runs the string methods without a Python loop, and
    ``strip`` gives back the very string when it has nothing to trim: the usual
    case (every id shown as it is, no two alike) costs a few passes over a list.
    """
    stripped = list(map(str.strip, values))
    if stripped == values and all(values):
        shown = np.ones(len(values), dtype=bool)
    else:
        shown = np.array([s != "" and s == v for v, s in zip(values, stripped, strict=True)],
                         dtype=bool)
    keys = _ascii_keys(stripped, joined)
    if _all_distinct(keys):  # the usual case, and cheaper than marking duplicates
        return pd.Series(shown, index=ids.index, dtype=bool)
    repeated = pd.Series(keys).duplicated(keep=False).to_numpy()
    return pd.Series(shown & ~repeated, index=ids.index, dtype=bool)


def _ascii_keys(ids: list[str], joined: str) -> list[str]:
    """The keys of trimmed ASCII ids (``joined``: the ids before trimming, in one string)."""
    # most ids are in lower case already: lower-case them one by one only if not
    return ids if joined.lower() == joined else list(map(str.lower, ids))


def _ids_distinct(ids: pd.Series) -> bool:
    """Whether no two ids share a key (:func:`_id_key`), for ids each shown as it is
    (FL009 holds on each table on its own): what FL009 asks across tables. False at
    any doubt."""
    values = _texts(ids)
    if values is not None:
        try:
            joined = "".join(values)
        except TypeError:
            return False  # a missing id
        if joined.isascii():
            return _all_distinct(_ascii_keys(values, joined))
    try:
        return not bool(_id_key(ids).duplicated().any())
    except (AttributeError, TypeError):
        return False  # not text: pandera decides


def _all_distinct(keys: list[str]) -> bool:
    """Whether no two of ``keys`` are equal.

    Different hashes mean different strings, and a table of a million integers
    costs a fraction of a set of a million strings; only equal hashes (a
    duplicate, or a rare collision) need the strings compared.
    """
    hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=len(keys))
    return bool(pd.Index(hashes).is_unique) or len(set(keys)) == len(keys)


def _quote_ok(quotes: pd.Series) -> pd.Series:
    """FL008: a quote holds more than spaces (each quote looked at once: most are unique)."""
    values = _texts(quotes)
    if values is not None:
        # ``strip()`` removes exactly the characters for which ``isspace()`` holds; the
        # usual case (no quote empty or blank) is two passes of C loops over the list
        try:
            if all(values) and not any(map(str.isspace, values)):
                return pd.Series(True, index=quotes.index, dtype=bool)
            return pd.Series([v != "" and not str.isspace(v) for v in values],
                             index=quotes.index, dtype=bool)
        except TypeError:
            pass  # a missing quote
    return pd.Series(per_distinct(quotes, lambda d: d.str.strip() != ""), index=quotes.index)


def _dimension_numbers(column: pd.Series, dimension_of: dict[str, str],
                       numbers: dict[str, int]) -> np.ndarray:
    """Per row, the number of the dimension of the row's id, or -1 for an unknown id
    (looked up once per distinct id)."""
    def number(distinct: pd.Series) -> np.ndarray:
        found = [numbers[dimension_of[v]] if v in dimension_of else -1 for v in distinct]
        return np.asarray(found, dtype=np.int64)

    return per_distinct(column, number)


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


def _code() -> str:
    """The generation of the code that reads and checks the facts (:func:`generation`)."""
    return generation(
        sys.modules[__name__], period, quantity, registry, tables, project, yamlio,
        extra=f"{pd.__version__} {np.__version__} {sys.version}",
    )


Runs = list[tuple[str, int]]


def _rows_of(runs: Runs, files: Collection[str]) -> np.ndarray:
    """The positions of the rows read from ``files``."""
    positions = []
    at = 0
    for name, count in runs:
        if name in files:
            positions.append(np.arange(at, at + count))
        at += count
    return np.concatenate(positions) if positions else np.empty(0, dtype=np.int64)


def _passed_before(digests: Mapping[str, str]) -> str:
    """The cache entry saying that facts loaded from these very files passed every check.

    The facts, the source ids and the registries all come from the files directly in
    ``facts/``, so their digests and the code that reads and checks them make the key.
    """
    return f"schema-{_code()}-{project.facts_digest(digests)}.json"


def _table_keys(files: Collection[str], digests: Mapping[str, str]) -> dict[str, str]:
    """A key per fact table (by its project path) from its digest and those of the
    sources table and the registries, which the checks of its rows depend on."""
    vocabularies = project.vocabularies_digest(digests)
    return {
        name: hashlib.sha256(f"{digests[name]}\0{vocabularies}".encode()).hexdigest()
        for name in files
    }


def _ids_digest(ids: pd.Series) -> str | None:
    """A digest of the ids in row order; None unless all are text without a NUL (which
    would make joining them ambiguous)."""
    values = _texts(ids)
    if not values:
        return None
    try:
        joined = "\0".join(values)
    except TypeError:
        return None  # a missing id
    if joined.count("\0") != len(values) - 1:
        return None
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


#: the most parts of each kind the cache keeps as passed (the latest ones)
MAX_PASSED_PARTS = 10_000


@dataclass
class _PassedParts:
    """What the run's cache says passed, part by part.

    ``tables``: the keys (:func:`_table_keys`) of tables whose every row passed every
    check, the ids' uniqueness among them included; the same table with the same
    vocabularies passes again without a row being looked at. ``ids``: the digests
    (:func:`_ids_digest`) of the ids of projects that passed, no two of which share
    a key; an edit that leaves every id as it was needs no look at their uniqueness.
    """

    tables: list[str]
    ids: list[str]

    @staticmethod
    def entry() -> str:
        return f"schema-{_code()}-parts.json"

    @classmethod
    def read(cls, store: Cache) -> _PassedParts:
        """The parts stored (oldest first); none when missing or malformed."""
        stored = store.read_json(cls.entry())
        if not isinstance(stored, dict):
            return cls([], [])
        return cls(_texts_in(stored.get("tables")), _texts_in(stored.get("ids")))

    def remember(self, store: Cache, tables: Collection[str], ids: str | None) -> None:
        """Store these parts as passed too (and keep the latest :data:`MAX_PASSED_PARTS`)."""
        known = set(self.tables)
        fresh_tables = [k for k in tables if k not in known]
        fresh_ids = [ids] if ids is not None and ids not in self.ids else []
        if fresh_tables or fresh_ids:
            store.write_json(self.entry(), {
                "tables": (self.tables + fresh_tables)[-MAX_PASSED_PARTS:],
                "ids": (self.ids + fresh_ids)[-MAX_PASSED_PARTS:],
            })


def _texts_in(found: object) -> list[str]:
    return [k for k in found if isinstance(k, str)] if isinstance(found, list) else []


def _every_row_passes_but(
    facts: pd.DataFrame,
    registries: Registries,
    source_ids: set[str],
    rows: np.ndarray | None,
    *,
    distinct_ids: bool,
) -> bool:
    """:func:`_every_row_passes`, knowing that the rows other than those at the positions
    ``rows`` (None: all) pass on their own table's terms, and (``distinct_ids``) that
    no two ids share a key: the other rows are left out but for their ids, and those
    too when they are known to be distinct."""
    if rows is None or len(rows) == len(facts):
        return _every_row_passes(facts, registries, source_ids)
    rest = facts.take(rows)
    if not (rest.empty or _every_row_passes(rest, registries, source_ids)):
        return False
    return distinct_ids or _ids_distinct(facts["id"])


def validate_facts(
    facts: pd.DataFrame,
    registries: Registries,
    source_ids: set[str],
    *,
    digests: Mapping[str, str] | None = None,
) -> tuple[list[Finding], pd.Series]:
    """Validate lazily; return findings and a mask of the rows that passed every check.

    With ``digests`` (the SHA-256 of each input by its project path, as in
    ``Project.inputs``, for facts loaded from those files) the run's cache
    (:mod:`factlint.cache`) remembers a project whose every row passed, and its
    parts (:class:`_PassedParts`): loaded again from the same files, the project
    passes without a row being looked at, and after an edit only the rows of the
    edited tables are (and the ids of all, unless none changed).
    """
    store = current_cache()
    runs = project.file_runs(facts, digests) if store is not None and digests else None
    every_row: tuple[list[Finding], pd.Series] = [], pd.Series(True, index=facts.index)
    if store is None or digests is None or runs is None:
        failed = _failures(facts, registries, source_ids)
        return every_row if failed is None else failed
    entry = _passed_before(digests)
    if store.read_json(entry) is True:
        return every_row
    table_keys = _table_keys({name for name, _ in runs}, digests)
    parts = _PassedParts.read(store)
    passed = set(parts.tables)
    unknown = {name for name, key in table_keys.items() if key not in passed}
    ids = _ids_digest(facts["id"])
    failed = _failures(facts, registries, source_ids, _rows_of(runs, unknown),
                       distinct_ids=ids is not None and ids in parts.ids)
    if failed is not None:
        return failed
    store.write_json(entry, True)  # the next run over the same files looks at no row
    parts.remember(store, table_keys.values(), ids)
    return every_row


def _failures(
    facts: pd.DataFrame,
    registries: Registries,
    source_ids: set[str],
    rows: np.ndarray | None = None,
    *,
    distinct_ids: bool = False,
) -> tuple[list[Finding], pd.Series] | None:
    """The findings and the mask of the rows that passed every check; None when every
    row passes (``rows`` and ``distinct_ids`` as for :func:`_every_row_passes_but`)."""
    if _every_row_passes_but(facts, registries, source_ids, rows, distinct_ids=distinct_ids):
        return None
    # the quick look has a doubt: pandera decides, and its failures become findings
    failures = _pandera_failures(facts, registries, source_ids)
    return None if failures is None else _findings(failures, facts, registries)


def _pandera_failures(
    facts: pd.DataFrame, registries: Registries, source_ids: set[str]
) -> pd.DataFrame | None:
    """pandera's failure cases over every row, or None when every row passes."""
    import pandera.pandas as pa

    try:
        build_schema(registries, source_ids).validate(facts, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases: pd.DataFrame = exc.failure_cases
        return cases
    return None


def _findings(
    cases: pd.DataFrame, facts: pd.DataFrame, registries: Registries
) -> tuple[list[Finding], pd.Series]:
    """A finding per failing check of each row, and the mask of the rows with none."""
    cases = cases[cases["check"].isin(SCHEMA_CHECKS) & cases["index"].notna()]
    cases = cases.drop_duplicates(["check", "index"])
    passing = pd.Series(True, index=facts.index)
    findings: list[Finding] = []
    for code, index in zip(cases["check"], cases["index"].astype(int), strict=True):
        row = facts.loc[index]
        passing.loc[index] = False
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
    return findings, passing
