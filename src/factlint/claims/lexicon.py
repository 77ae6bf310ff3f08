"""The words of a project: metric and entity aliases from its registries, as token sequences.

Matching is by words, not by regular expression: a draft's sentence is cut
into normalised tokens (lower case, possessive and plural dropped, see
:func:`factlint.claims.sentences.tokens`) and every alias that starts at a
token is looked up in a dictionary, longest first. The cost follows the length
of the text, not the number of aliases.

Besides the aliases, the lexicon derives two things from the entity registry,
so that nothing about a particular project is written here:

* *hosted entities*: "Guangdong's zone" or "the zone in Guangdong" names the
  entity whose ``host`` is Guangdong, found from the words that the hosted
  entity's aliases add to the host's name ("Free Trade Zone", "FTZ");
* *head nouns*: "the zones" or "the 22 zones" names the entity with the most
  aliases ending in that noun (and the shortest such alias), when one is clear.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from factlint.claims.sentences import Token, phrase_key, tokens
from factlint.quantity import SCALE_POWER
from factlint.registry import Metric, Registries

__all__ = ["Cue", "Lexicon"]

_DETERMINERS = {"the", "these", "those", "all", "its", "their", "our", "each", "both", "such"}
_OF_WORDS = {"of", "to", "than"}
_STOPWORDS = {
    "the",
    "a",
    "an",
    "of",
    "in",
    "on",
    "to",
    "and",
    "or",
    "for",
    "by",
    "with",
    "at",
    "from",
    "its",
    "their",
    "this",
    "that",
    "total",
    "number",
    "value",
    "new",
    # the words of units belong to figures, not to what they measure
    "square",
    "kilometer",
    "kilometre",
    "km",
    "sq",
    "km2",
    "yuan",
    "dollar",
    "percent",
    "per",
    "cent",
    "billion",
    "million",
    "trillion",
    "thousand",
    "hour",
    "day",
    "each",
}
_LONGEST = 16  # aliases longer than this many tokens are not looked for inside others


@dataclass(frozen=True)
class Cue:
    """Where a metric or an entity is named: ``text[start:end]``."""

    start: int
    end: int
    ids: tuple[str, ...]
    first: int
    """Index of the cue's first token in the sentence's token list."""
    last: int
    """Index of the token after the cue."""
    strength: int = 2
    """2 an alias, 1 a derived reading (hosted entity, head noun)."""
    head: str | None = None
    """For a head-noun cue ("the zone"): the noun, so that a singular can refer back."""
    plural: bool = False


def _stem(word: str) -> str:
    """A light stem for loose matching: "exported", "exporting" -> "export"."""
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class _Vocabulary:
    """Aliases as token tuples, indexed by their first token; longest match wins."""

    def __init__(self, aliases: dict[str, set[str]], kinds: dict[str, str] | None = None) -> None:
        self.kinds = kinds or {}
        """id -> a kind (a metric's dimension): a nested alias of the same kind is redundant."""
        index: dict[str, dict[tuple[str, ...], set[str]]] = defaultdict(dict)
        for alias, ids in aliases.items():
            key = tuple(t.norm for t in tokens(alias))
            if key:
                index[key[0]].setdefault(key, set()).update(ids)
        self.index = {
            first: sorted(
                ((k, tuple(sorted(v))) for k, v in entries.items()), key=lambda e: -len(e[0])
            )
            for first, entries in index.items()
        }

    def find(self, toks: list[Token], *, nested: bool = False) -> list[Cue]:
        """The longest alias at each place, left to right.

        With ``nested``, an alias inside a longer one is kept too when it names something
        else ("foreign direct investment" inside "decline in foreign direct investment": the
        amount, inside the growth). Entity names are read without: "China (Shanghai) Pilot
        Free Trade Zone" does not also name China.
        """
        found: list[Cue] = []
        n = len(toks)
        if not nested:
            i = 0
            while i < n:
                for key, ids in self.index.get(toks[i].norm, ()):
                    size = len(key)
                    if i + size <= n and all(toks[i + j].norm == key[j] for j in range(1, size)):
                        found.append(Cue(toks[i].start, toks[i + size - 1].end, ids, i, i + size))
                        i += size
                        break
                else:
                    i += 1
            return found
        for i in range(n):
            for key, ids in self.index.get(toks[i].norm, ()):
                size = len(key)
                if i + size <= n and all(toks[i + j].norm == key[j] for j in range(1, size)):
                    found.append(Cue(toks[i].start, toks[i + size - 1].end, ids, i, i + size))
                    break
        out: list[Cue] = []
        for k, cue in enumerate(found):
            # a container starts at most one alias length before: look back a bounded window
            kinds = {self.kinds.get(i) for i in cue.ids}
            if any(
                cue.last <= o.last
                and (set(cue.ids) <= set(o.ids) or kinds & {self.kinds.get(i) for i in o.ids})
                for o in found[max(0, k - _LONGEST) : k]
            ):
                continue
            out.append(cue)
        return out


class Lexicon:
    """Metric and entity vocabulary of one project."""

    def __init__(self, registries: Registries) -> None:
        self.registries = registries
        self.wholes = frozenset(m.share.of for m in registries.metrics.values() if m.share)
        """What some share metric is "of" (an entity id)."""
        metric_aliases: dict[str, set[str]] = defaultdict(set)
        for m in registries.metrics.values():
            for alias in m.aliases:
                metric_aliases[alias].add(m.id)
        entity_aliases: dict[str, set[str]] = defaultdict(set)
        for e in registries.entities.values():
            for alias in (*e.aliases, e.name):
                entity_aliases[alias].add(e.id)
        self._metrics = _Vocabulary(
            metric_aliases, {m.id: m.dimension for m in registries.metrics.values()}
        )
        self._entities = _Vocabulary(entity_aliases)
        self._hosted = self._hosted_entities()
        self._parts: dict[str, set[str]] = {}
        self._content: dict[str, list[frozenset[str]]] = {}
        self._zone_words = self._host_words()
        self._entity_heads = self._heads({e.id: e.aliases for e in registries.entities.values()})
        self._metric_words = {
            key[0]
            for m in registries.metrics.values()
            for a in m.aliases
            if len(key := phrase_key(a)) == 1
        }
        self._metric_heads: dict[str, dict[str, list[tuple[str, ...]]]] = defaultdict(dict)
        for m in registries.metrics.values():
            for alias in m.aliases:
                key = phrase_key(alias)
                # a noun heads what a figure counts; "trains opened" ends in a verb
                if key and not key[-1].endswith(("ed", "ing")):
                    self._metric_heads[key[-1]].setdefault(m.id, []).append(key)

    # -- derived vocabulary --------------------------------------------------------

    def _hosted_entities(self) -> dict[str, str]:
        """host id -> the one entity it hosts (hosts of several entities are left out)."""
        by_host: dict[str, list[str]] = defaultdict(list)
        for e in self.registries.entities.values():
            if e.host:
                by_host[e.host].append(e.id)
        return {host: ids[0] for host, ids in by_host.items() if len(ids) == 1}

    def _host_words(self) -> set[str]:
        """The head words hosted entities add to their host's name ("zone", "ftz")."""
        words: set[str] = set()
        for host, hosted in self._hosted.items():
            host_tokens = {
                t.norm for a in self.registries.entities[host].aliases for t in tokens(a)
            }
            for alias in self.registries.entities[hosted].aliases:
                rest = [t.norm for t in tokens(alias) if t.norm not in host_tokens]
                if rest and not rest[-1].isdigit():
                    words.add(rest[-1])
        return words

    @staticmethod
    def _heads(aliases_of: dict[str, tuple[str, ...]]) -> dict[str, str]:
        """Head noun -> the entity that owns it: most aliases ending in it, then shortest alias."""
        count: dict[str, Counter[str]] = defaultdict(Counter)
        shortest: dict[tuple[str, str], int] = {}
        for ident, aliases in aliases_of.items():
            for alias in aliases:
                key = [t.norm for t in tokens(alias)]
                if len(key) < 2 or not key[-1].isalpha():
                    continue
                count[key[-1]][ident] += 1
                shortest[(key[-1], ident)] = min(shortest.get((key[-1], ident), 99), len(key))
        heads: dict[str, str] = {}
        for head, owners in count.items():
            ranked = sorted(owners, key=lambda i: (-owners[i], shortest[(head, i)]))
            best = ranked[0]
            if owners[best] < 2:
                continue
            if len(ranked) > 1 and (owners[ranked[1]], -shortest[(head, ranked[1])]) == (
                owners[best],
                -shortest[(head, best)],
            ):
                continue
            heads[head] = best
        return heads

    # -- cues -------------------------------------------------------------------------

    def metric_cues(self, toks: list[Token]) -> list[Cue]:
        return self._metrics.find(toks, nested=True)

    def entity_cues(self, toks: list[Token]) -> list[Cue]:
        """Entity aliases; a province read as its zone when a zone word is next to it; head
        nouns ("the zones")."""
        found = self._entities.find(toks)
        out: list[Cue] = []
        covered: set[int] = set()
        holder = {i: c for c in found for i in range(c.first, c.last)}
        for cue in found:
            hosted = self._hosted.get(cue.ids[0]) if len(cue.ids) == 1 else None
            word = self._zone_word_near(toks, cue) if hosted else None
            if word is not None and word in holder and hosted is not None:
                inner = holder[word].ids[0]
                if inner in self._parts_of(hosted):
                    word = None  # "Chongqing's Xiyong area": a part of the zone, named itself
            if hosted and word is not None:
                # "the pilot free trade zone in Xinjiang" is one entity: Xinjiang's zone
                first, last = min(cue.first, word), max(cue.last, word + 1)
                out = [c for c in out if c.last <= first]
                cue = Cue(toks[first].start, toks[last - 1].end, (hosted,), first, last)
            elif any(c.first <= cue.first < c.last for c in out):
                continue
            covered.update(range(cue.first, cue.last))
            out.append(cue)
        for i, tok in enumerate(toks):
            owner = self._entity_heads.get(tok.norm)
            if (
                owner is None
                or i in covered
                or (i - 1) in covered
                or tok.norm in self._metric_words
            ):
                continue  # "the Kashgar area" is Kashgar's; "area" is a metric's word
            before = {t.norm for t in toks[max(0, i - 3) : i]}
            if before & _DETERMINERS or any(t.norm.isdigit() for t in toks[max(0, i - 2) : i]):
                out.append(Cue(tok.start, tok.end, (owner,), i, i + 1, 1, tok.norm, tok.plural))
        return sorted(out, key=lambda c: c.start)

    def _parts_of(self, entity: str) -> set[str]:
        found = self._parts.get(entity)
        if found is None:
            found = self._parts[entity] = set(self.registries.descendants(entity))
        return found

    def _zone_word_near(self, toks: list[Token], cue: Cue) -> int | None:
        """Index of a zone word within three tokens of ``cue`` ("Guangdong's zone", "the zone in
        Guangdong"); not a plural ("the zones in Shandong, Jiangsu ..." are several)."""
        after = range(cue.last, min(len(toks), cue.last + 3))
        before = range(cue.first - 1, max(-1, cue.first - 4), -1)
        for i in (*after, *before):
            if toks[i].norm in self._zone_words:
                return None if toks[i].plural else i
        return None

    def metric_heads(self, toks: list[Token], dimension_ok: set[str]) -> dict[str, tuple[int, int]]:
        """Metrics whose aliases end in one of ``toks``'s words, scored by (shared words, minus
        the alias words not there): "six new zones" fits "new free trade zones" best, "21 zones"
        the plainer "free trade zones"."""
        words = {t.norm for t in toks}
        scores: dict[str, tuple[int, int]] = {}
        for tok in toks:
            for metric_id, keys in self._metric_heads.get(tok.norm, {}).items():
                if metric_id not in dimension_ok:
                    continue
                score = max((len(words & set(k)), -len(set(k) - words)) for k in keys)
                scores[metric_id] = max(scores.get(metric_id, (0, -99)), score)
        return scores

    def hosted(self, entity: str) -> str | None:
        """The one entity ``entity`` hosts (a province's zone), if any."""
        return self._hosted.get(entity)

    def ends_in(self, entity: str, head: str) -> bool:
        """Does one of the entity's aliases end in the noun ``head``?"""
        e = self.registries.entities.get(entity)
        return e is not None and any(phrase_key(a)[-1:] == (head,) for a in e.aliases)

    def metric(self, metric_id: str) -> Metric:
        return self.registries.metrics[metric_id]

    def unit(self, unit_id: str) -> tuple[str, float] | None:
        """(dimension, factor to the base unit) of a unit id, also for ``<scale> <unit>`` ids."""
        units = self.registries.units
        if unit_id in units:
            return units[unit_id].dimension, units[unit_id].factor
        for scale, power in SCALE_POWER.items():
            if unit_id.startswith(scale + " ") and unit_id[len(scale) + 1 :] in units:
                base = units[unit_id[len(scale) + 1 :]]
                return base.dimension, base.factor * 10.0**power
        return None

    def is_place(self, entity: str) -> bool:
        """An entity that hosts another (a province): "in Beijing" says where, not who."""
        return entity in self._hosted or any(
            e.host == entity for e in self.registries.entities.values()
        )

    @staticmethod
    def preceded_by_of(toks: list[Token], cue: Cue) -> bool:
        """True for "of the country's total", "to national imports": an of-phrase, not a subject."""
        i = cue.first - 1
        while i >= 0 and toks[i].norm in ("the", "a", "an", "its", "their"):
            i -= 1
        return i >= 0 and toks[i].norm in _OF_WORDS

    def _content_words(self, metric_id: str) -> list[frozenset[str]]:
        found = self._content.get(metric_id)
        if found is None:
            found = self._content[metric_id] = [
                frozenset(_stem(w) for w in phrase_key(a)) - _STOPWORDS
                for a in self.registries.metrics[metric_id].aliases
            ]
        return found

    def fuzzy_metrics(self, toks: list[Token], wanted: set[str]) -> dict[str, tuple[int, int]]:
        """Metrics most of whose alias words the tokens use, when no alias is written out:
        "investment in high-tech industries" -> foreign capital in high-tech industries.
        Scored by shared content words (at least two, and at least half the alias's)."""
        words = {_stem(t.norm) for t in toks} - _STOPWORDS
        scores: dict[str, tuple[int, int]] = {}
        for metric_id in wanted:
            for content in self._content_words(metric_id):
                shared = len(content & words)
                if shared >= 2 and 2 * shared >= len(content):
                    score = (shared, -len(content - words))
                    scores[metric_id] = max(scores.get(metric_id, score), score)
        return scores
