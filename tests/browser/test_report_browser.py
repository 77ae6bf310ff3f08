"""The HTML report in a real browser: loads offline and quietly, filters work, prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from factlint.engine import run_check
from factlint.findings import Severity
from factlint.report.data import report_data
from factlint.report.html import render_html
from tests.fixtures.report_project.scenario import (
    build_report_data,
    source_date_epoch,
    write_hostile_project,
)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class Visit:
    """A page opened from disk, with everything it tried that it should not have."""

    page: Any
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_quiet(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.requests == [], self.requests
        assert self.dialogs == [], self.dialogs

    def visible(self, selector: str) -> int:
        return int(self.page.locator(f"{selector}:visible").count())


def open_report(browser: Any, path: Path, **context: Any) -> Visit:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, **context)
    page = ctx.new_page()
    visit = Visit(page=page, url=path.resolve().as_uri())

    def route(r: Any) -> None:
        if r.request.url == visit.url:
            r.continue_()
        else:
            visit.requests.append(r.request.url)
            r.abort()

    def on_dialog(dialog: Any) -> None:
        visit.dialogs.append(dialog.message)
        dialog.dismiss()

    page.route("**/*", route)
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.on("dialog", on_dialog)
    page.on("request", lambda r: None if r.url == visit.url else visit.requests.append(r.url))
    page.goto(visit.url, wait_until="load")
    page.wait_for_timeout(150)
    return visit


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "index.html"
    path.write_text(render_html(build_report_data()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_hostile_project(tmp_path_factory.mktemp("h") / "<img src=x onerror=alert(1)>")
    with source_date_epoch():
        result = run_check(root)
    path = root.parent / "hostile.html"
    path.write_text(render_html(report_data(result, Severity.ERROR)), encoding="utf-8")
    return path


def test_report_loads_offline_without_errors(browser: Any, report_file: Path) -> None:
    visit = open_report(browser, report_file)
    visit.assert_quiet()
    assert visit.page.title() == "factlint report — report_project"
    assert visit.page.locator("#verdict").inner_text().startswith("FAIL")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-first-screen.png"
    visit.page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    visit.page.screenshot(path=str(ARTIFACTS / "report-full-page.png"), full_page=True)
    visit.page.context.close()


def test_finding_filters(browser: Any, report_file: Path) -> None:
    visit = open_report(browser, report_file)
    page = visit.page
    total = visit.visible(".fi")
    assert total == 13  # every listed finding: cards, unverifiable and waived rows

    page.select_option("#f-severity", "warning")
    severities = page.locator(".fi:visible").evaluate_all("els => els.map(e => e.dataset.severity)")
    assert severities and set(severities) == {"warning"}
    assert visit.visible('section.rule-group[data-rule="schema"]') == 0  # empty groups hide
    assert "shown" in page.locator("#f-count").inner_text()

    page.select_option("#f-severity", "")
    page.select_option("#f-rule", "zone-count-grows")
    assert visit.visible(".fi") == 1
    assert page.locator(".fi:visible").get_attribute("data-rule") == "zone-count-grows"

    page.select_option("#f-rule", "")
    page.select_option("#f-source", "web-2021")
    rules = set(page.locator(".fi:visible").evaluate_all("els => els.map(e => e.dataset.rule)"))
    assert rules == {"schema", "provenance", "waivers"}

    page.click("#f-reset")
    assert visit.visible(".fi") == total
    visit.assert_quiet()
    page.context.close()


def test_fact_search_and_filters(browser: Any, report_file: Path) -> None:
    visit = open_report(browser, report_file)
    page = visit.page
    rows = "#fact-table tbody tr"
    assert visit.visible(rows) == 16
    page.fill("#t-search", "zc-20")
    page.wait_for_timeout(250)
    ids = page.locator(f"{rows}:visible td:first-child").all_inner_texts()
    assert ids and all(i.startswith("zc-20") for i in ids) and len(ids) == 6
    page.fill("#t-search", "pilot reforms")
    page.wait_for_timeout(250)
    assert page.locator(f"{rows}:visible td:first-child").all_inner_texts() == ["rf-2024h1"]
    page.fill("#t-search", "no such fact anywhere")
    page.wait_for_timeout(250)
    assert visit.visible(rows) == 0
    assert page.locator("#t-count").inner_text().startswith("0 of 16")
    page.fill("#t-search", "")
    page.select_option("#t-source", "gov-2023")
    page.wait_for_timeout(50)
    assert visit.visible(rows) == 3
    page.select_option("#t-source", "")
    page.select_option("#t-flag", "none")
    assert 0 < visit.visible(rows) < 16
    visit.assert_quiet()
    page.context.close()


def test_hostile_report_runs_no_script(browser: Any, hostile_file: Path) -> None:
    visit = open_report(browser, hostile_file)
    page = visit.page
    page.hover("body")
    page.select_option("#f-severity", "error")
    page.fill("#t-search", "alert")
    page.wait_for_timeout(250)
    visit.assert_quiet()  # no dialog opened, no request made
    assert page.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == 2
    handlers = page.evaluate(
        "Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes))"
        ".filter(a => a.name.startsWith('on')).length"
    )
    assert handlers == 0
    assert "</script><script>alert(1)</script>" in page.locator("body").inner_text()
    page.context.close()


def test_report_prints_cleanly(browser: Any, report_file: Path) -> None:
    visit = open_report(browser, report_file)
    page = visit.page
    page.emulate_media(media="print")
    assert page.locator("nav.toc").is_hidden() and page.locator(".filters").first.is_hidden()
    assert page.locator("#findings article").first.is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    visit.assert_quiet()
    page.context.close()
