"""GX integration without running GX: suite files, frames, offline Data Docs, import cost.

The tests that import and run Great Expectations live in tests/test_gx_run.py
(marked ``gx``); these stay fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from factlint.errors import RuleSetError
from factlint.gx.frames import ProjectFrames
from factlint.gx.offline import offline_page, render_references, static_table
from factlint.gx.spec import (
    check_columns,
    pandas_condition_columns,
    read_suite,
    suite_rule_ids,
)
from factlint.project import load_project
from factlint.schema import validate_facts

ROOT = Path(__file__).resolve().parents[1]


def write_suite(root: Path, data: object, name: str = "s.json") -> Path:
    path = root / "checks" / "gx" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def suite(
    *expectations: dict[str, object], table: str = "facts", **meta: object
) -> dict[str, object]:
    return {"name": "s", "meta": {"factlint": {"table": table, **meta}},
            "expectations": list(expectations)}


# -- import cost: GX only where used ------------------------------------------------------

PROBE = textwrap.dedent(
    """
    import sys
    from factlint.cli import main
    code = main(sys.argv[1:])
    loaded = sorted(m for m in sys.modules if m.split(".")[0] == "great_expectations")
    sys.stderr.write("\\nGX-MODULES=%d EXIT=%d\\n" % (len(loaded), code))
    """
)


def probe(*args: str) -> tuple[int, int]:
    """Run the CLI in a fresh interpreter; how many great_expectations modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120,
        check=False,
    )
    tail = proc.stderr.strip().splitlines()[-1]
    assert tail.startswith("GX-MODULES="), proc.stderr
    modules, code = (int(part.split("=")[1]) for part in tail.split())
    return modules, code


def test_help_does_not_import_gx() -> None:
    assert probe("--help") == (0, 0)
    assert probe("gx", "--help") == (0, 0)


def test_check_without_gx_suites_does_not_import_gx(mini_project: Path) -> None:
    modules, code = probe("check", str(mini_project), "--no-report", "--format", "json")
    assert (modules, code) == (0, 0)
    (mini_project / "checks" / "gx").mkdir()  # an empty suites directory: still no GX
    modules, code = probe("check", str(mini_project), "--no-report", "--format", "json")
    assert (modules, code) == (0, 0)


# -- suite files ------------------------------------------------------------------------


def test_bundled_suite_reads_as_one_normalised_suite() -> None:
    spec = read_suite(ROOT / "checks" / "gx" / "ftz.json", "checks/gx/ftz.json")
    assert spec.name == "ftz" and spec.rule == "gx:ftz" and spec.table == "normalised"
    kinds = {e.type for e in spec.expectations}
    assert {"expect_column_values_to_be_in_set", "expect_column_values_to_be_unique",
            "expect_column_values_to_match_regex", "expect_column_values_to_be_between"} <= kinds
    share = [e for e in spec.expectations if "is_share" in e.columns]
    assert share and share[0].kwargs["max_value"] == 100
    assert suite_rule_ids(ROOT) == {"gx:ftz"}


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ('{"name": "s", "meta": {"factlint": {"table": "facts"}}, "expectations": [}',
         "1:", "malformed JSON"),
        (suite(table="stated"), "meta.factlint.table", "unknown table"),
        ({"name": "s", "expectations": []}, "meta", "expected a mapping"),
        ({**suite(), "extra": 1}, "extra", "unknown key"),
        (suite(severity="fatal"), "meta.factlint.severity", "unknown severity"),
        (suite({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"},
                "meta": {"severity": "loud"}}),
         "expectations[0] (expect_column_values_to_be_unique).meta.severity", "unknown severity"),
        (suite({"kwargs": {"column": "id"}}), "expectations[0].type", "needs a type"),
        (suite({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"},
                "colour": "red"}), "expectations[0] (expect_column_values_to_be_unique).colour",
         "unknown key"),
        ('{"name": "s", "name": "t"}', None, "duplicate key"),
    ],
)
def test_malformed_suite_files_name_file_and_place(
    tmp_path: Path, text: object, where: str | None, words: str
) -> None:
    path = write_suite(tmp_path, text)
    with pytest.raises(RuleSetError) as info:
        read_suite(path, "checks/gx/s.json")
    assert info.value.path == "checks/gx/s.json"
    if where is not None:
        assert (info.value.where or "").startswith(where)
    assert words in info.value.message


@pytest.mark.parametrize(
    "condition",
    [
        "__import__('os').system('true')",
        "unit.str.len() > 3",
        "value > @limit",
        "quote == 'a' or lambda: 1",
        "(unit)(1)",
        "unit[0] == 'p'",
        "unit == f'x'",
    ],
)
def test_pandas_conditions_beyond_plain_filters_are_rejected(condition: str) -> None:
    with pytest.raises(RuleSetError, match="may only compare|cannot read"):
        pandas_condition_columns(condition, "checks/gx/s.json", "expectations[0]")


def test_pandas_conditions_name_their_columns() -> None:
    columns = pandas_condition_columns(
        "is_share == True and unit in ['percent', 'count'] and not (`odd name` != -1)",
        "f", "w",
    )
    assert columns == ["odd name", "is_share", "unit"]


def test_expectation_on_a_missing_column_is_an_input_error(tmp_path: Path) -> None:
    path = write_suite(tmp_path, suite(
        {"type": "expect_column_values_to_be_between",
         "kwargs": {"column": "value", "min_value": 0,
                    "row_condition": {"type": "comparison", "column": {"name": "is_shar"},
                                      "operator": "==", "parameter": True}}},
    ))
    spec = read_suite(path, "checks/gx/s.json")
    with pytest.raises(RuleSetError) as info:
        check_columns(spec, ["id", "value", "is_share"])
    assert info.value.where == "expectations[0] (expect_column_values_to_be_between)"
    assert "`is_shar`" in info.value.message


def test_text_condition_needs_a_parser(tmp_path: Path) -> None:
    path = write_suite(tmp_path, suite(
        {"type": "expect_column_values_to_be_unique",
         "kwargs": {"column": "id", "row_condition": "unit == 'count'"}},
    ))
    with pytest.raises(RuleSetError, match="condition_parser"):
        read_suite(path, "checks/gx/s.json")


# -- the frames handed to GX ------------------------------------------------------------


def test_normalised_frame_keeps_every_row_and_adds_readings(bundled_project: Path) -> None:
    from factlint.normalise import normalise_facts

    table = bundled_project / "facts" / "scio-2024-09-10.csv"
    table.write_text(table.read_text(encoding="utf-8").replace(",19.5,percent,", ",19.5,percnt,"),
                     encoding="utf-8")
    project = load_project(bundled_project)
    _, valid = validate_facts(project.facts, project.registries, set(project.sources["id"]))
    normalised = normalise_facts(project.facts[valid.to_numpy()], project.registries)
    frame = ProjectFrames(project.facts, normalised, project.registries).normalised
    assert len(frame) == len(project.facts)  # invalid rows stay, with empty readings
    row = frame.set_index("id").loc["scio24-ftz-trade-share-2024h1"]
    assert not row["valid"] and pd.isna(row["value_base"]) and row["unit"] == "percnt"
    share = frame.set_index("id").loc["scio24-ftz-fdi-share-2024h1"]
    assert share["valid"] and share["is_share"] and share["value_number"] == 20.8
    assert share["value_base"] == pytest.approx(0.208)
    assert share["start"] == pd.Timestamp("2024-01-01")
    assert share["end"] == pd.Timestamp("2024-06-30")
    date = frame.set_index("id").loc["ref-shanghai-launched"]
    assert date["value_date"] == pd.Timestamp("2013-09-29") and pd.isna(date["value_number"])


# -- offline Data Docs ------------------------------------------------------------------

GX_PAGE = """<!DOCTYPE html><html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css"/>
<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>
<style>.x { background: url('https://example.org/logo.png') 0 0 no-repeat; }</style>
</head><body>
<img
  src="https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png?d=1"
  alt="Great Expectations">
<table
  id="section-1-body-table"
  class="table-sm"
  data-toggle="table"
>
</table>
<script>
  $('#section-1-body-table').bootstrapTable(
    Object.assign(
      {
        columns: COLUMNS,
        data: DATA,
        toolbar: '#section-1-body-table-toolbar'
      },
      {'search': 'true'}
    )
  );
</script>
<a href="https://greatexpectations.io">GX</a>
</body></html>"""
# GX prints the table's columns and rows as Python literals, each on one line
GX_PAGE = GX_PAGE.replace(
    "COLUMNS",
    repr([{"field": "run_time", "title": "Run Time"}, {"field": "suite", "title": "Suite"}]),
).replace(
    "DATA", repr([{"run_time": "2024-01-01 <b>UTC</b>",
                   "suite": '<a href="expectations/ftz.html">ftz</a>',
                   "_table_row_link_path": "validations/ftz/x.html"}])
)


def test_offline_page_has_no_remote_render_references() -> None:
    assert render_references(GX_PAGE)  # the page as GX writes it needs CDNs
    page = offline_page(GX_PAGE, static_prefix="../")
    assert render_references(page) == []
    assert 'src="../static/images/logo-long.png"' in page
    assert "bootstrapTable(" not in page.split("</head>")[1]  # the table script is gone
    assert '<a href="validations/ftz/x.html">2024-01-01 <b>UTC</b></a>' in page
    assert '<a href="expectations/ftz.html">ftz</a>' in page
    assert 'href="https://greatexpectations.io"' in page  # a link, not needed to render


def test_static_table_escapes_plain_values() -> None:
    html = static_table([{"field": "n", "title": "<N>"}], [{"n": 3}])
    assert "<th>&lt;N&gt;</th>" in html and "<td>3</td>" in html


def test_bundled_check_runs_gx_only_when_asked(bundled_project, capsys) -> None:
    """GX suites are opt-in (`--gx`): a plain check neither imports GX nor reports its findings."""
    from factlint.cli import main

    code = main(["check", str(bundled_project), "--no-report"])
    out = capsys.readouterr().out
    assert code == 0 and "add --gx to run them" in out
    assert probe("check", str(bundled_project), "--no-report", "--format", "json") == (0, 0)
