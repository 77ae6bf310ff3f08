"""The bundled FTZ rule set, end to end: clean as shipped, and every identity can break.

Each case edits a source passage and its fact together (so provenance still
passes) to break one identity — a share, a count, a bound, a part, a series, a
rate, a sum, a chain of derived values — and expects an error finding that
names the edited fact.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from factlint.engine import run_check
from factlint.findings import Severity, Status


def edit_figure(root: Path, source: str, old: str, new: str, fact: str, value: str) -> None:
    """Change ``old`` to ``new`` in a source text and in every quote citing it; set ``fact``'s value."""
    text_path = root / "facts" / "sources" / f"{source}.txt"
    text = text_path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {source}"
    text_path.write_text(text.replace(old, new), encoding="utf-8")
    found = False
    for table in (root / "facts").glob("*.csv"):
        if table.name == "sources.csv":
            continue
        rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8"))))
        if not rows:
            continue
        for row in rows:
            if row["source"] == source and old in row["quote"]:
                row["quote"] = row["quote"].replace(old, new)
            if row["id"] == fact:
                row["value"] = value
                found = True
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        table.write_text(out.getvalue(), encoding="utf-8")
    assert found, fact


def test_bundled_base_is_clean_apart_from_reviewed_waivers(bundled_project: Path) -> None:
    result = run_check(bundled_project)
    failing = result.failing(Severity.ERROR)
    assert failing == [], [f.message for f in failing]
    waived = sorted((f.rule, tuple(sorted(f.facts))) for f in result.findings if f.waived)
    assert waived == [
        (
            "new-entities-per-day",
            ("mofcom20-yunnan-new-entities", "mofcom20-yunnan-new-entities-per-day"),
        ),
        (
            "shares-match-parts-and-wholes",
            ("mofcom20-hlj-exports-russia", "mofcom20-hlj-russia-share"),
        ),
    ]
    # every rule checked something: none is dead or crashed
    assert all(run.checks or run.derived for run in result.rule_runs)
    assert not any(run.crashed for run in result.rule_runs)


def test_rounding_in_the_corpus_stays_consistent(bundled_project: Path) -> None:
    """18.1% of 1,232.68 billion is 222.52 only once 18.1 is read as 18.05-18.15."""
    result = run_check(bundled_project)
    shares = next(r for r in result.rule_runs if r.rule.id == "shares-match-parts-and-wholes")
    assert shares.outcomes is not None
    checked = shares.outcomes[shares.outcomes["status"] == "ok"]
    involved = {fact for ids in checked["facts"] for fact in ids}
    assert {"scio23-ftz-fdi-share-2022", "ref-cn-fdi-2022-words"} <= involved
    assert {"scio24-ftz-trade-share-2024h1", "ref-cn-trade-2024h1"} <= involved


BREAKS = [
    # (what breaks, source, old text, new text, edited fact, its new value, rule that must fire)
    # the whole implied by the FTZ share (103.96 / 20.8%) is China's H1 2024 total,
    # which the H1 2025 figure and its 15.2% fall must reproduce
    (
        "share via implied whole",
        "scio-2024-09-10",
        "attracted 20.8%",
        "attracted 24.8%",
        "scio24-ftz-fdi-share-2024h1",
        "24.8",
        "growth-matches-both-periods",
    ),
    (
        "share against its whole",
        "scio-2024-09-10",
        "contributed 19.5%",
        "contributed 21.5%",
        "scio24-ftz-trade-share-2024h1",
        "21.5",
        "shares-match-parts-and-wholes",
    ),
    (
        "count against the registry",
        "mofcom-upgrade-2024",
        "establishment of 22 pilot",
        "establishment of 23 pilot",
        "mofup24-ftz-count",
        "23",
        "zone-count-matches-registry",
    ),
    (
        "falling series",
        "mofcom-best-practice-6",
        "To date, 485",
        "To date, 300",
        "bp6-innovations-national",
        "300",
        "zone-count-never-falls",
    ),
    (
        "bound on each member",
        "ref-batch5-areas",
        "119.99",
        "120.99",
        "ref-guangxi-area",
        "120.99",
        "batch-2019-areas-within-stated-bounds",
    ),
    (
        "part within whole",
        "scio-2023-02-02",
        "was 86.34 billion",
        "was 286.34 billion",
        "scio23-ftz-fdi-hightech-2022",
        "286.34",
        "high-tech-fdi-within-fdi",
    ),
    (
        "sum of sub-areas",
        "ref-fujian",
        "Xiamen(43.78",
        "Xiamen(53.78",
        "ref-fujian-xiamen-area",
        "53.78",
        "fujian-areas-add-up",
    ),
    (
        "land share",
        "ref-cn-land",
        "around 9.6 million",
        "around 6.6 million",
        "ref-cn-land-area",
        "6.6",
        "land-share-of-ftz-area",
    ),
    (
        "growth chain",
        "ref-cn-fdi-2025h1",
        "423.2 billion",
        "463.2 billion",
        "ref-cn-fdi-2025h1",
        "463.2",
        "growth-matches-both-periods",
    ),
    (
        "batch total",
        "ref-batch5",
        "pilot FTZs to 18",
        "pilot FTZs to 19",
        "ref-batch5-total",
        "19",
        "batch-2019-brings-total-to-18",
    ),
]


@pytest.mark.parametrize(
    ("source", "old", "new", "fact", "value", "rule"),
    [pytest.param(*case[1:], id=case[0]) for case in BREAKS],
)
def test_breaking_an_identity_names_the_edited_fact(
    bundled_project: Path, source: str, old: str, new: str, fact: str, value: str, rule: str
) -> None:
    edit_figure(bundled_project, source, old, new, fact, value)
    result = run_check(bundled_project)
    provenance = [f for f in result.findings if f.rule in ("schema", "provenance")]
    assert provenance == [], [f.message for f in provenance]
    hits = [
        f
        for f in result.failing(Severity.ERROR)
        if f.rule == rule and fact in f.facts and f.status is Status.DISCREPANCY
    ]
    assert hits, [f"{f.rule}: {f.message}" for f in result.findings if f.severity is Severity.ERROR]


def test_rate_finding_follows_the_edited_figure(bundled_project: Path) -> None:
    """The Yunnan rate is a reviewed discrepancy: edited, it stays reported (and waived)."""
    edit_figure(
        bundled_project,
        "mofcom-2020-09-02",
        "reached 31,559",
        "reached 41,559",
        "mofcom20-yunnan-new-entities",
        "41559",
    )
    result = run_check(bundled_project)
    rate = [f for f in result.findings if f.rule == "new-entities-per-day"]
    assert len(rate) == 1 and "41559" in rate[0].message
    assert "mofcom20-yunnan-new-entities" in rate[0].facts and rate[0].waived
