"""Strict YAML reading: one read gives the data and the digest; the quick look for coercible
values never misses what the full comparison with a model would refuse."""

from __future__ import annotations

import codecs
import hashlib
import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from factlint.cache import Cache, using
from factlint.errors import InputError
from factlint.yamlio import (
    CACHE_MIN_CHARS,
    _check_plain_values,
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
    cases = ((b"a\n\nb\xff", "3"), (b"\xc3", "1"), (codecs.BOM_UTF8 + b"ab\n\xff", "2"))
    for data, line in cases:
        try:
            decode_text(data, "x")
        except InputError as exc:
            assert exc.where == line
        else:
            raise AssertionError("invalid UTF-8 was read")
