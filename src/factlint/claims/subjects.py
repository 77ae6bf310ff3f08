"""Which entity a figure is about.

The entity named before the figure, nearest first, or the thing a count counts; an
of-phrase after a share ("of the country's total") is what the share is taken of, never
its subject; "Guangdong's zone" is the zone Guangdong hosts, "the new zone" the zone named
before, "in Beijing" a place. Failing those, what the paragraph was about, then an entity
named after the figure.
"""

from __future__ import annotations

import re

from factlint.claims.lexicon import Cue
from factlint.claims.reading import (
    EARLIER_SENTENCE,
    NUMBER_WORDS,
    Cues,
    Earlier,
    Own,
    ResolverBase,
    inside,
)
from factlint.claims.sentences import Token
from factlint.quantity import Quantity

__all__ = ["SubjectReader"]

_PRONOUN = re.compile(r"\b(?:it|its)\b", re.I)
# after a figure, an entity behind these words is where the figure happens ("in the pilot FTZs")
_SUBJECT_PREPOSITIONS = {
    "in",
    "by",
    "for",
    "across",
    "into",
    "among",
    "within",
    "inside",
    "throughout",
}
_SKIP_WORDS = {"the", "a", "an", "its", "their", "all", "these", "those", "each"}
_AFTER_SUBJECT = 4000  # an entity after the figure, behind "in", "by"...
_AFTER_OBJECT = 6000  # an entity after the figure behind another word ("at the national level")
_ALTERNATIVES = 4


class SubjectReader(ResolverBase):
    """Subject of a figure, and the other candidates."""

    # -- subject ------------------------------------------------------------------------------

    def _self_named(self, cue: Cue, figure: Quantity) -> bool:
        """ "six new pilot FTZs" holds the figure "six": it cannot say what "six" counts."""
        if self.self_naming:
            return False
        words = set(re.findall(r"\w+", self.text[cue.start : cue.end].lower()))
        shared = words & set(re.findall(r"\w+", figure.text.lower()))
        return any(w.isdigit() or w in NUMBER_WORDS for w in shared)

    def _after_cost(self, toks: list[Token], cue: Cue) -> int:
        i = cue.first - 1
        while i >= 0 and toks[i].norm in _SKIP_WORDS:
            i -= 1
        word = toks[i].norm if i >= 0 else ""
        return _AFTER_SUBJECT if word in _SUBJECT_PREPOSITIONS else _AFTER_OBJECT

    def _subjects(
        self,
        figure: Quantity,
        own: list[Own],
        earlier: Earlier,
        wholes: set[str],
        *,
        counting: bool,
    ) -> tuple[list[str], list[str], bool]:
        """The subjects named nearest, the other candidates nearest first, and whether the
        chosen subject is written out (an alias in the figure's own sentence)."""
        best: dict[str, int] = {}
        strong: set[str] = set()

        def offer(ident: str, cost: int, named: bool = False) -> None:
            if ident in wholes:
                return  # a share of China is never China's own
            if ident not in best or cost < best[ident]:
                best[ident] = cost
            if named:
                strong.add(ident)

        for cues, base, sentence in own:
            toks = cues.toks
            for cue in cues.entities:
                if inside(cue.start, cue.end, figure) or self._self_named(cue, figure):
                    continue
                after = cue.start >= figure.end
                of_phrase = self.lexicon.preceded_by_of(toks, cue)
                if of_phrase and (after or cue.ids[0] in self.lexicon.wholes) and base is None:
                    continue  # "of the country's total": what a share is taken of
                between = [t.norm for t in toks if figure.end <= t.start < cue.start]
                counted = (
                    counting
                    and after
                    and base is None
                    and len(between) <= 1
                    and not {"and", "or", "of"} & set(between)
                    and not re.search(r"[,;:.]", self.text[figure.end : cue.start])
                )
                if counted:
                    cost = 0
                else:
                    cost = self._cost(cue.start, cue.end, figure, sentence, base)
                    if after and base is None:
                        cost += self._after_cost(toks, cue)
                    elif self._qualifies_previous(cues, cue):
                        cost += 30  # "the FTZs in China": the FTZs, located in China
                cost += 0 if cue.strength == 2 else 3
                ids = cue.ids
                if cue.head and not cue.plural:  # "the new zone": which one
                    before = [c for c in cues.entities if c.end <= cue.start]
                    ids = self._antecedent(cue.head, before, earlier) or ids
                referred = ids is not cue.ids
                firm = (cue.strength == 2 or referred) and cost < EARLIER_SENTENCE
                if firm and self._location(toks, cue):
                    firm = False  # "a press conference in Beijing": where, not what
                if firm and sentence is not None and not after:
                    firm = not self._across_conjunction(cue.start, figure, sentence)
                for ident in ids:
                    offer(ident, cost, named=firm)
        pronoun = self._pronoun_before(figure, own)
        settled = best and all(i in strong for i, c in best.items() if c == min(best.values()))
        for j, cues, base in [] if settled else earlier:  # what the paragraph is about
            said = self._said.get(j)
            found = said if said and not pronoun else None
            if found is None:
                main = self._main_entity(cues, last=pronoun)
                found = list(main.ids) if main is not None else None
            if found:
                for ident in found:
                    offer(ident, base)
                break
        if not best:
            return [], [], False
        low = min(best.values())
        chosen = sorted(i for i, c in best.items() if c == low)
        others = sorted((c, i) for i, c in best.items() if c != low)
        named = all(i in strong for i in chosen)
        return chosen, [i for _, i in others[:_ALTERNATIVES]], named

    def _antecedent(self, head: str, before: list[Cue], earlier: Earlier) -> tuple[str, ...] | None:
        """ "The new zone": the nearest entity before it whose name ends in "zone"."""
        groups = [before, *(cues.entities for _, cues, _ in earlier)]
        for entities in groups:
            for cue in reversed(entities):
                if (
                    cue.head is None
                    and len(cue.ids) == 1
                    and self.lexicon.ends_in(cue.ids[0], head)
                ):
                    return cue.ids
        return None

    def _location(self, toks: list[Token], cue: Cue) -> bool:
        i = cue.first - 1
        return (
            i >= 0
            and toks[i].norm in ("in", "at")
            and len(cue.ids) == 1
            and self.lexicon.is_place(cue.ids[0])
        )

    @staticmethod
    def _qualifies_previous(cues: Cues, cue: Cue) -> bool:
        """An entity right behind "in" after another entity only says where that one is."""
        i = cue.first - 1
        if i < 1 or cues.toks[i].norm != "in":
            return False
        return any(e.last == i for e in cues.entities)

    def _pronoun_before(self, figure: Quantity, own: list[Own]) -> bool:
        """ "it has gathered 87 teams": "it" is what the sentence before ended on."""
        sentence = own[0][2]
        if sentence is None:
            return False
        lo, _ = sentence.clause_bounds(figure.start)
        return (
            bool(_PRONOUN.search(self.text, sentence.start, figure.start)) and lo >= sentence.start
        )

    def _main_entity(self, cues: Cues, *, last: bool = False) -> Cue | None:
        """What a sentence is about: its most specific entity (the longest alias), not one in an
        of-phrase or a possessive in front of another ("China's 22 pilot FTZs" is about the FTZs).
        With ``last``, the entity it ends on (what "it" in the next sentence refers to)."""
        candidates = []
        entities = cues.entities
        for k, cue in enumerate(entities):
            if self.lexicon.preceded_by_of(cues.toks, cue) and not last:
                continue
            possessive = self.text[cue.start : cue.end].endswith(("'s", "’s"))
            nxt = entities[k + 1] if k + 1 < len(entities) else None
            if possessive and nxt and nxt.first - cue.last <= 3:
                continue
            candidates.append(cue)
        if not candidates:
            return None
        if last:
            return candidates[-1]
        return max(candidates, key=lambda c: (c.strength, c.last - c.first, -c.start))

    def _wholes(self, metrics: list[str]) -> set[str]:
        """What the candidate share metrics are taken of: never the subject of the share."""
        registry = self.lexicon.registries.metrics
        return {registry[m].share.of for m in metrics if registry[m].share}  # type: ignore[union-attr]
