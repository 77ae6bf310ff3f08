"""The HTML audit report: complete, self-contained, inert against hostile input, bounded in size."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from factlint.cli import main
from factlint.engine import RunResult, run_check
from factlint.findings import Finding, Severity, Status
from factlint.project import Project
from factlint.registry import load_registries
from factlint.report.data import report_data
from factlint.report.html import render_html, safe_url, script_json
from factlint.report.svg import number_line, timeline
from factlint.rules.base import FactTable, Settings
from factlint.rules.loader import RuleSet
from tests.fixtures.report_project.scenario import HERE as FIXTURE
from tests.fixtures.report_project.scenario import (
    PAYLOADS,
    build_report_data,
    source_date_epoch,
    write_hostile_project,
)

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
)
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


class Elements(HTMLParser):
    """Every element and attribute of a page, with its text and script contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            self.scripts.append((self._in_script, data))
        else:
            self.text.append(data)


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return build_report_data()


@pytest.fixture(scope="module")
def page(report: dict[str, Any]) -> str:
    return render_html(report)


@pytest.fixture(scope="module")
def hostile_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = write_hostile_project(tmp_path_factory.mktemp("h") / HOSTILE_NAME)
    with source_date_epoch():
        result = run_check(root)
    return render_html(report_data(result, Severity.ERROR))


# -- content ------------------------------------------------------------------


def test_header_names_project_time_version_and_fingerprint(report, page: str) -> None:
    text = " ".join(parse(page).text)
    assert "report_project" in text and "2024-09-10T20:26:40Z" in text
    assert "factlint 0.1.0" in text and report["fingerprint"] in text
    assert "FAIL" in text and "6 finding(s) at or above --fail-on error" in text


def test_findings_are_grouped_by_rule_with_fact_cards(page: str) -> None:
    doc = parse(page)
    groups = [a["data-rule"] for t, a in doc.tags if t == "section" and "data-rule" in a]
    assert groups[:3] == ["schema", "provenance", "broken-formula"]
    assert len(groups) == len(set(groups))
    cards = [a for t, a in doc.tags if t == "article"]
    assert len(cards) == 10  # unwaived findings, not unverifiable
    # the quote inside its sentence, the figure highlighted
    assert "<mark>20.8%</mark>" in page
    assert 'Covering less than 0.4% of the country&#39;s land, </span>' in page
    # a link only where the source URL is http(s)
    hrefs = [a.get("href") for t, a in doc.tags if t == "a"]
    hrefs = [h for h in hrefs if not (h or "").startswith("#")]
    assert set(hrefs) == {"https://example.org/2023/zones", "http://example.org/2024-briefing"}
    assert "likeliest culprit" in page


def test_number_lines_and_timelines_are_inline_svg(page: str) -> None:
    doc = parse(page)
    classes = [a.get("class") for t, a in doc.tags if t == "svg"]
    assert classes.count("numberline") == 4  # every listed card with intervals
    assert classes.count("timeline") == 2  # zone_count and reforms of `zones`
    assert "Number of zones set up so far" in page


def test_number_line_draws_open_and_infinite_ends() -> None:
    inf = {"lo": 21, "hi": "inf", "lo_open": False, "hi_open": True, "unit": "count"}
    point = {"lo": 20, "hi": 20, "lo_open": False, "hi_open": False, "unit": "count"}
    chart = number_line(point, inf)
    assert chart is not None
    stated, computed = chart["bars"]
    assert stated["point"] and computed["hi_cap"] == "arrow" and computed["x2"] == chart["right"]
    assert chart["gap"] is not None and chart["gap"]["x1"] < chart["gap"]["x2"]
    assert all(float(t["label"]) == int(float(t["label"])) for t in chart["ticks"])  # counts
    both = {"lo": "-inf", "hi": "inf", "lo_open": True, "hi_open": True, "unit": ""}
    assert number_line(both, None) is None  # nothing finite to scale by
    undefined = {"lo": None, "hi": None, "lo_open": False, "hi_open": False, "unit": ""}
    assert number_line(point, undefined)["bars"][1]["undefined"] is True


def test_timeline_marks_every_source_at_its_period_end() -> None:
    series = {
        "points": [
            {"fact": "a", "source": "s1", "period": "2022", "end": "2022-12-31", "value": "21",
             "unit": "count", "qualifier": "exact", "lo": 21, "hi": 21, "lo_open": False,
             "hi_open": False, "flagged": False},
            {"fact": "b", "source": "s2", "period": "2024", "end": "2024-12-31", "value": "3500",
             "unit": "count", "qualifier": "more_than", "lo": 3500, "hi": "inf", "lo_open": True,
             "hi_open": True, "flagged": True},
        ]
    }
    chart = timeline(series)
    assert chart is not None
    a, b = chart["marks"]
    assert a["x"] < b["x"] and b["arrow_up"] and b["y_hi"] == chart["top"] and b["hollow"]
    assert a["colour"] != b["colour"] and [t["label"] for t in chart["x_ticks"]][:1] == ["2023"]


def test_waived_unverifiable_and_changes_sections(page: str) -> None:
    assert "Half-year against full year: the rule is being narrowed to equal periods." in page
    assert "A. Auditor" in page and "2099-12-31" in page
    unverifiable = page.split('id="unverifiable"', 1)[1].split("</section>", 1)[0]
    assert "no national trade figure for 2024-H1" in unverifiable
    changes = page.split('id="changes"', 1)[1].split("</section>", 1)[0]
    assert "Changes since 2024-06-01T00:00:00Z" in changes
    assert "<strong>1</strong> new" in changes and "says 222.5 but" in changes


def test_fact_table_lists_facts_with_their_flags(page: str) -> None:
    doc = parse(page)
    rows = [a for t, a in doc.tags if t == "tr" and "fact-row" in (a.get("class") or "")]
    assert len(rows) == 16
    flags = {a.get("data-flag") for a in rows}
    assert flags == {"", "error", "warning", "info"}


def test_csp_and_no_network_reference(page: str, hostile_page: str) -> None:
    for html in (page, hostile_page):
        doc = parse(html)
        metas = [a for t, a in doc.tags if t == "meta" and a.get("http-equiv")]
        assert metas and metas[0]["content"] == CSP
        assert not [t for t, _ in doc.tags if t in ("link", "img", "iframe", "object", "embed")]
        assert not [a for _, a in doc.tags if "src" in a or "srcset" in a or "action" in a]
        scripts = [a for t, a in doc.tags if t == "script"]
        assert scripts == [{"type": "application/json", "id": "report-meta"}, {}]
        assert "@import" not in html and "url(" not in html


def test_same_input_same_bytes(report: dict[str, Any], page: str) -> None:
    assert render_html(build_report_data()) == page


# -- hostile input ------------------------------------------------------------


def test_hostile_values_render_as_inert_text(hostile_page: str) -> None:
    doc = parse(hostile_page)
    for tag, attrs in doc.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert tag not in ("img", "b"), (tag, attrs)
        if tag == "svg":
            assert attrs.get("class") in ("numberline", "timeline"), attrs
        if tag == "a":
            href = attrs.get("href") or ""
            assert href.startswith(("#", "https://", "http://")), href
    assert [t for t, _ in doc.tags].count("style") == 1
    text = "".join(doc.text)
    for payload in PAYLOADS:
        assert payload in text  # shown, as text
    # `javascript:` stays text; the https URL with markup in its query is refused too
    assert not [a for t, a in doc.tags if t == "a" and "javascript" in (a.get("href") or "")]


def test_embedded_json_cannot_break_out(hostile_page: str) -> None:
    doc = parse(hostile_page)
    (meta_attrs, block), (_, code) = doc.scripts
    assert meta_attrs["type"] == "application/json"
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["project"] == HOSTILE_NAME
    assert "alert" not in code


def test_script_json_escapes_markup() -> None:
    text = str(script_json({"x": "</script><!--<script>&"}))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"x": "</script><!--<script>&"}


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://example.org/a", "https://example.org/a"),
        (" http://example.org ", "http://example.org"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("java\nscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("https:alert(1)", None),
        ('https://example.org/"><script>', None),
        ("ftp://example.org/x", None),
        ("", None),
    ],
)
def test_only_http_urls_become_links(url: str, link: str | None) -> None:
    assert safe_url(url) == link


# -- size ---------------------------------------------------------------------


def huge_result(n: int) -> RunResult:
    """A project of ``n`` facts with thousands of findings and one naming every fact."""
    registries = load_registries(FIXTURE / "facts")
    ids = pd.Series(np.arange(n)).astype(str).radd("fact-")
    facts = pd.DataFrame({
        "id": ids, "source": "s", "quote": "the zones number 22", "subject": "zones",
        "metric": "zone_count", "period": "2024", "value": "22", "unit": "count",
        "qualifier": "exact", "note": "", "_file": "facts/big.csv", "_line": np.arange(2, n + 2),
    })
    table = facts.assign(
        base_lo=22.0, base_hi=22.0, lo_open=False, hi_open=False, derived=False,
        end=pd.Timestamp("2024-12-31"),
    )
    sources = pd.DataFrame([{"id": "s", "title": "T", "publisher": "P", "date": "2024",
                             "url": "https://example.org", "language": "en"}])
    project = Project(
        root=Path("big"), facts=facts, sources=sources, registries=registries,
        source_texts={"s": "In 2024 the zones number 22 in all."},
        inputs={"facts/big.csv": "0" * 64},
    )
    findings = [
        Finding(code="FL022", rule="provenance", severity=Severity.ERROR, status=Status.INVALID,
                message=f"`fact-{i}` says a figure that its quote does not state, at some length",
                facts=(f"fact-{i}",), file="facts/big.csv", line=i + 2)
        for i in range(0, 3000)
    ]
    findings += [
        Finding(code="FL101", rule="b", severity=Severity.WARNING, message="w",
                facts=(f"fact-{i}",))
        for i in range(3000, 6000)
    ]
    findings.append(Finding(code="FL020", rule="provenance", severity=Severity.ERROR,
                            status=Status.INVALID, message="no text", facts=tuple(ids)))
    findings.sort(key=Finding.sort_key)
    return RunResult(
        project=project, rule_set=RuleSet(settings=Settings(), rules=(), files=()),
        findings=findings, table=FactTable(table, registries), waivers=[],
        generated=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    )


def test_a_million_facts_give_a_small_report() -> None:
    data = report_data(huge_result(1_000_000), Severity.ERROR)
    html = render_html(data)
    assert len(html.encode("utf-8")) < 20_000_000
    doc = parse(html)
    rows = [a for t, a in doc.tags if t == "tr" and "fact-row" in (a.get("class") or "")]
    cards = [a for t, a in doc.tags if t == "article"]
    assert len(rows) == 2000 and len(cards) == 2000  # 1,000 errors and 1,000 warnings
    assert "not listed here are 2,001 error, 2,000 warning finding(s)" in html
    assert "first 2,000 of 1,000,000 facts" in html
    assert "and 999,994 more fact(s)" in html


# -- command line -------------------------------------------------------------


def test_check_compare_adds_changes_section(mini_project: Path, tmp_path: Path, capsys) -> None:
    old = tmp_path / "old.json"
    assert main(["check", str(mini_project), "-f", "json", "-o", str(old), "--no-report"]) == 0
    table = mini_project / "facts" / "table.csv"
    table.write_text(table.read_text().replace(",103.96,", ",103.97,"), encoding="utf-8")
    report = tmp_path / "out" / "report.html"
    code = main(["check", str(mini_project), "--compare", str(old), "--report", str(report)])
    capsys.readouterr()
    assert code == 1
    html = report.read_text(encoding="utf-8")
    assert "Changes since" in html and "<strong>1</strong> new" in html


def test_report_over_an_input_is_refused(mini_project: Path, capsys) -> None:
    source = mini_project / "facts" / "sources" / "src.txt"
    before = source.read_bytes()
    assert main(["check", str(mini_project), "--report", str(source)]) == 2
    assert "refusing to overwrite an input" in capsys.readouterr().err
    assert source.read_bytes() == before
