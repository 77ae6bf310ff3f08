"""``factlint extract``: candidate fact rows from a source, for review rather than retyping."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from factlint.claims.extract import (
    COLUMNS,
    Candidate,
    extract_file,
    extract_text,
    neutralise,
    render_csv,
)
from factlint.claims.recall import measure_recall
from factlint.commands.claims import run_extract_command
from factlint.errors import InputError, UsageError
from factlint.project import FACT_COLUMNS, Project, load_project

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "facts" / "sources"


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(ROOT)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def by_value(candidates: list[Candidate], value: str) -> Candidate:
    found = [c for c in candidates if c.value == value]
    assert found, f"no candidate {value!r} in {[c.value for c in candidates]}"
    return found[0]


def test_candidates_have_the_fact_columns_and_a_review_column(project: Project) -> None:
    found = extract_file(project, SOURCES / "scio-2024-09-10.txt")
    assert set(FACT_COLUMNS) <= set(COLUMNS) and "review" in COLUMNS
    fdi = by_value(found, "103.96")
    assert (fdi.source, fdi.unit, fdi.qualifier) == ("scio-2024-09-10", "billion yuan", "exact")
    assert (fdi.metric, fdi.subject, fdi.period) == ("fdi_actual_use", "ftz-all", "2024-H1")
    land = by_value(found, "0.4")
    assert (land.qualifier, land.metric, land.period) == (
        "less_than",
        "area_share_of_land",
        "2024-H1",
    )
    share = by_value(found, "19.5")
    assert share.metric == "trade_total_share"


def test_quotes_are_verbatim_sentences_of_the_source(project: Project) -> None:
    for name in ("scio-2024-09-10", "mofcom-2020-09-02", "scio-2023-02-02", "ref-fujian"):
        text = (SOURCES / f"{name}.txt").read_text(encoding="utf-8")
        for c in extract_file(project, SOURCES / f"{name}.txt"):
            assert c.quote and c.quote in text, (name, c.quote)
            line, column = (int(x) for x in c.locator.split(":"))
            assert text.splitlines()[line - 1][column - 1 :][:1].strip()


def test_review_says_what_needs_a_human(project: Project) -> None:
    found = extract_text(project, "It rose by 12 percent, officials said.", "new-release")
    c = found[0]
    assert "metric unknown" in c.review and "subject unknown" in c.review
    assert "period" in c.review and "source date unknown" in c.review
    dated = extract_file(project, SOURCES / "mofcom-best-practice-6.txt")
    cases = by_value(dated, "29")
    assert cases.period == "2025" and "period = the source's date" in cases.review


def test_dates_without_a_year_take_the_source_year(project: Project) -> None:
    found = extract_file(project, SOURCES / "ref-batch3-open.txt")
    opened = by_value(found, "2017-04-01")
    assert (opened.unit, opened.metric) == ("date", "opened_on")
    assert "year of the date" in opened.review


def test_negative_values_stay_numbers_and_formulas_are_neutralised() -> None:
    assert neutralise("value", "-15.2") == "-15.2"
    assert neutralise("value", "-3--2") == "-3--2"
    assert neutralise("value", "2013-09-29") == "2013-09-29"
    assert neutralise("value", "-1+1") == "'-1+1"
    for cell in ('=HYPERLINK("http://x")', "+1", "-cmd", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise("quote", cell) == "'" + cell
        assert neutralise("subject", cell) == "'" + cell
    assert neutralise("quote", "plain text") == "plain text"
    row = Candidate(
        "s-001", "s", "=2+3 was said", "", "", "", "-15.2", "percent", "exact", "", "1:1"
    )
    out = rows(render_csv([row]))[0]
    assert out["quote"] == "'=2+3 was said" and out["value"] == "-15.2"


def test_a_hostile_source_yields_inert_csv(project: Project, tmp_path: Path) -> None:
    source = tmp_path / "hostile.txt"
    source.write_text(
        '=cmd|"/c calc"!A1 reached 12 billion yuan.\n@SUM(1) 22 pilot FTZs\n', encoding="utf-8"
    )
    out = tmp_path / "candidates.csv"
    assert run_extract_command(source, project_dir=ROOT, output=out) == 0
    for row in rows(out.read_text(encoding="utf-8")):
        for column, cell in row.items():
            if column != "value":
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)


def test_extract_command_writes_csv_and_refuses_inputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = SOURCES / "ref-batch5.txt"
    assert run_extract_command(source, project_dir=ROOT) == 0
    printed = rows(capsys.readouterr().out)
    assert [r["value"] for r in printed] == ["2019-08-26", "6", "18"]
    assert printed[0]["source"] == "ref-batch5" and printed[0]["id"] == "ref-batch5-001"
    with pytest.raises(UsageError, match="refusing"):
        run_extract_command(source, project_dir=ROOT, output=source)
    with pytest.raises(InputError, match="not found"):
        run_extract_command(tmp_path / "missing.txt", project_dir=ROOT)
    with pytest.raises(UsageError, match="source-id"):
        run_extract_command(source, project_dir=ROOT, source_id="../etc")


def test_recall_against_the_curated_fact_base(project: Project) -> None:
    """Most curated facts come back from their sources; the figure is in docs/claims.md."""
    result = measure_recall(project)
    assert result.facts == len(project.facts)
    assert result.rate >= 0.95, result.summary()
    assert result.full_rate >= 0.5, result.summary()
    documented = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    m = re.search(
        r"(\d+) of (\d+) curated facts recovered \((\d+)%\); (\d+) \((\d+)%\)", documented
    )
    assert m, "docs/claims.md states the recall"
    # the fact base grows; the documented figure must stay close to the measured one
    assert abs(int(m[3]) / 100 - result.rate) <= 0.05, result.summary()
    assert abs(int(m[5]) / 100 - result.full_rate) <= 0.05, result.summary()
