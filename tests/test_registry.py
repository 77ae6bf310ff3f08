"""Registries: entries vouched for in bulk are the entries read one by one, and the first
problem in file order is the one reported."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from factlint.errors import RegistryError
from factlint.project import file_digest
from factlint.registry import (
    _FILES,
    Entity,
    Metric,
    Registries,
    Unit,
    _entries,
    _only_text,
    _plain_entries,
    load_registries,
)


def write_registries(facts: Path, entities: str) -> Path:
    facts.mkdir(parents=True, exist_ok=True)
    (facts / "units.yaml").write_text("units:\n- {id: count, dimension: count, factor: 1}\n")
    (facts / "metrics.yaml").write_text("metrics:\n- {id: zones, label: Zones, dimension: count}\n")
    (facts / "entities.yaml").write_text("entities:\n" + entities)
    return facts


def test_bulk_entries_are_the_entries_read_one_by_one() -> None:
    items = [
        {"id": f"e{i}", "name": f"E {i}", "kind": "zone", "member_of": ["cn"], "aliases": []}
        for i in range(50)
    ] + [{"id": "cn", "name": "China", "kind": "country", "note": None, "host": "e1"}]
    bulk = _plain_entries(items, Entity)
    assert bulk is not None
    assert bulk == _entries(items, "entities", Entity, "facts/entities.yaml")
    assert list(bulk) == [item["id"] for item in items]


@pytest.mark.parametrize(
    ("entities", "message"),
    [
        # the duplicate comes before the invalid entry: it is the one reported
        ("- {id: a, name: A, kind: k}\n- {id: A, name: A, kind: k}\n- {id: b, name: 1, kind: k}\n",
         "entities[A]: duplicate id (as `a`"),
        ("- {id: a, name: A, kind: k}\n- {id: b, name: 1, kind: k}\n- {id: A, name: A, kind: k}\n",
         "entities[b].name: input should be a valid string"),
        ("- {id: a, name: A, kind: k}\n- {id: ' b', name: B, kind: k}\n",
         "entities[ b].id: expected a non-empty id"),
        ("- {id: \u00e9, name: A, kind: k}\n- {id: \u0065\u0301, name: B, kind: k}\n",
         "duplicate id"),
        ("- {id: a, name: A, kind: k, member_of: [nowhere]}\n", "unknown entity `nowhere`"),
        ("- {id: a, name: A, kind: k, host: b}\n- {id: b, name: B, kind: k, host: c}\n",
         "entities[b].host: unknown entity `c`"),
    ],
)
def test_the_first_problem_in_file_order_is_reported(
    tmp_path: Path, entities: str, message: str
) -> None:
    facts = write_registries(tmp_path / "facts", entities)
    with pytest.raises(RegistryError) as info:
        load_registries(facts)
    assert message in str(info.value)
    assert str(info.value).startswith("facts/entities.yaml:")


def test_each_registry_is_read_once_for_its_entries_and_its_digest(tmp_path: Path) -> None:
    facts = write_registries(tmp_path / "facts", "- {id: a, name: A, kind: k}\n")
    inputs: dict[str, str] = {}
    load_registries(facts, inputs=inputs)
    assert inputs == {f"facts/{name}": file_digest(facts / name) for name, _ in _FILES.values()}


def test_text_only_models_refuse_what_a_plain_value_check_would() -> None:
    """What lets the bulk path skip :func:`check_plain_values` for entities."""
    assert _only_text(Entity) and not _only_text(Unit) and not _only_text(Metric)
    base = {"id": "a", "name": "A", "kind": "k"}
    for field in Entity.model_fields:
        for value in (True, 1.5, float("nan"), float("inf"), [True], [1.5]):
            assert _plain_entries([{**base, field: value}], Entity) is None, (field, value)


def test_reading_registries_leaves_the_cycle_collector_as_it_was(tmp_path: Path) -> None:
    """The collector is paused while registries are read, then restored: on, or off when
    the caller had turned it off, and after an error too."""
    good = write_registries(tmp_path / "good", "- {id: a, name: A, kind: k}\n")
    bad = write_registries(tmp_path / "bad", "- {id: a, name: 1, kind: k}\n")
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            assert load_registries(good).entities["a"].name == "A"
            assert gc.isenabled() is enabled and gc.get_freeze_count() == 0
            with pytest.raises(RegistryError):
                load_registries(bad)
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_entity_kinds_follow_entities_added_after_a_first_look() -> None:
    registries = Registries(entities={"a": Entity(id="a", name="A", kind="zone")})
    assert registries.entity_kinds() == {"zone"}
    registries.entities["b"] = Entity(id="b", name="B", kind="province")
    assert registries.entity_kinds() == {"zone", "province"}
