"""Every text format: a snapshot of the fixture report, read back by its real consumer.

Snapshots live in tests/snapshots/. After an intended change of an output,
regenerate them with ``FACTLINT_UPDATE_SNAPSHOTS=1 pytest tests/test_formats.py``
and review the diff before committing.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from factlint.engine import run_check
from factlint.findings import Severity
from factlint.report.data import report_data
from factlint.report.emit import emit
from factlint.report.github import escape_data, escape_property
from factlint.report.text import render_text
from tests.fixtures.report_project.scenario import (
    PAYLOADS,
    build_report_data,
    source_date_epoch,
    write_hostile_project,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"
SCHEMA = Path(__file__).resolve().parents[1] / "src" / "factlint" / "schemas" / "report.schema.json"
# ::level key=value,key=value::message — nothing may break the line or the property list
_PROPERTY = r"(?:file|line|endLine|col|endColumn|title)=[^,:\r\n]*"
WORKFLOW_COMMAND = re.compile(
    rf"^::(error|warning|notice)(?: {_PROPERTY}(?:,{_PROPERTY})*)?::[^\r\n]*$"
)


def assert_snapshot(name: str, text: str) -> None:
    """Compare with tests/snapshots/NAME; FACTLINT_UPDATE_SNAPSHOTS=1 rewrites it instead."""
    path = SNAPSHOTS / name
    if os.environ.get("FACTLINT_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    assert path.is_file(), f"no snapshot {name}; run with FACTLINT_UPDATE_SNAPSHOTS=1 to write it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from its snapshot (FACTLINT_UPDATE_SNAPSHOTS=1)"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return build_report_data()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = write_hostile_project(tmp_path_factory.mktemp("h") / "evil<b>project")
    with source_date_epoch():
        result = run_check(root)
    return report_data(result, Severity.ERROR)


# -- snapshots -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("json", "report.json"), ("junit", "report.junit.xml"), ("github", "report.github.txt"),
     ("markdown", "report.md")],
)
def test_snapshot(report: dict[str, Any], fmt: str, name: str) -> None:
    assert_snapshot(name, emit(fmt, report))


def test_text_snapshot(report: dict[str, Any]) -> None:
    assert_snapshot("report.txt", render_text(report))


def test_same_input_same_bytes(report: dict[str, Any]) -> None:
    again = build_report_data()
    for fmt in ("json", "junit", "github", "markdown", "html"):
        assert emit(fmt, again) == emit(fmt, report), fmt


# -- JSON: read by jsonschema --------------------------------------------------


def test_json_validates_against_the_schema(report: dict[str, Any], validator) -> None:
    data = json.loads(emit("json", report))
    errors = sorted(validator.iter_errors(data), key=lambda e: e.json_path)
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]
    assert data["gate"]["failing"] == sum(
        1 for f in data["findings"]
        if not f["waived"] and not f["baselined"] and f["severity"] == "error"
    )


def test_json_of_plain_and_hostile_projects_validates(
    mini_project: Path, hostile: dict[str, Any], validator
) -> None:
    with source_date_epoch():
        plain = report_data(run_check(mini_project), None)
    for data in (plain, hostile):
        doc = json.loads(emit("json", data))
        assert not list(validator.iter_errors(doc))


def test_json_is_what_json_dumps_writes(report: dict[str, Any], hostile: dict[str, Any]) -> None:
    # the report's own encoder (report/indented_json.py) must not change a byte
    for data in (report, hostile):
        assert emit("json", data) == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def test_schema_rejects_a_broken_report(report: dict[str, Any], validator) -> None:
    data = json.loads(emit("json", report))
    data["findings"][0]["severity"] = "fatal"
    del data["gate"]["passed"]
    paths = {e.json_path for e in validator.iter_errors(data)}
    assert "$.findings[0].severity" in paths and "$.gate" in paths


# -- JUnit: read by xml.etree --------------------------------------------------


def test_junit_structure(report: dict[str, Any]) -> None:
    root = ET.fromstring(emit("junit", report))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failures = suite.findall("testcase/failure")
    skipped = suite.findall("testcase/skipped")
    for element in (root, suite):
        assert int(element.get("tests", "-1")) == len(cases)
        assert int(element.get("failures", "-1")) == len(failures)
        assert int(element.get("skipped", "-1")) == len(skipped)
        assert element.get("errors") == "0"
    # a failure per finding that fails the gate; waived ones skipped
    assert len(failures) == report["gate"]["failing"] == 6
    assert len(skipped) == report["summary"]["waived"]
    names = {c.get("name") for c in cases}
    assert {"schema", "provenance", "waivers", "baseline"} <= names
    assert {r["id"] for r in report["rules"]} <= names
    codes = sorted(f.get("type") for f in failures)
    assert codes == ["FL003", "FL021", "FL051", "FL061", "FL103", "FL105"]
    # findings below the threshold are reported, not failed
    land = next(c for c in cases if c.get("name") == "land-share-bound")
    assert "baselined" in (land.findtext("system-out") or "")


def test_junit_fail_on_never_has_no_failures(report: dict[str, Any]) -> None:
    data = {**report, "gate": {**report["gate"], "fail_on": "never"}}
    root = ET.fromstring(emit("junit", data))
    assert root.get("failures") == "0" and not root.findall(".//failure")


def test_junit_of_hostile_project_is_well_formed(hostile: dict[str, Any]) -> None:
    text = emit("junit", hostile)
    root = ET.fromstring(text)  # would raise on broken markup
    messages = [f.get("message") or "" for f in root.iter("failure")]
    assert any(PAYLOADS[0] in m for m in messages)
    assert "<script>" not in text


# -- GitHub workflow commands: read by the runner's syntax ---------------------


def test_github_lines_are_workflow_commands(report: dict[str, Any]) -> None:
    lines = emit("github", report).splitlines()
    assert lines and all(WORKFLOW_COMMAND.match(line) for line in lines), lines
    unwaived = [f for f in report["findings"] if not f["waived"]]
    assert len(lines) == len(unwaived) + 1  # plus the gate's summary
    assert any(line.startswith("::error file=facts/zones.csv,line=13,title=FL103 share-2024h1::")
               for line in lines)
    baselined = "::notice file=facts/zones.csv,line=14,"
    assert any(line.startswith(baselined) for line in lines)


def test_github_escaping() -> None:
    assert escape_data("100% sure\r\nnext") == "100%25 sure%0D%0Anext"
    assert escape_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"


def test_github_hostile_project_stays_one_command_per_line(hostile: dict[str, Any]) -> None:
    lines = emit("github", hostile).splitlines()
    assert all(WORKFLOW_COMMAND.match(line) for line in lines), lines


# -- Markdown -----------------------------------------------------------------


def test_markdown_summary(report: dict[str, Any]) -> None:
    text = emit("markdown", report)
    assert text.startswith("## factlint: FAIL")
    assert "| errors | warnings | info | waived | baselined |" in text
    assert "<details><summary>Waived findings (2)</summary>" in text
    rows = [line for line in text.splitlines() if line.startswith("| error ")]
    assert len(rows) >= 6
    # every row of the findings table has the header's five cells (no stray `|`)
    header = "| severity | code | rule | where | message |"
    table = text.split(header, 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    for row in table:
        assert len(re.findall(r"(?<!\\)\|", row)) == 6, row


def test_markdown_escapes_hostile_values(hostile: dict[str, Any]) -> None:
    text = emit("markdown", hostile)
    assert "<script" not in text and "<img" not in text and "<svg" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
