"""The three registries a project declares: units, metrics and entities.

They are read from ``facts/units.yaml``, ``facts/metrics.yaml`` and
``facts/entities.yaml`` into typed models that reject unknown keys, so a typo
in a registry is an input error naming the file and key, not a silent default.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from factlint.arrays import sorted_unique
from factlint.collection import collection_paused
from factlint.errors import RegistryError
from factlint.yamlio import check_plain_values, holds_coercible, load_yaml_and_digest


def id_key(ident: str) -> str:
    """What makes two ids one id: equal after NFC normalisation and case folding."""
    return unicodedata.normalize("NFC", ident.strip()).casefold()


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    id: str
    dimension: str
    factor: float = Field(gt=0, description="multiply a value in this unit to get the base unit")
    label: str | None = None


class ShareSpec(_Strict):
    numerator: str = Field(description="metric of the part, measured on the fact's subject")
    denominator: str = Field(description="metric of the whole")
    of: str = Field(description="entity id of the whole, or `host` for the subject's host entity")


class GrowthSpec(_Strict):
    of: str = Field(description="the metric whose change this is")
    basis: Literal["year_on_year", "period_on_period"] = "year_on_year"


class RateSpec(_Strict):
    of: str = Field(description="the count metric accumulated over the period")
    per: Literal["day", "week", "month", "year"] = "day"


class Metric(_Strict):
    id: str
    label: str
    dimension: str
    temporal: Literal["flow", "stock", "event", "rate"] = "flow"
    cumulative: bool = False
    aliases: tuple[str, ...] = ()
    share: ShareSpec | None = None
    growth: GrowthSpec | None = None
    rate: RateSpec | None = None
    note: str | None = None


class Entity(_Strict):
    id: str
    name: str
    kind: str
    member_of: tuple[str, ...] = ()
    host: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Registries:
    units: dict[str, Unit] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)

    def _cache(self) -> dict[str, Any]:
        """Indexes over the entities, built on first use.

        The registries do not change once loaded, but a caller may still add
        entities (tests build them up); the caches are dropped when the number of
        entities changes.
        """
        cached = self.__dict__.get("_entity_caches")
        if cached is None or cached[0] != len(self.entities):
            cached = (len(self.entities), {})
            object.__setattr__(self, "_entity_caches", cached)  # a cache, not state
        caches: dict[str, Any] = cached[1]
        return caches

    def _children(self) -> dict[str, list[Entity]]:
        """Entity id -> the entities that name it in ``member_of``.

        Built once, so that walking the membership costs what it finds, not a
        scan of every entity per step.
        """
        caches = self._cache()
        index: dict[str, list[Entity]] | None = caches.get("children")
        if index is None:
            index = {}
            for e in self.entities.values():
                for parent in dict.fromkeys(e.member_of):
                    index.setdefault(parent, []).append(e)
            caches["children"] = index
        return index

    def entity_kinds(self) -> frozenset[str]:
        """The kinds of the registered entities (built once: every selector that names a
        kind is checked against them, and a registry may hold tens of thousands)."""
        caches = self._cache()
        kinds: frozenset[str] | None = caches.get("kinds")
        if kinds is None:
            kinds = caches["kinds"] = frozenset(e.kind for e in self.entities.values())
        return kinds

    def members(self, entity: str, *, kinds: Iterable[str] | None = None) -> list[str]:
        """Entities that name ``entity`` in ``member_of`` (directly), optionally of some kinds."""
        wanted = set(kinds) if kinds is not None else None
        return sorted(
            e.id
            for e in self._children().get(entity, ())
            if wanted is None or e.kind in wanted
        )

    def descendants(self, entity: str, *, kinds: Iterable[str] | None = None) -> list[str]:
        """Entities reachable through ``member_of`` links, optionally of some kinds."""
        return list(self._descendants(entity, None if kinds is None else frozenset(kinds)))

    def _descendants(self, entity: str, kinds: frozenset[str] | None) -> tuple[str, ...]:
        """:meth:`descendants`, kept per (entity, kinds): rules ask for the members of the
        same entities again and again (every zone for each rule on zones, a set of
        thousands of zones for each rule on the set)."""
        found: dict[tuple[str, frozenset[str] | None], tuple[str, ...]] = (
            self._cache().setdefault("descendants", {})
        )
        ids = found.get((entity, kinds))
        if ids is not None:
            return ids
        if kinds is not None:
            every = self._descendants(entity, None)
            ids = tuple(i for i in every if self.entities[i].kind in kinds)
        else:
            ids = tuple(sorted(self._walk(entity)))
        found[(entity, kinds)] = ids
        return ids

    def member_table(
        self,
        entities: Sequence[str],
        *,
        kinds: Iterable[str] | None = None,
        transitive: bool = True,
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
        """The members of many entities at once: (position in ``entities``, member id) rows,
        by position then member id.

        Per entity, the same ids as :meth:`descendants` (``transitive``) or :meth:`members`
        (unknown entities have none). The links are walked level by level for all
        entities together on integer arrays: a rule asks for the members of thousands
        of entities (every zone), and a walk in Python per entity costs microseconds
        per link.
        """
        # rules ask the same question more than once (each members rule, each share)
        question = (tuple(entities), None if kinds is None else frozenset(kinds), transitive)
        answers: dict[Any, tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]]
        answers = self._cache().setdefault("member_tables", {})
        answer = answers.get(question)
        if answer is None:
            answer = answers[question] = self._member_table(*question)
        return answer

    def _member_table(
        self, entities: tuple[str, ...], kinds: frozenset[str] | None, transitive: bool
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.object_]]:
        graph = self._graph()
        n = len(graph.ids)
        at = np.asarray([graph.index.get(e, -1) for e in entities], dtype=np.int64)
        known = np.flatnonzero(at >= 0)
        query, node = known, at[known]
        found = np.zeros(0, dtype=np.int64)  # sorted
        while len(query):
            # every child of the frontier, as one integer per (entity asked, member)
            count = graph.count[node]
            owner = np.repeat(np.arange(len(node)), count)
            within = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
            child = graph.child[np.repeat(graph.start[node], count) + within]
            keys = sorted_unique(query[owner] * n + child)
            # sorting beats np.unique / isin / union1d here: numpy 2's hash-based
            # unique is several times slower on these int64 keys
            pos = np.searchsorted(found, keys)
            seen = pos < len(found)
            seen[seen] = found[pos[seen]] == keys[seen]
            new = keys[~seen]
            found = np.sort(np.concatenate([found, new]))
            if not transitive:
                break
            query, node = new // n, new % n
        query, node = found // n, found % n
        if kinds is not None:
            wanted = np.isin(graph.kind, list(kinds))
            keep = wanted[node]
            query, node = query[keep], node[keep]
        order = np.lexsort((graph.rank[node], query))
        positions, members = query[order].astype(np.intp), graph.ids[node[order]]
        positions.flags.writeable = members.flags.writeable = False  # shared by every asker
        return positions, members

    def _graph(self) -> _Graph:
        caches = self._cache()
        graph: _Graph | None = caches.get("graph")
        if graph is None:
            graph = _Graph.of(self.entities, self._children())
            caches["graph"] = graph
        return graph

    def _walk(self, entity: str) -> set[str]:
        children = self._children()
        found: set[str] = set()
        frontier = [entity]
        while frontier:
            current = frontier.pop()
            for e in children.get(current, ()):
                if e.id not in found:
                    found.add(e.id)
                    frontier.append(e.id)
        return found


@dataclass(frozen=True)
class _Graph:
    """The ``member_of`` links as integer arrays: entity k's children are
    ``child[start[k] : start[k] + count[k]]`` (entity positions in ``ids``)."""

    ids: npt.NDArray[np.object_]
    index: dict[str, int]
    kind: npt.NDArray[np.object_]
    #: each entity's place in id order (members are listed sorted by id)
    rank: npt.NDArray[np.intp]
    start: npt.NDArray[np.intp]
    count: npt.NDArray[np.intp]
    child: npt.NDArray[np.intp]

    @classmethod
    def of(cls, entities: dict[str, Entity], children: dict[str, list[Entity]]) -> _Graph:
        ids = np.asarray(list(entities), dtype=object)
        index = {e: k for k, e in enumerate(ids.tolist())}
        kind = np.asarray([e.kind for e in entities.values()], dtype=object)
        rank = np.empty(len(ids), dtype=np.intp)
        rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
        lists = [children.get(e, []) for e in ids.tolist()]
        count = np.asarray([len(c) for c in lists], dtype=np.intp)
        child = np.asarray([index[c.id] for c in chain.from_iterable(lists)], dtype=np.intp)
        return cls(ids, index, kind, rank, np.cumsum(count) - count, count, child)


_FILES: dict[str, tuple[str, type[_Strict]]] = {
    "units": ("units.yaml", Unit),
    "metrics": ("metrics.yaml", Metric),
    "entities": ("entities.yaml", Entity),
}


def _load_list(
    path: Path, key: str, model: type[_Strict], shown: str
) -> tuple[dict[str, Any], str]:
    """The entries of one registry file by id, and the SHA-256 of the file."""
    data, digest = load_yaml_and_digest(path, display=shown)
    if not isinstance(data, dict) or set(data) != {key}:
        raise RegistryError(shown, None, f"expected a mapping with the single key `{key}`")
    items = data[key]
    if not isinstance(items, list):
        raise RegistryError(shown, key, "expected a list")
    entries = _plain_entries(items, model)
    return (_entries(items, key, model, shown) if entries is None else entries), digest


def _plain_entries(items: list[Any], model: type[_Strict]) -> dict[str, Any] | None:
    """The entries by id when every entry is valid, vouched for in bulk; None at any doubt.

    Validating the list in one call and checking the ids all together costs a fraction
    of :func:`_entries`, which looks at one entry at a time; that one then finds the
    first problem, in file order, and words it.
    """
    try:
        records = _list_adapter(model).validate_python(items)
    except ValidationError:
        return None
    if not _only_text(model) and holds_coercible(items):
        return None
    ids = [record.id for record in records]
    if not all(ids) or list(map(str.strip, ids)) != ids:
        return None
    # ASCII ids are their own NFC form and case folding lower-cases them
    keys = list(map(str.lower, ids)) if "".join(ids).isascii() else list(map(id_key, ids))
    if len(set(keys)) != len(keys):
        return None
    return dict(zip(ids, records, strict=True))


@functools.cache
def _only_text(model: type[_Strict]) -> bool:
    """Whether every field of ``model`` takes only text: a string, a list of strings or
    null. Validation then refuses any boolean or number (pydantic turns neither into
    a string), so :func:`check_plain_values` has nothing left to find."""
    return all(f.annotation in _TEXT_FIELDS for f in model.model_fields.values())


_TEXT_FIELDS = (str, str | None, tuple[str, ...])


@functools.cache
def _list_adapter(model: type[_Strict]) -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _entries(items: list[Any], key: str, model: type[_Strict], shown: str) -> dict[str, Any]:
    """The entries by id, checked one at a time; the first problem is an error."""
    out: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for index, item in enumerate(items):
        ident = item.get("id", index) if isinstance(item, dict) else index
        try:
            record = model.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"])
            raise RegistryError(shown, f"{key}[{ident}].{loc}", err["msg"].lower()) from None
        check_plain_values(item, record, shown, f"{key}[{ident}]")
        ident = record.id  # type: ignore[attr-defined]
        if not ident.strip() or ident != ident.strip():
            raise RegistryError(
                shown, f"{key}[{ident}].id", "expected a non-empty id without surrounding spaces"
            )
        same = keys.get(id_key(ident))
        if same is not None:
            also = "" if same == ident else f" (as `{same}`: ids equal after case folding are one)"
            raise RegistryError(shown, f"{key}[{ident}]", f"duplicate id{also}")
        keys[id_key(ident)] = ident
        out[ident] = record
    return out


def load_registries(facts_dir: Path, *, inputs: dict[str, str] | None = None) -> Registries:
    """Load and cross-check the three registries of a project.

    The SHA-256 of each file read goes into ``inputs`` (by ``facts/<name>``).
    """
    loaded: dict[str, dict[str, Any]] = {}
    with collection_paused():  # a million lasting objects at 37,000 entities
        for key, (name, model) in _FILES.items():
            shown = f"{facts_dir.name}/{name}"
            loaded[key], digest = _load_list(facts_dir / name, key, model, shown)
            if inputs is not None:
                inputs[shown] = digest
    reg = Registries(units=loaded["units"], metrics=loaded["metrics"], entities=loaded["entities"])
    _cross_check(facts_dir, reg)
    return reg


def _cross_check(facts_dir: Path, reg: Registries) -> None:
    _check_metric_links(facts_dir, reg)
    entities = reg.entities.values()
    # every link at once (``map`` in C over tens of thousands of entities); the
    # entity by entity walk below names the first unknown one
    parents = set(chain.from_iterable(map(attrgetter("member_of"), entities)))
    hosts = set(map(attrgetter("host"), entities)) - {None}
    if parents.issubset(reg.entities) and hosts.issubset(reg.entities):
        return
    entities_path = f"{facts_dir.name}/entities.yaml"
    for e in entities:
        for parent in e.member_of:
            if parent not in reg.entities:
                raise RegistryError(
                    entities_path, f"entities[{e.id}].member_of", f"unknown entity `{parent}`"
                )
        if e.host is not None and e.host not in reg.entities:
            raise RegistryError(
                entities_path, f"entities[{e.id}].host", f"unknown entity `{e.host}`"
            )


def _check_metric_links(facts_dir: Path, reg: Registries) -> None:
    metrics_path = f"{facts_dir.name}/metrics.yaml"
    for m in reg.metrics.values():
        refs = []
        if m.share:
            refs += [
                ("share.numerator", m.share.numerator),
                ("share.denominator", m.share.denominator),
            ]
            if m.share.of != "host" and m.share.of not in reg.entities:
                raise RegistryError(
                    metrics_path, f"metrics[{m.id}].share.of", f"unknown entity `{m.share.of}`"
                )
        if m.growth:
            refs.append(("growth.of", m.growth.of))
        if m.rate:
            refs.append(("rate.of", m.rate.of))
        for where, ref in refs:
            if ref not in reg.metrics:
                raise RegistryError(
                    metrics_path, f"metrics[{m.id}].{where}", f"unknown metric `{ref}`"
                )
