"""Strict, safe YAML reading for registries, rule sets and waivers.

Stricter than ``yaml.safe_load``: only the safe constructors, no aliases
(which also rules out "billion laughs" expansion), no duplicate keys and a
single document per file. Every problem becomes an :class:`InputError`
naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from factlint.errors import InputError

MAX_DEPTH = 64


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, duplicate keys and deep nesting."""

    def compose_node(self, parent: Node | None, index: object) -> Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                "while composing a node", None, "aliases (*name) are not allowed", event.start_mark
            )
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                event = self.peek_event()
                raise yaml.MarkedYAMLError(
                    None, None, f"nesting deeper than {MAX_DEPTH} levels", event.start_mark
                )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            try:
                duplicate = key in seen
            except TypeError:
                raise yaml.MarkedYAMLError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.MarkedYAMLError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_yaml_text(text: str, path: Path | str) -> Any:
    """Parse one YAML document strictly; errors name ``path`` and the line."""
    try:
        documents = list(yaml.load_all(text, Loader=_StrictLoader))  # noqa: S506 - strict safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}" if mark is not None else None
        raise InputError(path, where, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(path, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(path, None, "invalid YAML: nesting too deep") from None
    if len(documents) > 1:
        raise InputError(path, None, f"expected one YAML document, found {len(documents)}")
    return documents[0] if documents else None


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (a BOM is dropped); errors name the file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, None, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, None, "expected a file, found a directory") from None
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(path, str(line), "not valid UTF-8 text") from None


def load_yaml(path: Path) -> Any:
    """Read and parse a YAML file strictly."""
    return load_yaml_text(read_text(path), path)
