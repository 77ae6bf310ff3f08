"""The JSON report's encoder writes exactly what ``json.dumps(..., indent=2)`` writes."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from factlint.report.indented_json import dumps_indented
from factlint.report.json_report import render_json

# strings that look like the separators and brackets the encoder splits and joins at
TRICKY = [
    "", "}", "{", "},\n  {", '": {', '"', "\\", "\n", "\r\t\b\f\x00\x1f\x7f", "é 中文 ✓",
    "\u2028\u2029", "\ud800", "},\n    \"k\": {", "]", "[{", "}]",
]
texts = st.one_of(st.text(), st.sampled_from(TRICKY))
plain = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63), st.floats(), texts,
)
keys = st.one_of(texts, st.integers(), st.floats(), st.booleans(), st.none())
record = st.dictionaries(texts, plain, max_size=5)
records = st.one_of(
    st.lists(record, max_size=5), st.lists(st.dictionaries(keys, plain, max_size=4), max_size=4)
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(texts, children, max_size=5),
        st.dictionaries(keys, children, max_size=3),
        st.tuples(children, children),
        records,
        st.dictionaries(texts, record, max_size=5),
    )


documents = st.recursive(st.one_of(plain, records), _containers, max_leaves=40)


@settings(max_examples=600, deadline=None)
@given(documents)
def test_the_same_text_as_json_dumps(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_records_and_empty_containers_at_every_depth() -> None:
    rows = [{"a": 1, "b": "x"}, {"a": 2.5, "b": None, "c": True}]
    value = {
        "rows": rows,
        "by_id": {"r1": rows[0], "r\n2": rows[1]},
        "deep": [[rows, {}], [[]], {"k": {"r": rows[1]}}],
        "mixed": [{"a": 1}, {}, {"b": [1]}],
        "floats": [1e-05, 1e16, -0.0, float("nan"), float("inf"), -float("inf")],
    }
    assert dumps_indented(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_the_report_ends_with_a_line_break() -> None:
    assert render_json({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}\n'


def test_what_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    for value in ({"a": {1, 2}}, [[object()]]):
        try:
            json.dumps(value)
        except TypeError as expected:
            try:
                dumps_indented(value)
            except TypeError as raised:
                assert str(raised) == str(expected)
            else:
                raise AssertionError("dumps_indented wrote what json.dumps refuses")
