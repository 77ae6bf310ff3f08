"""GX suites run by factlint: findings, reports, bad input, Data Docs, export (imports GX).

Great Expectations takes seconds to import, so these tests share one import and
a few module-scoped runs; they are marked ``gx`` (deselect with ``-m "not gx"``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from factlint.cli import main
from factlint.engine import run_check
from factlint.findings import Finding
from factlint.gx.frames import project_frames
from factlint.gx.offline import render_references

pytestmark = pytest.mark.gx

ROOT = Path(__file__).resolve().parents[1]
SHARE_ID = "scio24-ftz-trade-share-2024h1"
SHARE_FILE = "facts/scio-2024-09-10.csv"


def copy_bundled(dest: Path) -> Path:
    shutil.copytree(ROOT / "facts", dest / "facts")
    shutil.copytree(ROOT / "checks", dest / "checks")
    return dest


def break_share(root: Path) -> int:
    """Make the trade share of 2024-H1 read 120%; return its line."""
    path = root / SHARE_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        if line.startswith(SHARE_ID + ","):
            assert ",19.5,percent," in line
            lines[number - 1] = line.replace(",19.5,percent,", ",120,percent,")
            path.write_text("".join(lines), encoding="utf-8")
            return number
    raise AssertionError(f"{SHARE_ID} not found")


def write_suite(root: Path, data: dict[str, object], name: str = "extra.json") -> Path:
    path = root / "checks" / "gx" / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def gx_findings(findings: list[Finding] | list[dict[str, object]]) -> list[dict[str, object]]:
    as_dicts = [f.to_json() if isinstance(f, Finding) else f for f in findings]
    return [f for f in as_dicts if str(f["code"]).startswith("FL08")]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = copy_bundled(tmp_path_factory.mktemp("broken") / "ftz")
    return root, break_share(root)


@pytest.fixture(scope="module")
def broken_reports(broken: tuple[Path, int]) -> tuple[int, dict[str, object], str, str]:
    """`factlint check` of the broken copy in a fresh interpreter, JSON on stdout.

    Returns the exit code, the JSON report, the HTML report and stderr.
    """
    root, _ = broken
    html = root.parent / "report.html"
    proc = subprocess.run(
        [sys.executable, "-m", "factlint.cli", "check", str(root), "--gx", "--format", "json",
         "--report", str(html)],
        capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    report = json.loads(proc.stdout)  # GX's output stays off stdout
    return proc.returncode, report, html.read_text(encoding="utf-8"), proc.stderr


def test_bundled_base_passes_its_gx_suite(tmp_path: Path) -> None:
    root = copy_bundled(tmp_path / "ftz")
    result = run_check(root, gx=True)
    assert gx_findings(result.findings) == []
    assert "checks/gx/ftz.json" in result.project.inputs
    assert "gx" in result.timings


def test_broken_share_is_a_gx_finding_with_its_fact(
    broken: tuple[Path, int], broken_reports: tuple[int, dict[str, object], str, str]
) -> None:
    _, line = broken
    code, report, _, _ = broken_reports
    assert code == 1
    found = gx_findings(report["findings"])  # type: ignore[arg-type]
    assert len(found) == 1, found
    finding = found[0]
    assert finding["code"] == "FL080" and finding["rule"] == "gx:ftz"
    assert finding["severity"] == "error" and finding["facts"] == [SHARE_ID]
    assert finding["file"] == SHARE_FILE and finding["line"] == line
    assert finding["column"] == "value_number"
    message = str(finding["message"])
    assert "expect_column_values_to_be_between" in message and "`value_number`" in message
    assert f"`{SHARE_ID}` = 120" in message and "between 0 and 100" in message
    assert "checks/gx/ftz.json" in [i["path"] for i in report["inputs"]]  # type: ignore[union-attr]


def test_gx_finding_is_in_the_html_report(
    broken_reports: tuple[int, dict[str, object], str, str]
) -> None:
    _, _, html, _ = broken_reports
    assert "FL080" in html and "gx:ftz" in html and SHARE_ID in html


def test_waiver_file_may_name_a_gx_suite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_bundled(tmp_path / "ftz")
    break_share(root)
    waivers = root / "checks" / "waivers.yaml"
    waivers.write_text(
        waivers.read_text(encoding="utf-8")
        + f"  - rule: gx:ftz\n    facts: [{SHARE_ID}]\n"
        "    reason: a share of 120% kept for a test of waivers\n"
        "    reviewer: tests\n    expires: 2099-12-31\n",
        encoding="utf-8",
    )
    code = main(["check", str(root), "--format", "json", "--no-report", "--gx"])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    found = gx_findings(json.loads(out)["findings"])
    assert [(f["facts"], f["waived"]) for f in found] == [([SHARE_ID], True)]


def test_gx_stays_quiet_and_writes_nothing_into_the_project(
    broken: tuple[Path, int], broken_reports: tuple[int, dict[str, object], str, str]
) -> None:
    root, _ = broken
    _, _, _, stderr = broken_reports
    assert stderr == ""  # no progress bars, warnings or log records from GX
    written = sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                     if not p.relative_to(root).as_posix().startswith(("facts", "checks")))
    assert written == []  # an ephemeral context: no gx/ directory, no stores


def test_suite_on_the_facts_table_with_severities(tmp_path: Path) -> None:
    root = copy_bundled(tmp_path / "ftz")
    write_suite(root, {
        "name": "raw",
        "meta": {"factlint": {"table": "facts", "severity": "warning"}},
        "expectations": [
            {"type": "expect_column_values_to_match_regex",
             "kwargs": {"column": "value", "regex": r"^\d+$"}},
            {"type": "expect_column_values_to_be_in_set",
             "kwargs": {"column": "unit", "value_set": ["count"],
                        "row_condition": "metric == 'zone_count'", "condition_parser": "pandas"},
             "meta": {"severity": "info"}},
            {"type": "expect_table_row_count_to_be_between",
             "kwargs": {"min_value": 1, "max_value": 5}, "meta": {"severity": "info"}},
        ],
    })
    found = {f["message"].split("`")[1] + str(f["severity"]): f
             for f in gx_findings(run_check(root, gx=True).findings)}
    regex = found.pop("expect_column_values_to_match_regexwarning")
    assert regex["rule"] == "gx:raw" and "scio24-ftz-fdi-2024h1" in regex["facts"]
    rows = found.pop("expect_table_row_count_to_be_betweeninfo")
    assert rows["facts"] == [] and "observed" in rows["message"]
    assert rows["file"] == "checks/gx/extra.json"
    assert found == {}  # zone counts are all in `count`


def test_include_derived_hands_rule_derived_values_to_gx(tmp_path: Path) -> None:
    root = copy_bundled(tmp_path / "ftz")
    write_suite(root, {
        "name": "derived",
        "meta": {"factlint": {"table": "normalised", "include_derived": True}},
        "expectations": [
            {"type": "expect_column_values_to_be_in_set",
             "kwargs": {"column": "derived", "value_set": [False]}},
        ],
    })
    result = run_check(root, gx=True)
    derived = result.facts[result.facts["derived"]]
    found = gx_findings(result.findings)
    if not len(derived):
        assert found == []
        return
    assert len(found) == 1
    assert set(found[0]["facts"]) == set(derived["id"])  # type: ignore[arg-type]
    assert str(found[0]["file"]).startswith("checks/") and found[0]["line"] is None


def test_expectation_gx_cannot_evaluate_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    root = copy_bundled(tmp_path / "ftz")
    write_suite(root, {
        "name": "odd",
        "meta": {"factlint": {"table": "facts"}},
        "expectations": [
            {"type": "expect_column_values_to_be_between",
             "kwargs": {"column": "quote", "min_value": 0, "max_value": 1}},
            {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
        ],
    })
    found = gx_findings(run_check(root, gx=True).findings)
    assert [f["code"] for f in found] == ["FL081"]
    assert found[0]["rule"] == "gx:odd" and "could not run" in str(found[0]["message"])


@pytest.mark.parametrize(
    ("expectation", "words"),
    [
        ({"type": "expect_column_values_to_be_purple", "kwargs": {"column": "id"}},
         "unknown expectation type `expect_column_values_to_be_purple`"),
        ({"type": "expect_column_values_to_be_between",
          "kwargs": {"column": "nope", "min_value": 1}},
         "column `nope` is not in the normalised table"),
        ({"type": "expect_column_values_to_be_between", "kwargs": {"column": "value_base"}},
         "min_value and max_value cannot both be None"),
        ({"type": "expect_column_values_to_be_between",
          "kwargs": {"column": "value_base", "min_value": "lots"}},
         "kwargs.min_value"),
    ],
)
def test_bad_suite_exits_2_naming_file_and_expectation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expectation: dict[str, object], words: str
) -> None:
    root = copy_bundled(tmp_path / "ftz")
    write_suite(root, {"name": "bad", "meta": {"factlint": {"table": "normalised"}},
                       "expectations": [expectation]})
    code = main(["check", str(root), "--format", "json", "--no-report", "--gx"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("factlint: checks/gx/extra.json:expectations[0] (")
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_data_docs_build_offline_into_the_output_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_bundled(tmp_path / "ftz")
    break_share(root)
    table = root / "facts" / "reference.csv"  # an id holding markup fails the id pattern
    table.write_text(table.read_text(encoding="utf-8").replace(
        "\nref-cn-fdi-2022,", "\nref-<img src=x onerror=alert(1)>,"), encoding="utf-8")
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert main(["gx", "docs", str(root)]) == 0
    assert "reports/gx/index.html" in capsys.readouterr().out
    site = root / "reports" / "gx"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "expectations/ftz.html" in index and "<td>" in index  # the table is static HTML
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 3
    validation = next(p for p in pages if "validations" in p.parts).read_text(encoding="utf-8")
    assert SHARE_ID in validation  # the unexpected row, by fact id
    assert "ref-&lt;img src=x onerror=alert(1)&gt;" in validation  # shown as text
    assert not any("<img src=x" in p.read_text(encoding="utf-8") for p in pages)
    for page in [*pages, *site.rglob("*.css")]:
        assert render_references(page.read_text(encoding="utf-8")) == [], page
    after = sorted(
        p.relative_to(root).as_posix() for p in root.rglob("*") if "reports" not in p.parts
    )
    assert after == before  # nothing written into facts/ or checks/
    # a rebuild replaces the site; a directory factlint did not write is refused
    assert main(["gx", "docs", str(root)]) == 0
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    capsys.readouterr()
    assert main(["gx", "docs", str(root), "-o", str(other)]) == 2
    assert "not written by `factlint gx docs`" in capsys.readouterr().err
    assert main(["gx", "docs", str(root), "-o", str(root / "checks" / "docs")]) == 2
    shutil.rmtree(root / "checks" / "gx")
    capsys.readouterr()
    assert main(["gx", "docs", str(root)]) == 2
    assert "no GX suites" in capsys.readouterr().err


BOUNDS = """
  - id: land-share-below-0.4
    kind: bound
    severity: warning
    description: The zones cover less than 0.4% of China's land.
    select: {metric: area_share_of_land}
    op: "<="
    value: 0.4
    unit: percent
  - id: batch-2019-zones-small
    kind: bound
    description: Each zone of the 2019 batch covers less than 120 km2.
    select: {metric: area, member_of: ftz-batch-2019}
    op: "<"
    value: 120
    unit: km2
  - id: shanghai-launched-2013
    kind: bound
    description: The Shanghai zone was launched in September 2013.
    select: {metric: launched_on, subject: ftz-shanghai}
    op: "=="
    value: 2013-09
    unit: date
"""


def test_exported_suite_loads_into_gx_and_validates_the_bundled_facts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_bundled(tmp_path / "ftz")
    rules = root / "checks" / "zz-bounds.yaml"
    rules.write_text("rules:" + BOUNDS, encoding="utf-8")
    out = tmp_path / "suite.json"
    assert main(["gx", "export", str(root), "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["meta"]["factlint"]["table"] == "normalised"
    notes = [e.get("notes", "") for e in data["expectations"]]
    assert any("land-share-below-0.4" in n for n in notes)
    assert any("shanghai-launched-2013" in n for n in notes)

    from factlint.gx.session import open_session

    session = open_session()
    gx = session.gx
    suite = gx.ExpectationSuite(**data)  # loads back into GX as it is
    assert len(suite.expectations) == len(data["expectations"])
    definition = session.batch_definition("normalised")
    frames = project_frames(root)
    result = definition.get_batch(batch_parameters={"dataframe": frames.normalised}).validate(suite)
    assert result.success, [r.expectation_config.type for r in result.results if not r.success]

    # the same suite catches a zone of the 2019 batch that is too large
    table = root / "facts" / "reference.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",119.99,km2,", ",121.5,km2,"),
                     encoding="utf-8")
    frame = project_frames(root).normalised
    failed = definition.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["id"]}
    )
    bad = [r for r in failed.results if not r.success]
    assert [r.result["unexpected_index_list"][0]["id"] for r in bad] == ["ref-guangxi-area"]

    # and factlint runs it as one of the project's suites
    shutil.copy(out, root / "checks" / "gx" / "export.json")
    found = gx_findings(run_check(root, gx=True).findings)
    assert {f["rule"] for f in found} == {"gx:factlint-export"}
    assert [f["facts"] for f in found] == [["ref-guangxi-area"]]
    assert main(["gx", "export", str(root)]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "factlint-export"
