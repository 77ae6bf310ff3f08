"""Indented JSON text, the same as ``json.dumps(value, ensure_ascii=False, indent=2)``.

``json.dumps`` with an indent runs the pure-Python encoder (the C encoder of
CPython 3.11 cannot indent): a 6 MB report took 0.13 s, a Python step for every
bracket, key and value. Here the C encoder writes whole containers; Python walks
only the few containers above them.

This is exact because the encoder never writes a raw line break inside a string
(it writes ``\\n``): every line break in its output is one of ours. The C
encoder is given an item separator that carries the line break and the
indentation of the items, so a container of plain values (strings, numbers,
booleans, None) comes out indented as ``json.dumps`` would write it, less the
line breaks after its opening and before its closing bracket, which are added
around it. A list of such dicts, and a dict of them (a report's records), is
written in one call too: there a separator that follows ``}`` can only be the
outer container's (no plain value ends with ``}``), so the outer layer's
indentation is put right by splitting the text there. Anything else (a tuple,
a subclass, a key that is not a string) is left to ``json.dumps``, whose output
at a deeper level is its own with every line break indented further.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import chain
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

INDENT = "  "
_PLAIN = frozenset({str, int, float, bool, type(None)})
_STR = frozenset({str})
_DICT = frozenset({dict})

_Encoder = Callable[[Any, int], Sequence[str]]


@cache
def _encoder(separator: str) -> _Encoder:
    """The C encoder with ``separator`` between items, as json.dumps would make it for
    ``ensure_ascii=False`` (without its check for cycles: a report holds none)."""
    encoder: _Encoder = c_make_encoder(
        None, None, encode_basestring, None, ": ", separator, False, False, True
    )
    return encoder


def _c_text(value: Any, separator: str) -> str:
    return "".join(_encoder(separator)(value, 0))


def _fallback(value: Any, level: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=len(INDENT))
    return text.replace("\n", "\n" + INDENT * level) if level else text


def _keys(value: dict[str, Any]) -> list[str]:
    """The keys of ``value`` as JSON strings (an encoded string holds no raw line break)."""
    return _c_text(list(value), "\n")[1:-1].split("\n")


def _plain_values(values: Iterable[Any]) -> bool:
    return _PLAIN.issuperset(map(type, values))


def _records(values: list[Any]) -> bool:
    """Whether ``values`` are all non-empty dicts of plain values (under keys the C encoder
    writes as json.dumps does, whatever their type)."""
    return (
        bool(values)
        and _DICT.issuperset(map(type, values))
        and all(values)
        and _plain_values(chain.from_iterable(map(dict.values, values)))
    )


def _record_bodies(records: list[dict[str, Any]], level: int) -> list[str]:
    """Each record's text between its braces, the records being at ``level``.

    The C encoder writes the list of them with the records' item separator; the
    separators of the list itself are the ones that follow a ``}``.
    """
    separator = ",\n" + INDENT * (level + 1)
    text = _c_text(records, separator)
    return text[2:-2].split("}" + separator + "{")


def _wrap(opening: str, body: str, closing: str, level: int) -> str:
    inner = INDENT * (level + 1)
    return f"{opening}\n{inner}{body}\n{INDENT * level}{closing}"


def _record_list(records: list[dict[str, Any]], level: int) -> str:
    outer, inner = INDENT * (level + 1), INDENT * (level + 2)
    joint = f"\n{outer}}},\n{outer}{{\n{inner}"
    body = joint.join(_record_bodies(records, level + 1))
    return _wrap("[", f"{{\n{inner}{body}\n{outer}}}", "]", level)


def _record_dict(records: dict[str, dict[str, Any]], level: int) -> str:
    outer, inner = INDENT * (level + 1), INDENT * (level + 2)
    keys = _keys(records)
    bodies = _record_bodies(list(records.values()), level + 1)
    item = f"{outer}{{}}: {{{{\n{inner}{{}}\n{outer}}}}}".format
    return "{\n" + ",\n".join(map(item, keys, bodies)) + f"\n{INDENT * level}}}"


def _dict(value: dict[Any, Any], level: int, out: list[str]) -> None:
    if not value:
        out.append("{}")
    elif _plain_values(value.values()):
        out.append(_wrap("{", _c_text(value, ",\n" + INDENT * (level + 1))[1:-1], "}", level))
    elif not _STR.issuperset(map(type, value)):  # written below as strings
        out.append(_fallback(value, level))
    elif _records(list(value.values())):
        out.append(_record_dict(value, level))
    else:
        keys = _keys(value)
        lead = "{\n"
        for key, item in zip(keys, value.values(), strict=True):
            out.append(f"{lead}{INDENT * (level + 1)}{key}: ")
            _write(item, level + 1, out)
            lead = ",\n"
        out.append(f"\n{INDENT * level}}}")


def _list(value: list[Any], level: int, out: list[str]) -> None:
    if not value:
        out.append("[]")
    elif _plain_values(value):
        out.append(_wrap("[", _c_text(value, ",\n" + INDENT * (level + 1))[1:-1], "]", level))
    elif _records(value):
        out.append(_record_list(value, level))
    else:
        lead = "[\n"
        for item in value:
            out.append(lead + INDENT * (level + 1))
            _write(item, level + 1, out)
            lead = ",\n"
        out.append(f"\n{INDENT * level}]")


def _write(value: Any, level: int, out: list[str]) -> None:
    kind = type(value)
    if kind is dict:
        _dict(value, level, out)
    elif kind is list:
        _list(value, level, out)
    elif kind in _PLAIN:
        out.append(_c_text(value, ","))
    else:
        out.append(_fallback(value, level))


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, written mostly by the C encoder."""
    if c_make_encoder is None:  # an interpreter without the C accelerator
        return _fallback(value, 0)
    out: list[str] = []
    _write(value, 0, out)
    return "".join(out)
