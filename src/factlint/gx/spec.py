"""GX suite files (``checks/gx/*.json``): read and check them without importing GX.

A suite file is the JSON GX itself writes (``suite.to_json_dict()``)::

    {"name": "ftz",
     "meta": {"factlint": {"table": "normalised", "severity": "error"}},
     "expectations": [
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "value_number", "min_value": 0, "max_value": 100,
                    "row_condition": {"type": "comparison", "column": {"name": "is_share"},
                                      "operator": "==", "parameter": true}},
         "meta": {"severity": "warning"}}]}

``meta.factlint`` says which table the suite targets (``facts`` or
``normalised``, see :mod:`factlint.gx.frames`), the severity of its findings
(``error`` by default) and whether derived values join the normalised table
(``include_derived``, false by default). An expectation's ``meta.severity``
overrides the suite's. GX's own ``severity`` field (``critical`` on every
expectation GX writes) is not read.

Row conditions are best written as GX 1.x structured conditions (types
``comparison``, ``nullity``, ``and``, ``or``, as above): GX 1.9 deprecated text
conditions and ``condition_parser``.

What GX would silently drop or only report at run time is an input error here,
naming the file and the expectation: malformed JSON, unknown keys, an
expectation on a column the target table lacks. A text ``row_condition`` with
``condition_parser: pandas`` is held to a small grammar (columns, literals,
comparisons, ``and``/``or``/``not``, ``in [...]``) because pandas evaluates
it, and rule files never reach ``DataFrame.query`` unchecked.
"""

from __future__ import annotations

import io
import json
import keyword
import re
import tokenize
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factlint.errors import RuleSetError
from factlint.findings import Severity

TABLES = ("facts", "normalised")
SUITE_KEYS = frozenset(
    {"name", "id", "expectations", "meta", "notes", "suite_parameters", "data_asset_type",
     "ge_cloud_id"}
)
EXPECTATION_KEYS = frozenset(
    {"type", "expectation_type", "kwargs", "meta", "id", "severity", "notes", "description",
     "rendered_content", "ge_cloud_id", "expectation_context"}
)
FACTLINT_KEYS = frozenset({"table", "severity", "include_derived"})
COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list",)


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a suite file, checked but not yet handed to GX."""

    index: int
    type: str
    config: dict[str, Any]
    """``type``, ``kwargs``, ``meta`` (and ``description``/``notes``) for GX."""
    severity: Severity
    columns: tuple[str, ...]
    """Every column the expectation reads, its row_condition included."""

    @property
    def where(self) -> str:
        return f"expectations[{self.index}] ({self.type})"

    @property
    def kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = self.config["kwargs"]
        return kwargs


@dataclass(frozen=True)
class SuiteSpec:
    """A suite file: its name, target table, severity and expectations."""

    path: Path
    file: str
    """The path as shown in findings (relative to the project root)."""
    name: str
    table: str
    severity: Severity
    include_derived: bool
    expectations: tuple[ExpectationSpec, ...]
    notes: str | None = None

    @property
    def rule(self) -> str:
        """The rule id of the suite's findings (what a waiver names)."""
        return f"gx:{self.name}"


def suite_paths(gx_dir: Path) -> list[Path]:
    """The suite files of a project, in name order."""
    if not gx_dir.is_dir():
        return []
    return sorted(p for p in gx_dir.glob("*.json") if p.is_file())


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _read_json(path: Path, file: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RuleSetError(file, None, "not valid UTF-8 text") from None
    except OSError as exc:
        raise RuleSetError(file, None, f"cannot read: {exc.strerror}") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        where = f"{exc.lineno}:{exc.colno}"
        raise RuleSetError(file, where, f"malformed JSON: {exc.msg}") from None
    except ValueError as exc:
        raise RuleSetError(file, None, f"malformed JSON: {exc}") from None


def _severity(value: Any, file: str, where: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise RuleSetError(
            file, where, f"unknown severity {value!r}; expected error, warning or info"
        ) from None


def _factlint_meta(meta: Any, file: str) -> tuple[str, Severity, bool]:
    if not isinstance(meta, dict):
        raise RuleSetError(file, "meta", "expected a mapping")
    settings = meta.get("factlint")
    if not isinstance(settings, dict):
        raise RuleSetError(
            file, "meta.factlint",
            'expected a mapping such as {"table": "facts", "severity": "error"} that says '
            "which table the suite targets",
        )
    unknown = sorted(set(settings) - FACTLINT_KEYS)
    if unknown:
        raise RuleSetError(
            file, f"meta.factlint.{unknown[0]}",
            "unknown key; expected table, severity, include_derived",
        )
    table = settings.get("table")
    if table not in TABLES:
        raise RuleSetError(
            file, "meta.factlint.table", f"unknown table {table!r}; expected facts or normalised"
        )
    severity = _severity(settings.get("severity", "error"), file, "meta.factlint.severity")
    derived = settings.get("include_derived", False)
    if not isinstance(derived, bool):
        raise RuleSetError(file, "meta.factlint.include_derived", "expected true or false")
    if derived and table != "normalised":
        raise RuleSetError(
            file, "meta.factlint.include_derived",
            "derived values exist only in the normalised table",
        )
    return str(table), severity, derived


def read_suite(path: Path, file: str) -> SuiteSpec:
    """Read and check one suite file (columns are checked later, against the table)."""
    data = _read_json(path, file)
    if not isinstance(data, dict):
        raise RuleSetError(file, None, "expected a JSON object (a GX expectation suite)")
    unknown = sorted(set(data) - SUITE_KEYS)
    if unknown:
        raise RuleSetError(
            file, unknown[0], "unknown key; expected name, expectations, meta (and GX's id, notes)"
        )
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise RuleSetError(
            file, "name", "expected a suite name of letters, digits, `_`, `.` and `-`"
        )
    table, severity, derived = _factlint_meta(data.get("meta"), file)
    items = data.get("expectations")
    if not isinstance(items, list):
        raise RuleSetError(file, "expectations", "expected a list of expectations")
    expectations = tuple(_expectation(item, i, file, severity) for i, item in enumerate(items))
    notes = data.get("notes")
    return SuiteSpec(
        path=path, file=file, name=name, table=table, severity=severity,
        include_derived=derived, expectations=expectations,
        notes=notes if isinstance(notes, str) else None,
    )


def _expectation(item: Any, index: int, file: str, default: Severity) -> ExpectationSpec:
    where = f"expectations[{index}]"
    if not isinstance(item, dict):
        raise RuleSetError(file, where, "expected a mapping with type and kwargs")
    kind = item.get("type", item.get("expectation_type"))
    if not isinstance(kind, str) or not kind:
        raise RuleSetError(file, f"{where}.type", "every expectation needs a type")
    where = f"{where} ({kind})"
    unknown = sorted(set(item) - EXPECTATION_KEYS)
    if unknown:
        raise RuleSetError(
            file, f"{where}.{unknown[0]}", "unknown key; expected type, kwargs, meta"
        )
    kwargs = item.get("kwargs", {})
    meta = item.get("meta") or {}
    if not isinstance(kwargs, dict):
        raise RuleSetError(file, f"{where}.kwargs", "expected a mapping")
    if not isinstance(meta, dict):
        raise RuleSetError(file, f"{where}.meta", "expected a mapping")
    severity = _severity(meta.get("severity", default.value), file, f"{where}.meta.severity")
    columns = _kwarg_columns(kwargs, file, where)
    columns += condition_columns(kwargs, file, where)
    config: dict[str, Any] = {"type": kind, "kwargs": kwargs, "meta": meta}
    for key in ("description", "notes"):
        if item.get(key) is not None:
            config[key] = item[key]
    return ExpectationSpec(
        index=index, type=kind, config=config, severity=severity,
        columns=tuple(dict.fromkeys(columns)),
    )


def _kwarg_columns(kwargs: dict[str, Any], file: str, where: str) -> list[str]:
    found: list[str] = []
    for key in COLUMN_KWARGS:
        if key in kwargs:
            if not isinstance(kwargs[key], str):
                raise RuleSetError(file, f"{where}.kwargs.{key}", "expected a column name")
            found.append(kwargs[key])
    for key in COLUMN_LIST_KWARGS:
        if key in kwargs:
            value = kwargs[key]
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                raise RuleSetError(file, f"{where}.kwargs.{key}", "expected a list of column names")
            found.extend(value)
    return found


# -- row conditions ------------------------------------------------------------------

_CONDITION_WORDS = frozenset({"and", "or", "not", "in", "True", "False"})
_CONDITION_OPS = frozenset({"==", "!=", "<", "<=", ">", ">=", "&", "|", "~", "(", ")", "[", "]",
                            ",", "-"})
_BACKTICK = re.compile(r"`([^`]*)`")
_STRUCTURED = ("comparison", "nullity", "and", "or")
GX_PARSERS = ("great_expectations", "great_expectations__experimental__")
_GX_COLUMN = re.compile(r"""col\(\s*["']([^"']+)["']\s*\)""")


def condition_columns(kwargs: dict[str, Any], file: str, where: str) -> list[str]:
    """The columns a ``row_condition`` reads; reject what is not a plain filter."""
    condition = kwargs.get("row_condition")
    if condition is None:
        return []
    at = f"{where}.kwargs.row_condition"
    if isinstance(condition, str):
        parser = kwargs.get("condition_parser")
        if parser in GX_PARSERS:  # GX's own grammar, parsed by GX: col("x") == "a"
            return _GX_COLUMN.findall(condition)
        if parser != "pandas":
            raise RuleSetError(
                file, f"{where}.kwargs.condition_parser",
                'a row_condition written as text needs "condition_parser": "pandas" '
                '(or "great_expectations"); better, a structured condition',
            )
        return pandas_condition_columns(condition, file, at)
    if isinstance(condition, dict):
        return list(_structured_columns(condition, file, at))
    raise RuleSetError(file, at, "expected a pandas condition string or a GX condition object")


def _structured_columns(condition: dict[str, Any], file: str, at: str) -> Iterator[str]:
    kind = condition.get("type")
    if kind == "pass_through":
        text = condition.get("pass_through_filter")
        if not isinstance(text, str):
            raise RuleSetError(
                file, f"{at}.pass_through_filter", "expected a pandas condition string"
            )
        yield from pandas_condition_columns(text, file, at)
    elif kind in ("and", "or"):
        parts = condition.get("conditions")
        if not isinstance(parts, list) or not parts:
            raise RuleSetError(file, f"{at}.conditions", "expected a non-empty list of conditions")
        for i, part in enumerate(parts):
            if not isinstance(part, dict):
                raise RuleSetError(file, f"{at}.conditions[{i}]", "expected a condition object")
            yield from _structured_columns(part, file, f"{at}.conditions[{i}]")
    elif kind in _STRUCTURED:
        column = condition.get("column")
        name = column.get("name") if isinstance(column, dict) else None
        if not isinstance(name, str):
            raise RuleSetError(file, f"{at}.column", 'expected {"name": "<column>"}')
        yield name
    else:
        raise RuleSetError(
            file, f"{at}.type",
            f"unknown condition type {kind!r}; expected comparison, nullity, and, or, pass_through",
        )


def pandas_condition_columns(text: str, file: str, at: str) -> list[str]:
    """Columns of a pandas query string held to a small grammar (no calls, attributes, ``@``)."""
    columns = [m.group(1) for m in _BACKTICK.finditer(text)]
    plain = _BACKTICK.sub(" 0 ", text)
    try:
        tokens = [
            t for t in tokenize.generate_tokens(io.StringIO(plain).readline)
            if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT,
                              tokenize.DEDENT)
        ]
    except (tokenize.TokenError, SyntaxError, IndentationError) as exc:
        raise RuleSetError(file, at, f"cannot read the condition {text!r}: {exc}") from None
    previous: tokenize.TokenInfo | None = None
    for token in tokens:
        bad = False
        if token.type == tokenize.NAME:
            if token.string not in _CONDITION_WORDS:
                if keyword.iskeyword(token.string):
                    bad = True
                columns.append(token.string)
        elif token.type == tokenize.STRING:
            bad = not re.fullmatch(r"""(['"]).*\1""", token.string, re.DOTALL)
        elif token.type == tokenize.OP:
            bad = token.string not in _CONDITION_OPS
            # a bracket right after a name, a string or a closing bracket is a call or subscript
            if token.string in "([" and previous is not None and (
                previous.type in (tokenize.NAME, tokenize.STRING, tokenize.NUMBER)
                and previous.string not in _CONDITION_WORDS or previous.string in ")]"
            ):
                bad = True
        elif token.type != tokenize.NUMBER:
            bad = True
        if bad:
            raise RuleSetError(
                file, at,
                f"the condition {text!r} uses {token.string!r}; a row_condition may only compare "
                "columns with literals (==, !=, <, <=, >, >=, in [...]) joined by and, or, not",
            )
        previous = token
    if not tokens:
        raise RuleSetError(file, at, "the condition is empty")
    return columns


def check_columns(suite: SuiteSpec, available: Collection[str]) -> None:
    """Every column an expectation reads must exist in the suite's target table."""
    for exp in suite.expectations:
        for column in exp.columns:
            if column not in available:
                shown = ", ".join(sorted(c for c in available if not c.startswith("_")))
                raise RuleSetError(
                    suite.file, exp.where,
                    f"column `{column}` is not in the {suite.table} table; its columns are {shown}",
                )


def load_suites(root: Path) -> list[SuiteSpec]:
    """Every suite file under ``checks/gx/``; suite names must be unique."""
    suites: list[SuiteSpec] = []
    seen: dict[str, str] = {}
    for path in suite_paths(root / "checks" / "gx"):
        file = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        suite = read_suite(path, file)
        if suite.name in seen:
            raise RuleSetError(
                file, "name", f"duplicate suite name `{suite.name}` (also in {seen[suite.name]})"
            )
        seen[suite.name] = file
        suites.append(suite)
    return suites


def suite_rule_ids(root: Path) -> set[str]:
    """The rule ids (``gx:<name>``) of a project's suites, for waivers; GX is not imported."""
    return {s.rule for s in load_suites(root)}


__all__ = [
    "TABLES",
    "ExpectationSpec",
    "SuiteSpec",
    "check_columns",
    "condition_columns",
    "load_suites",
    "pandas_condition_columns",
    "read_suite",
    "suite_paths",
    "suite_rule_ids",
]
