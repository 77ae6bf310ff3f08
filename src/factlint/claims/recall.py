"""How much of a curated fact base ``factlint extract`` recovers from its sources.

A curated fact is *recovered* when some candidate from its source has the same
value, unit and qualifier; it is recovered *in full* when such a candidate
also has the right metric, subject and period. Run it on the bundled base::

    python -m factlint.claims.recall [PROJECT_DIR]
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from factlint.claims.extract import Candidate, extract_text
from factlint.project import Project, load_project

__all__ = ["Recall", "measure_recall"]


@dataclass
class Recall:
    facts: int = 0
    recovered: int = 0
    in_full: int = 0
    candidates: int = 0
    missed: list[str] = field(default_factory=list)
    """Ids of curated facts no candidate matches."""
    partial: list[str] = field(default_factory=list)
    """Ids recovered, but with another metric, subject or period."""

    @property
    def rate(self) -> float:
        return self.recovered / self.facts if self.facts else 1.0

    @property
    def full_rate(self) -> float:
        return self.in_full / self.facts if self.facts else 1.0

    def summary(self) -> str:
        return (
            f"{self.recovered} of {self.facts} curated facts recovered ({self.rate:.0%}); "
            f"{self.in_full} ({self.full_rate:.0%}) also with the right metric, subject and "
            "period; "
            f"{self.candidates} candidates proposed"
        )


def measure_recall(project: Project) -> Recall:
    result = Recall()
    by_source: dict[str, list[Candidate]] = defaultdict(list)
    for source_id, text in sorted(project.source_texts.items()):
        found = extract_text(project, text, source_id)
        by_source[source_id] = found
        result.candidates += len(found)
    for fact in project.facts.to_dict("records"):
        result.facts += 1
        same = [
            c
            for c in by_source.get(str(fact["source"]), [])
            if (c.value, c.unit, c.qualifier)
            == (str(fact["value"]), str(fact["unit"]), str(fact["qualifier"]))
        ]
        if not same:
            result.missed.append(str(fact["id"]))
            continue
        result.recovered += 1
        if any(
            (c.metric, c.subject, c.period)
            == (str(fact["metric"]), str(fact["subject"]), str(fact["period"]))
            for c in same
        ):
            result.in_full += 1
        else:
            result.partial.append(str(fact["id"]))
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    project = load_project(Path(args[0]) if args else Path("."))
    result = measure_recall(project)
    print(result.summary())
    if result.missed:
        print("missed: " + ", ".join(result.missed))
    if result.partial:
        print("recovered with another metric, subject or period: " + ", ".join(result.partial))
    return 0


if __name__ == "__main__":
    sys.exit(main())
