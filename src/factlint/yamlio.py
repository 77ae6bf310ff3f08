"""Strict, safe YAML reading for registries, rule sets and waivers.

Stricter than ``yaml.safe_load``: only the safe constructors, no aliases
(which also rules out "billion laughs" expansion) and no merge keys, no
duplicate keys, no nesting deeper than :data:`MAX_DEPTH`, a single document
per file, and no bidirectional control characters anywhere in the text (a
"Trojan Source" rule set reads differently in review than it parses). Every
problem becomes an :class:`InputError` naming the file and line, in one line.

YAML 1.1 scalars keep their ``safe_load`` meaning (``on`` and ``no`` are
booleans); the loaders that read the result reject a boolean where a string
or number is expected, so ``id: on`` never silently becomes ``True``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import math
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from factlint.cache import current as current_cache
from factlint.cache import generation
from factlint.errors import InputError

MAX_DEPTH = 64

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional formatting characters: marks, embeddings, overrides and isolates."""

_MERGE_TAG = "tag:yaml.org,2002:merge"
_CORE = "tag:yaml.org,2002:"
# The tags a registry, rule set or waiver file may use, and the node each goes with:
# plain scalars, lists and mappings. Everything else (!!python/..., !!set, !!binary,
# !!omap, local !tags) is refused before anything is constructed.
_NODE_OF_TAG: dict[str, type[Node]] = {
    **{_CORE + name: ScalarNode for name in ("str", "int", "float", "bool", "null", "timestamp")},
    _CORE + "seq": SequenceNode,
    _CORE + "map": MappingNode,
}


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE):] if tag.startswith(_CORE) else tag


def bidi_control(text: str) -> tuple[int, str] | None:
    """(1-based line, ``U+XXXX``) of the first bidirectional control in ``text``, if any."""
    found = BIDI_CONTROLS.search(text)
    if found is None:
        return None
    return text.count("\n", 0, found.start()) + 1, f"U+{ord(found.group()):04X}"


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, for a one-line message."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch != "\t" and (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 or BIDI_CONTROLS.match(ch)):
            out.append(f"\\u{ord(ch):04x}")
        elif ch in "\u2028\u2029\x85":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, merge keys, duplicate keys and deep nesting."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                "while composing a node", None, "aliases (*name) are not allowed", event.start_mark
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.MarkedYAMLError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # a constructor that fails on a well-formed scalar (a 5,000-digit integer, the
        # timestamp 2024-13-45) raises ValueError: make it a YAML error with a line
        expected = _NODE_OF_TAG.get(node.tag)
        if expected is None:
            raise yaml.MarkedYAMLError(
                None, None, f"the tag {_short(node.tag)} is not allowed", node.start_mark
            )
        if not isinstance(node, expected):
            raise yaml.MarkedYAMLError(
                None, None, f"the tag {_short(node.tag)} does not fit this value", node.start_mark
            )
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except Exception as exc:  # noqa: BLE001 - a constructor's own failure is bad input
            detail = str(exc)
            if "integer string conversion" in detail:
                detail = "an integer with thousands of digits"
            elif node.tag == _CORE + "timestamp":
                detail = f"{one_line(str(node.value))!r} is not a date"
            raise yaml.MarkedYAMLError(
                None, None, f"cannot read the value: {detail}", node.start_mark
            ) from None

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                raise yaml.MarkedYAMLError(
                    None, None, "merge keys (<<) are not allowed", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                raise yaml.MarkedYAMLError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.MarkedYAMLError(
                    None, None, f"duplicate key {one_line(repr(key))}", key_node.start_mark
                )
        return super().construct_mapping(node, deep=deep)


# Documents are parsed with libyaml when PyYAML has it: the pure-Python parser spends
# seconds on a registry of thousands of entries, and a tenth of `factlint check` on a
# small project. A document libyaml does not read plainly (aliases, several documents,
# deep nesting, a character YAML forbids, any error) goes through the strict loader,
# which gives the same data or the error naming the line.

#: Documents at least this long are kept in the run's cache (:mod:`factlint.cache`) once
#: read: libyaml still spends seconds on a registry of 30,000 entities.
CACHE_MIN_CHARS = 64 * 1024


if yaml.__with_libyaml__:

    class _LibyamlComposer(yaml.cyaml.CParser, yaml.resolver.Resolver):  # type: ignore[misc,name-defined]
        """libyaml's parser and composer with PyYAML's tag resolution (as CSafeLoader)."""

        def __init__(self, text: str) -> None:
            yaml.cyaml.CParser.__init__(self, text)  # type: ignore[attr-defined]
            yaml.resolver.Resolver.__init__(self)


class _NotPlain(Exception):
    """The fast path declines: the strict loader reads the document (and names any error)."""


class _FastConstructor:
    """Build data from a node tree for the common case: string keys, plain tags.

    Scalars other than strings go through the strict constructor, so numbers,
    booleans and dates mean what they mean there; anything the strict loader
    would refuse or treat specially (aliases, merge keys, duplicate keys, other
    tags, deep nesting) raises :class:`_NotPlain`.
    """

    _STR = _CORE + "str"
    _SEQ = _CORE + "seq"
    _MAP = _CORE + "map"

    def __init__(self) -> None:
        self._strict = _StrictLoader("")
        self._seen: set[int] = set()

    def dispose(self) -> None:
        self._strict.dispose()

    def build(self, node: Node, depth: int = 1) -> Any:
        if id(node) in self._seen:
            raise _NotPlain  # the same node twice: an alias
        self._seen.add(id(node))
        if isinstance(node, ScalarNode):
            if node.tag == self._STR:
                return node.value
            if node.tag == _MERGE_TAG:
                raise _NotPlain
            return self._strict.construct_object(node)
        if depth >= MAX_DEPTH - 1:
            raise _NotPlain
        if isinstance(node, SequenceNode) and node.tag == self._SEQ:
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode) and node.tag == self._MAP:
            data: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, depth + 1)
                try:
                    if key in data:
                        raise _NotPlain  # a duplicate key
                except TypeError:
                    raise _NotPlain from None  # an unhashable key
                data[key] = self.build(value_node, depth + 1)
            return data
        raise _NotPlain


def _load_with_libyaml(text: str) -> tuple[bool, Any]:
    """(True, data) when libyaml read ``text`` plainly; (False, None) to use the strict loader."""
    if (
        not yaml.__with_libyaml__
        or yaml.reader.Reader.NON_PRINTABLE.search(text)
    ):
        return False, None
    composer = _LibyamlComposer(text)
    builder = _FastConstructor()
    try:
        node = composer.get_single_node()  # more than one document is an error here
        if node is None:
            return False, None
        return True, builder.build(node)
    except Exception:  # noqa: BLE001 - the strict loader reports it, with its line
        return False, None
    finally:
        composer.dispose()
        builder.dispose()


def _reader_line(text: str, exc: yaml.reader.ReaderError) -> str | None:
    if isinstance(exc.character, int) and 0 <= exc.position <= len(text):
        return str(text.count("\n", 0, exc.position) + 1)
    return None


def load_yaml_text(text: str, path: Path | str, *, sha256: str | None = None) -> Any:
    """Parse one YAML document strictly; errors name ``path`` and the line.

    ``sha256`` is the digest of ``text`` in UTF-8 when the caller holds it already.
    """
    bidi = bidi_control(text)
    if bidi is not None:
        line, code = bidi
        raise InputError(
            path, str(line),
            f"bidirectional control character {code}: it can make the text read differently "
            "than it parses; remove it",
        )
    store = current_cache() if len(text) >= CACHE_MIN_CHARS else None
    if store is not None:
        if sha256 is None:
            sha256 = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        name = f"yaml-{generation(sys.modules[__name__], extra=yaml.__version__)}-{sha256}.json"
        cached = store.read_json(name)
        if cached is not None:
            return cached
    done, data = _load_with_libyaml(text)
    if done:
        if store is not None:
            store.write_json(name, data)
        return data
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)
        data = loader.get_data() if loader.check_data() else None  # type: ignore[no-untyped-call]
        if loader.check_data():  # type: ignore[no-untyped-call]
            raise InputError(path, None, "expected one YAML document, found several (`---`)")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}" if mark is not None else None
        raise InputError(
            path, where, f"invalid YAML: {one_line(str(exc.problem or exc.context))}"
        ) from None
    except yaml.reader.ReaderError as exc:
        what = (
            f"character U+{exc.character:04X} is not allowed in YAML"
            if isinstance(exc.character, int)
            else "the text cannot be decoded"
        )
        raise InputError(path, _reader_line(text, exc), f"invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"invalid YAML: {one_line(str(exc))}") from None
    except RecursionError:
        raise InputError(path, None, "invalid YAML: nesting too deep") from None
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - PyYAML failing on odd input is still bad input
        raise InputError(
            path, None, f"invalid YAML: {one_line(f'{type(exc).__name__}: {exc}')}"
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data


def read_text(path: Path, *, display: Path | str | None = None) -> str:
    """Read a UTF-8 text file (a BOM is dropped); errors name the file (as ``display``)."""
    shown = path if display is None else display
    return decode_text(_read_bytes(path, shown), shown)


def _read_bytes(path: Path, shown: Path | str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(shown, None, "file not found") from None
    except IsADirectoryError:
        raise InputError(shown, None, "expected a file, found a directory") from None
    except OSError as exc:
        raise InputError(shown, None, f"cannot read: {exc.strerror}") from None


def without_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 BOM, which UTF-8 text may begin with."""
    return data[len(codecs.BOM_UTF8):] if data.startswith(codecs.BOM_UTF8) else data


def decode_text(
    data: bytes,
    shown: Path | str,
    *,
    error: type[InputError] = InputError,
    message: str = "not valid UTF-8 text",
) -> str:
    """UTF-8 text (a BOM is dropped); UTF-16 or invalid bytes raise ``error`` naming ``shown``
    and the line, counted as tables, YAML and drafts count lines (a CR, an LF or both end
    one); ``message`` says what invalid bytes are."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(shown, "1", "file is UTF-16; expected UTF-8 text")
    # as the "utf-8-sig" codec does, in C: a BOM dropped, the rest decoded (an error's
    # position counts from after the BOM there too)
    body = without_bom(data)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        # exc.start counts in the bytes decoded: after the BOM, if there is one
        before = body[: exc.start]
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise error(shown, str(line), message) from None


def load_yaml(path: Path, *, display: Path | str | None = None) -> Any:
    """Read and parse a YAML file strictly; errors name ``display`` (default: ``path``)."""
    return load_yaml_and_digest(path, display=display)[0]


def load_yaml_and_digest(path: Path, *, display: Path | str | None = None) -> tuple[Any, str]:
    """:func:`load_yaml`, and the SHA-256 of the file's bytes (read once for both)."""
    shown = path if display is None else display
    data = _read_bytes(path, shown)
    digest = hashlib.sha256(data).hexdigest()
    text = decode_text(data, shown)
    # without a BOM the text's UTF-8 is the file's bytes: the digest is the text's too
    same = not data.startswith(codecs.BOM_UTF8)
    return load_yaml_text(text, shown, sha256=digest if same else None), digest


def check_plain_values(raw: Any, parsed: Any, path: Path | str, where: str) -> None:
    """Refuse what a lax model would coerce silently from YAML.

    ``raw`` is what YAML gave, ``parsed`` what the pydantic model made of it. A
    YAML boolean (``yes``, ``no``, ``on``, ``off``, ``true``, ``false``) where the
    model holds anything but a boolean (``approx_tolerance: yes`` would become
    1.0) and a NaN or infinite number (``.nan``, ``.inf``) are input errors.
    Parts whose shape the model changed (a string made a list) are skipped.
    """
    if holds_coercible(raw):
        _check_plain_values(raw, parsed, path, where)


#: types of YAML values :func:`check_plain_values` never refuses
_PLAIN_SCALARS = frozenset({str, int, type(None), dt.date, dt.datetime})


def holds_coercible(raw: Any) -> bool:
    """Whether ``raw`` may hold what :func:`check_plain_values` refuses: a boolean or a
    non-finite number anywhere (or a value of a type it does not know).

    Most documents hold none, and then the comparison with the model need not run.
    One walk over the values, with strings (most of them) never stacked.
    """
    stack = [raw]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            values: Iterable[Any] = item.values()
        elif kind is list:
            values = item
        elif kind is float:
            if not math.isfinite(item):
                return True
            continue
        elif kind in _PLAIN_SCALARS:
            continue
        else:
            return True  # a boolean, or anything else: the full comparison decides
        for value in values:
            if type(value) is not str:
                stack.append(value)
    return False


def _check_plain_values(raw: Any, parsed: Any, path: Path | str, where: str) -> None:
    if isinstance(raw, bool):
        if not isinstance(parsed, bool):
            raise InputError(
                path, where,
                f"`{str(raw).lower()}` is a YAML boolean (true/false, yes/no, on/off); "
                "expected a string or a number: quote it if you mean the text",
            )
        return
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InputError(path, where, f"expected a finite number, found {raw}")
    if isinstance(raw, dict):
        if isinstance(parsed, BaseModel):
            fields = type(parsed).model_fields
            for key, value in raw.items():
                if isinstance(key, str) and key in fields:
                    _check_plain_values(value, getattr(parsed, key), path, f"{where}.{key}")
        elif isinstance(parsed, dict):
            for key, value in raw.items():
                if key in parsed:
                    _check_plain_values(value, parsed[key], path, f"{where}.{key}")
    elif isinstance(raw, list) and isinstance(parsed, (list, tuple)) and len(raw) == len(parsed):
        for index, (item, made) in enumerate(zip(raw, parsed, strict=True)):
            _check_plain_values(item, made, path, f"{where}[{index}]")
