"""Strict YAML reading: one read gives the data and the digest; the quick look for coercible
values never misses what the full comparison with a model would refuse."""

from __future__ import annotations

import codecs
import hashlib
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from factlint.cache import Cache, using
from factlint.errors import InputError
from factlint.yamlio import (
    CACHE_MIN_CHARS,
    _check_plain_values,
    _load_with_libyaml,
    _StrictLoader,
    decode_text,
    holds_coercible,
    load_yaml,
    load_yaml_and_digest,
)

scalars = st.one_of(st.text(max_size=3), st.integers(), st.floats(), st.booleans(), st.none(),
                    st.dates())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=2), inner, max_size=3)),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, database=None)
@given(raw=values)
def test_the_quick_look_finds_whatever_the_comparison_refuses(raw: Any) -> None:
    try:
        _check_plain_values(raw, raw, "x.yaml", "here")
    except InputError:
        assert holds_coercible(raw)


def test_plain_documents_hold_nothing_coercible() -> None:
    assert not holds_coercible({"a": ["x", 1, None, {"b": 2.5}], "c": "d"})
    assert holds_coercible({"a": ["x", {"b": True}]})
    assert holds_coercible([math.inf]) and holds_coercible({"a": [{"b": math.nan}]})


def test_one_read_gives_the_data_and_the_digest_of_the_bytes(tmp_path: Path) -> None:
    text = "entities:\n" + "".join(f"- {{id: e{i}, name: E}}\n" for i in range(4000))
    assert len(text) >= CACHE_MIN_CHARS
    for data in (text.encode(), codecs.BOM_UTF8 + text.encode()):
        path = tmp_path / "entities.yaml"
        path.write_bytes(data)
        with using(Cache(tmp_path / "cache")):
            for _ in range(2):  # cold, then from the cache
                parsed, digest = load_yaml_and_digest(path)
                assert digest == hashlib.sha256(data).hexdigest()
                assert parsed == load_yaml(path)
                assert parsed["entities"][3999] == {"id": "e3999", "name": "E"}


def test_a_bom_is_dropped_and_a_bad_byte_named_by_its_line() -> None:
    assert decode_text(codecs.BOM_UTF8 + b"a\nb", "x") == "a\nb"
    cases = ((b"a\n\nb\xff", "3"), (b"\xc3", "1"), (codecs.BOM_UTF8 + b"ab\n\xff", "2"),
             (b"a\rb\r\nc\r\xff", "4"))  # a CR alone ends a line too
    for data, line in cases:
        try:
            decode_text(data, "x")
        except InputError as exc:
            assert exc.where == line
        else:
            raise AssertionError("invalid UTF-8 was read")


# The same text as a key and as a value, plain and quoted: YAML 1.1 booleans, integers,
# floats, nulls, dates and strings.
_SCALARS = (
    "yes", "'yes'", '"yes"', "no", "On", "'On'", "1", "'1'", '"1"', "012", "0x1F", "'0x1F'",
    "1_000", "1.5", "'1.5'", ".inf", "~", "'~'", "null", "'null'", "''", "2024-01-02",
    "'2024-01-02'", "abc", "'abc'",
)
_FORMS = ("- {{{}: {}}}\n", "- {}: {}\n", "- [{}, {}]\n", "- {}\n  # {}\n")


def _strict(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()  # type: ignore[no-untyped-call]
    finally:
        loader.dispose()


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
def test_libyaml_gives_each_repeated_scalar_its_own_meaning() -> None:
    """The fast path (libyaml's composer, PyYAML's resolution) gives every scalar, as a
    key or a value, quoted or not, the meaning the strict loader gives it."""
    text = (
        "yes: yes\n'yes': 'yes'\n7: 7\n'7': '7'\nno: [no, 'no', ~, '~', '', 1.5, '1.5', 7]\n"
        "null: {yes: 012, '012': 0x1F, 2024-01-02: '2024-01-02', ~: .inf}\n"
    )
    done, data = _load_with_libyaml(text)
    assert done
    assert repr(data) == repr(_strict(text))  # repr: True == 1 == 1.0 for ==
    assert data[True] is True and data["yes"] == "yes" and type(data[7]) is int
    assert data["7"] == "7" and data[False] == [False, "no", None, "~", "", 1.5, "1.5", 7]
    assert list(data[None].values()) == [10, 31, "2024-01-02", math.inf]


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.tuples(st.sampled_from(_FORMS), st.sampled_from(_SCALARS),
                          st.sampled_from(_SCALARS)), min_size=1, max_size=12))
def test_libyaml_reads_repeated_scalars_as_the_strict_loader(
    entries: list[tuple[str, str, str]],
) -> None:
    text = "".join(form.format(first, second) for form, first, second in entries)
    done, data = _load_with_libyaml(text)
    assert done
    assert repr(data) == repr(_strict(text))
