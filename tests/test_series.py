"""Timelines: each running total with the registry's count drawn beside the sources."""

from __future__ import annotations

from pathlib import Path

from factlint.engine import run_check
from factlint.findings import Severity
from factlint.report.data import report_data
from factlint.report.html import render_html


def test_zone_count_series_carries_the_registry_steps(bundled_project: Path) -> None:
    data = report_data(run_check(bundled_project), Severity.ERROR)
    series = {(s["metric"], s["subject"]): s for s in data["series"]}
    zones = series[("zone_count", "ftz-all")]
    assert len(zones["points"]) >= 8
    steps = zones["registry"]
    assert [s["end"] for s in steps] == sorted(s["end"] for s in steps)
    # the registry is an interval where dates are unknown, and always holds the stated count
    by_end = {s["end"]: s for s in steps}
    for point in zones["points"]:
        step = by_end[point["end"]]
        assert step["lo"] <= point["lo"] <= step["hi"]
    assert any(s["lo"] < s["hi"] for s in steps)
    html = render_html(data)
    assert 'class="registry"' in html and "the entity registry" in html


def test_single_figure_totals_are_listed_not_charted(bundled_project: Path) -> None:
    data = report_data(run_check(bundled_project), Severity.ERROR)
    once = [s for s in data["series"] if s["total"] == 1 and not s["registry"]]
    assert once
    html = render_html(data)
    assert "Running totals stated once" in html
    charted = html.count('<figure class="tl"')
    assert charted == len(data["series"]) - len(once)
