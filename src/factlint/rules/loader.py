"""Load rule sets (``checks/*.yaml``) into typed rule specs.

Unknown keys, unknown kinds, bad severities and selectors naming unknown
metrics, entities or units are input errors naming the file and the key.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from factlint.errors import RuleSetError
from factlint.findings import Severity
from factlint.project import check_file_name
from factlint.registry import Registries, id_key
from factlint.rules import load_kinds
from factlint.rules.base import RuleSpec, Selector, Settings
from factlint.yamlio import check_plain_values, load_yaml

COMMON_KEYS = ("id", "kind", "severity", "description")
NOT_RULE_SETS = ("waivers.yaml",)


@dataclass(frozen=True)
class RuleSet:
    settings: Settings
    rules: tuple[RuleSpec, ...]
    files: tuple[str, ...]


def rule_set_paths(checks_dir: Path) -> list[Path]:
    if not checks_dir.is_dir():
        return []
    paths = sorted(
        p for p in checks_dir.glob("*.y*ml") if p.is_file() and p.name not in NOT_RULE_SETS
    )
    for path in paths:
        check_file_name(path)
    return paths


def _walk_selectors(value: Any, path: str) -> Iterator[tuple[str, Selector]]:
    if isinstance(value, Selector):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk_selectors(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_selectors(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk_selectors(item, f"{path}[{index}]")


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def check_selector(sel: Selector, registries: Registries, file: str, where: str) -> None:
    """Reject selectors naming an unknown entity, metric or unit."""
    checks = (
        ("subject", registries.entities, "entity"),
        ("member_of", registries.entities, "entity"),
        ("metric", registries.metrics, "metric"),
        ("unit", registries.units, "unit"),
    )
    wanted = _as_list(sel.subject_kind)
    kinds = registries.entity_kinds() if wanted else frozenset()
    for name in wanted:
        if name not in kinds:
            raise RuleSetError(
                file,
                f"{where}.subject_kind",
                f"no entity is of kind `{name}`; kinds in the registry: {', '.join(sorted(kinds))}",
            )
    for key, known, what in checks:
        for name in _as_list(getattr(sel, key)):
            if name not in known:
                raise RuleSetError(file, f"{where}.{key}", f"unknown {what} `{name}`")


def parse_rule(item: Any, index: int, file: str, registries: Registries) -> RuleSpec:
    kinds = load_kinds()
    if not isinstance(item, dict):
        raise RuleSetError(file, f"rules[{index}]", "expected a mapping")
    rule_id = item.get("id")
    # the id names the rule in one-line messages; one with a line break would split them,
    # so such an id is named by its position
    one_line = not isinstance(rule_id, str) or rule_id.splitlines() == [rule_id]
    where = f"rules[{(rule_id if one_line else None) or index}]"
    if not isinstance(rule_id, str) or not rule_id.strip():
        got = ""
        if isinstance(rule_id, (bool, int, float)):
            got = f" (YAML read {rule_id!r}: quote the id)"
        raise RuleSetError(file, f"{where}.id", f"every rule needs a non-empty string id{got}")
    kind_name = item.get("kind")
    if kind_name not in kinds:
        known = ", ".join(sorted(kinds))
        raise RuleSetError(
            file, f"{where}.kind", f"unknown kind {kind_name!r}; expected one of {known}"
        )
    severity = item.get("severity", "error")
    try:
        sev = Severity(severity)
    except ValueError:
        hint = " (a YAML boolean: yes/no/on/off)" if isinstance(severity, bool) else ""
        raise RuleSetError(
            file,
            f"{where}.severity",
            f"unknown severity {severity!r}{hint}; expected error, warning or info",
        ) from None
    description = item.get("description")
    if not isinstance(description, str) or not description.strip():
        raise RuleSetError(file, f"{where}.description", "every rule needs a description")
    kind = kinds[kind_name]
    raw = {k: v for k, v in item.items() if k not in COMMON_KEYS}
    try:
        params = kind.params.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        message = err["msg"][0].lower() + err["msg"][1:]
        if err["type"] == "extra_forbidden":
            message = f"unknown key for kind `{kind_name}`"
        raise RuleSetError(file, f"{where}.{loc}" if loc else where, message) from None
    check_plain_values(raw, params, file, where)
    for path, sel in _walk_selectors(params, where):
        check_selector(sel, registries, file, path)
    unit = getattr(params, "unit", None)
    if isinstance(unit, str) and unit not in registries.units:
        raise RuleSetError(file, f"{where}.unit", f"unknown unit `{unit}`")
    return RuleSpec(
        id=rule_id,
        kind=kind_name,
        severity=sev,
        description=description.strip(),
        params=params,
        file=file,
    )


def load_rule_sets(checks_dir: Path, registries: Registries, *, root: Path) -> RuleSet:
    settings: Settings | None = None
    settings_file = ""
    rules: list[RuleSpec] = []
    seen: dict[str, tuple[str, str]] = {}
    files: list[str] = []
    for path in rule_set_paths(checks_dir):
        file = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        files.append(file)
        data = load_yaml(path, display=file)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise RuleSetError(
                file, None, "expected a mapping with `rules` (and optional `settings`)"
            )
        unknown = set(data) - {"rules", "settings"}
        if unknown:
            raise RuleSetError(
                file, sorted(unknown)[0], "unknown top-level key; expected rules, settings"
            )
        if "settings" in data:
            try:
                these = Settings.model_validate(data["settings"] or {})
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(p) for p in err["loc"])
                raise RuleSetError(file, f"settings.{loc}", err["msg"].lower()) from None
            check_plain_values(data["settings"] or {}, these, file, "settings")
            if settings is not None and these != settings:
                raise RuleSetError(
                    file, "settings", f"conflicts with the settings of {settings_file}"
                )
            settings, settings_file = these, file
        items = data.get("rules") or []
        if not isinstance(items, list):
            raise RuleSetError(file, "rules", "expected a list of rules")
        for index, item in enumerate(items):
            rule = parse_rule(item, index, file, registries)
            other = seen.get(id_key(rule.id))
            if other is not None:
                also = f"`{other[0]}` in {other[1]}" if other[0] != rule.id else f"in {other[1]}"
                raise RuleSetError(
                    file, f"rules[{rule.id}].id", f"duplicate rule id (also {also})"
                )
            seen[id_key(rule.id)] = (rule.id, file)
            rules.append(rule)
    return RuleSet(
        settings=settings or Settings.model_validate({}), rules=tuple(rules), files=tuple(files)
    )
