"""Fuzzing the parsers with hypothesis (bounded, so CI stays fast), and two properties:
findings do not depend on row order, and a fact table survives load -> write -> load.

Each parser may fail only in its documented way: ``parse_quantity`` with
QuantityError, ``find_quantities`` never; ``read_table`` with TableError; the
YAML loaders and the rule-set loader with InputError subclasses;
``parse_formula`` with FormulaError. Anything else escaping is a bug that the
CLI would report as an internal error (exit 3).
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from factlint.engine import run_check
from factlint.errors import FormulaError, InputError, TableError
from factlint.formula import parse_formula
from factlint.project import fact_table_paths
from factlint.quantity import QuantityError, find_quantities, parse_quantity
from factlint.registry import Registries, load_registries
from factlint.rules import load_kinds
from factlint.rules.loader import load_rule_sets
from factlint.tables import FILE_COLUMN, LINE_COLUMN, read_table
from factlint.yamlio import load_yaml_text
from tests.conftest import REGISTRY

FUZZ = settings(
    max_examples=200, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def joined(tokens: list[str], *, max_size: int = 30) -> st.SearchStrategy[str]:
    """Texts made of ``tokens`` glued with and without spaces."""
    pieces = st.lists(st.sampled_from(tokens), max_size=max_size)
    return st.one_of(pieces.map("".join), pieces.map(" ".join))


# -- the quantity parser ---------------------------------------------------------------

QUANTITY_TOKENS = [
    "103.96", "4.1", "3,500", "1,234.5", "1.234,5", "0.4", "20.8", "%", "percent", "22", "007",
    "billion", "trillion", "million", "hundred million", "ten thousand", "thousand", "yuan",
    "US dollars", "square kilometers", "km2", "sq km", "less than", "more than", "about",
    "nearly", "close to", "at least", "at most", "up to", "over", "around", "some", "roughly",
    "亿元", "万亿元", "万", "平方公里", "超", "约", "近", "个", "%", "-", "–", "—", "~", "to",
    "and", "or", "per day", "a day", "every day", "day", "days", "hours", "year", "2024",
    "2020-07", "2024-H1", "April 1", "September 10, 2024", "first half of", "H1", "Q3",
    "year-on-year", "up", "down", "by", "fell", "rose", "(", ")", ",", ".", " ", "\u2212",
    "\u00a0", "\u202f", "\u200b", "1e309", "9" * 400, "0" * 40, "COVID-19", "G20", "20th",
    "No.", "#", "the", "a", "zones", "\n", "½", "①", "٣", "３", "NaN", "inf", "∞",
]
quantity_texts = st.one_of(st.text(max_size=120), joined(QUANTITY_TOKENS))


@FUZZ
@given(quantity_texts)
def test_find_quantities_never_raises(text: str) -> None:
    for q in find_quantities(text):
        assert 0 <= q.start <= q.end <= len(text)


@FUZZ
@given(quantity_texts)
def test_parse_quantity_raises_only_quantity_error(text: str) -> None:
    try:
        q = parse_quantity(text)
    except QuantityError:
        return
    assert isinstance(q.value, str) and isinstance(q.unit, str)


# -- the CSV loader --------------------------------------------------------------------

CSV_TOKENS = [
    "id", "quote", "value", "note", ",", ",", '"', '""', "\n", "\n", "\r\n", "\r", "a", "b", "1",
    "4.10", " ", "\t", "\ufeff", "é", "中文", "\u200b", "\u202e", "\x00", "\x1b", "NA", "null",
    "=1+1", "#", "'", "\\", "x" * 300,
]
csv_bytes = st.one_of(
    st.binary(max_size=600),
    joined(CSV_TOKENS, max_size=60).map(lambda t: t.encode("utf-8")),
    st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"id,quote\n"]),
              joined(CSV_TOKENS, max_size=40)).map(lambda p: p[0] + p[1].encode("utf-8")),
)


@FUZZ
@given(data=csv_bytes)
def test_read_table_raises_only_table_error(data: bytes, tmp_path_factory: pytest.TempPathFactory
                                            ) -> None:
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(data)
    try:
        frame = read_table(path, required=("id",), display="facts/t.csv")
    except TableError as exc:
        assert exc.path == "facts/t.csv"
        return
    lines = frame[LINE_COLUMN].tolist()
    assert all(isinstance(n, int) and n >= 2 for n in lines)
    assert lines == sorted(set(lines)), "line numbers must increase"


# -- the YAML loaders -------------------------------------------------------------------

YAML_TOKENS = [
    "rules:", "settings:", "waivers:", "\n", "\n", "  ", "    ", "- ", "id:", "kind:", "bound",
    "value:", "&a ", "*a", "<<: ", "!!python/object/apply:os.system ", "!!python/name:os.system",
    "!!binary ", "!!set ", "!!omap ", "!!timestamp ", "!foo ", "{", "}", "[", "]", ":", ", ",
    "---", "...", "? ", "|", ">", "'", '"', "#", "\t", "yes", "on", "~", "null", ".nan", ".inf",
    "1e309", "2024-13-45", "2024-01-01", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\x00",
    "\ufeff", "\u202e", "9" * 5000, "0x1F", "0o17", "1_000", "é",
]
yaml_texts = st.one_of(st.text(max_size=200), joined(YAML_TOKENS, max_size=50))


@FUZZ
@given(yaml_texts)
def test_load_yaml_text_raises_only_input_error(text: str) -> None:
    try:
        load_yaml_text(text, "checks/x.yaml")
    except InputError as exc:
        assert exc.path == "checks/x.yaml"
        assert "\n" not in str(exc)


PADDING = "# " + "padding " * 9000 + "\n"  # over 64 KiB: long documents may take another parser


@FUZZ
@given(yaml_texts)
def test_long_yaml_raises_only_input_error(text: str) -> None:
    try:
        load_yaml_text(PADDING + text, "checks/x.yaml")
    except InputError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: 1\na: 2\n", "duplicate key"),
        ("a: !!python/object/apply:os.system [x]\n", "is not allowed"),
        ("a: !!set {x}\n", "is not allowed"),
        ("a: &x [1]\nb: *x\n", "aliases"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nesting deeper"),
        ("a: 1\n---\nb: 2\n", "one YAML document"),
        ("a: 2024-13-45\n", "is not a date"),
        ("<<: {a: 1}\n", "merge keys"),
    ],
)
def test_long_documents_are_as_strict_as_short_ones(text: str, problem: str) -> None:
    for document in (text, PADDING + text):
        with pytest.raises(InputError, match=re.escape(problem)):
            load_yaml_text(document, "checks/x.yaml")


@pytest.fixture(scope="module")
def registries() -> Registries:
    return load_registries(REGISTRY)


def _vocabulary() -> tuple[list[str], list[str]]:
    kinds = load_kinds()
    keys = {"id", "kind", "severity", "description"}
    for kind in kinds.values():
        keys |= set(kind.params.model_fields)
    return sorted(kinds), sorted(keys)


KIND_NAMES, PARAM_KEYS = _vocabulary()
SELECTOR_KEYS = ["id", "source", "subject", "metric", "period", "unit", "qualifier", "member_of",
                 "subject_kind", "derived", "colour"]
NAMES = ["area_share", "amount", "amount_share", "zone_count", "zones", "country", "z1", "percent",
         "count", "billion yuan", "2024-H1", "2024", "exact", "zone", "nope", "a + b == c",
         "sum(parts) <= total", "==", "<=", "subject", "period", "member"]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.sampled_from(NAMES), st.text(max_size=20),
)
selectors = st.dictionaries(
    st.sampled_from(SELECTOR_KEYS),
    st.one_of(st.sampled_from(NAMES), st.lists(st.sampled_from(NAMES), max_size=3), scalars),
    max_size=4,
)
values = st.recursive(
    st.one_of(scalars, selectors),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(PARAM_KEYS), inner, max_size=3)),
    max_leaves=12,
)
rules = st.fixed_dictionaries(
    {"id": st.one_of(st.sampled_from(["r1", "r2", "R1", "on"]), scalars),
     "kind": st.one_of(st.sampled_from(KIND_NAMES), scalars),
     "description": st.one_of(st.just("A rule."), scalars)},
    optional={"severity": st.sampled_from(["error", "warning", "info", "fatal"])},
).flatmap(
    lambda base: st.dictionaries(st.sampled_from(PARAM_KEYS), values, max_size=6).map(
        lambda extra: {**base, **{k: v for k, v in extra.items() if k not in base}}
    )
)
rule_files = st.one_of(
    st.fixed_dictionaries(
        {"rules": st.lists(rules, max_size=3)},
        optional={"settings": st.dictionaries(st.sampled_from(["approx_tolerance", "x"]), scalars,
                                              max_size=2)},
    ),
    values,
)


@FUZZ
@given(document=rule_files)
def test_rule_set_loading_raises_only_input_errors(
    document: Any, registries: Registries, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("rules")
    (root / "checks").mkdir()
    (root / "checks" / "rules.yaml").write_text(yaml.safe_dump(document, allow_unicode=True),
                                                encoding="utf-8")
    try:
        rule_set = load_rule_sets(root / "checks", registries, root=root)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert all(isinstance(rule.id, str) for rule in rule_set.rules)


@FUZZ
@given(text=yaml_texts)
def test_rule_set_loading_of_raw_text_raises_only_input_errors(
    text: str, registries: Registries, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("raw")
    (root / "checks").mkdir()
    (root / "checks" / "rules.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_rule_sets(root / "checks", registries, root=root)
    except InputError:
        pass


# -- the formula grammar -------------------------------------------------------------------

FORMULA_NAMES = {"a", "b", "total", "parts", "share"}
FORMULA_TOKENS = [
    "a", "b", "total", "parts", "share", "x", "1", "0", "100", "0.4", "1e309", "9" * 500, "+", "-",
    "*", "/", "**", "%", "//", "@", "==", "<", "<=", ">", ">=", "!=", " and ", " or ", "not ",
    "(", ")", "[", "]", ".", ",", "sum", "min", "max", "abs", "eval", "exec", "__import__",
    "lambda x: x", "'s'", '"', "f'{a}'", "{", "}", ":=", " if ", " else ", "\n", "\\", "#", " ",
    "__class__", "os.system", "*a", "**a", "a.b", "a[0]", "yield", "await", "\x00", "é", "٣",
]
formula_texts = st.one_of(
    st.text(max_size=100),
    joined(FORMULA_TOKENS, max_size=40),
    st.integers(1, 3000).map(lambda n: "(" * n + "a" + ")" * n + " == b"),
    st.integers(1, 3000).map(lambda n: "-" * n + "a == b"),
    st.integers(1, 3000).map(lambda n: "a" + " + a" * n + " == b"),
)


@FUZZ
@given(formula_texts)
def test_parse_formula_raises_only_formula_error(text: str) -> None:
    try:
        formula = parse_formula(text, names=FORMULA_NAMES, where="rules[f].formula",
                                path="checks/f.yaml")
    except FormulaError as exc:
        assert exc.path == "checks/f.yaml"
        return
    assert set(formula.variables) <= FORMULA_NAMES


# -- properties ----------------------------------------------------------------------------


def _finding_keys(root: Path) -> set[tuple[str, str, tuple[str, ...], str]]:
    result = run_check(root)
    return {(f.code, f.rule, tuple(sorted(f.facts)), f.severity.value) for f in result.findings}


def _shuffle_rows(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    for path in [*fact_table_paths(root / "facts"), root / "facts" / "sources.csv"]:
        frame = read_table(path)
        rows = frame.drop(columns=[FILE_COLUMN, LINE_COLUMN]).values.tolist()
        rng.shuffle(rows)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([c for c in frame.columns if c not in (FILE_COLUMN, LINE_COLUMN)])
            writer.writerows(rows)


def test_findings_do_not_depend_on_row_order(bundled_project: Path, tmp_path: Path) -> None:
    expected = _finding_keys(bundled_project)
    assert expected, "the bundled project has findings to compare"
    for seed in (1, 2):
        copy = tmp_path / f"shuffled-{seed}"
        shutil.copytree(bundled_project, copy)
        _shuffle_rows(copy, seed)
        assert _finding_keys(copy) == expected, f"seed {seed}"


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")


def test_bundled_tables_round_trip(bundled_project: Path, tmp_path: Path) -> None:
    facts = bundled_project / "facts"
    for path in [*fact_table_paths(facts), facts / "sources.csv"]:
        first = read_table(path, display="t.csv")
        columns = [c for c in first.columns if c not in (FILE_COLUMN, LINE_COLUMN)]
        copy = tmp_path / path.name
        _write_csv(copy, columns, first[columns].values.tolist())
        again = read_table(copy, display="t.csv")
        pd.testing.assert_frame_equal(first.drop(columns=LINE_COLUMN),
                                      again.drop(columns=LINE_COLUMN))


# cells: any text but the characters a table refuses (controls, bidi) and CR (read as LF)
CELL = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"
                  "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16"
                  "\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\u061c\u200e\u200f\u202a\u202b\u202c"
                  "\u202d\u202e\u2066\u2067\u2068\u2069" + "".join(map(chr, range(0x80, 0xA0)))),
    max_size=12,
)


@FUZZ
@given(
    width=st.integers(1, 4),
    data=st.data(),
)
def test_any_table_round_trips(width: int, data: st.DataObject,
                               tmp_path_factory: pytest.TempPathFactory) -> None:
    header = [f"c{i}" for i in range(width)]
    rows = data.draw(st.lists(st.lists(CELL, min_size=width, max_size=width), max_size=6))
    # csv writes a lone cell of spaces unquoted, and a line of spaces is a blank line
    assume(width > 1 or all(r[0] == "" or r[0].strip(" \t") for r in rows))
    path = tmp_path_factory.mktemp("rt") / "t.csv"
    _write_csv(path, header, rows)
    frame = read_table(path)
    assert frame[header].values.tolist() == rows
    # a record's line is 1 + the lines before it (header and earlier records)
    starts = list(itertools.accumulate([1 + sum(c.count("\n") for c in r) for r in rows],
                                       initial=2))[:-1]
    assert frame[LINE_COLUMN].tolist() == starts
