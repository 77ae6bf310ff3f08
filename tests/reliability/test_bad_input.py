"""The bad-input corpus (tests/badinput/): every awkward or hostile input ends in a
documented exit code and one clear line, never a traceback, never a changed input."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.reliability.helpers import RULES, TABLE, assert_contract, file_hashes, run_cli
from tests.reliability.helpers import write_project as write_valid_project

CORPUS = Path(__file__).resolve().parents[1] / "badinput"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
DEFAULT_ARGS = ["check", "{project}", "--format", "json", "--no-report"]


def _long_field(project: Path, outside: Path) -> None:
    table = project / TABLE
    text = table.read_text(encoding="utf-8")
    table.write_text(text.replace("curly apostrophe in the source", "n" * 200_000),
                     encoding="utf-8")


def _deep_yaml(project: Path, outside: Path) -> None:
    (project / "checks" / "rules.yaml").write_text(
        "rules: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8"
    )


def _huge_integer(project: Path, outside: Path) -> None:
    (project / "checks" / "rules.yaml").write_text(
        RULES.replace("value: 1", "value: " + "9" * 5000), encoding="utf-8"
    )


def _symlink_to_input(project: Path, outside: Path) -> None:
    (outside / "link.json").symlink_to(project / TABLE)


def _non_utf8_file_name(project: Path, outside: Path) -> None:
    table = project / TABLE
    os.rename(table, os.path.join(os.fsencode(table.parent), b"t\xff.csv"))


def _hard_link_to_input(project: Path, outside: Path) -> None:
    (outside / "hard.json").hardlink_to(project / TABLE)


def _newline_in_file_name(project: Path, outside: Path) -> None:
    (project / "facts" / "bad\nname.csv").write_text(
        (project / TABLE).read_text(encoding="utf-8").replace("\ntrade,", "\ntrade,x,"),
        encoding="utf-8",
    )


GENERATORS: dict[str, Callable[[Path, Path], None]] = {
    "newline_in_file_name": _newline_in_file_name,
    "hard_link_to_input": _hard_link_to_input,
    "non_utf8_file_name": _non_utf8_file_name,
    "long_field": _long_field,
    "deep_yaml": _deep_yaml,
    "huge_integer": _huge_integer,
    "symlink_to_input": _symlink_to_input,
}


def _prepare(case_dir: Path, spec: dict[str, Any], project: Path, outside: Path) -> None:
    for path in sorted(case_dir.rglob("*")):
        if path.is_file() and path.name != "case.yaml":
            target = project / path.relative_to(case_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for edit in spec.get("replace", []):
        target = project / edit["file"]
        text = target.read_text(encoding="utf-8")
        assert edit["old"] in text, f"{case_dir.name}: {edit['old']!r} not in {edit['file']}"
        target.write_text(text.replace(edit["old"], edit["new"]), encoding="utf-8")
    for edit in spec.get("append", []):
        with (project / edit["file"]).open("a", encoding="utf-8") as handle:
            handle.write(edit["text"])
    if "generate" in spec:
        GENERATORS[spec["generate"]](project, outside)


def test_the_corpus_is_big_enough_and_well_formed() -> None:
    assert len(CASES) >= 35
    known = {"description", "exit", "stderr", "findings", "replace", "append", "generate",
             "args", "written"}
    for case_dir in CASES:
        spec = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
        assert set(spec) <= known, case_dir.name
        assert spec["exit"] in (0, 1, 2), case_dir.name
        assert spec.get("description"), case_dir.name
        assert spec["exit"] != 2 or spec.get("stderr"), f"{case_dir.name}: say what exit 2 prints"
        assert spec["exit"] != 1 or spec.get("findings"), f"{case_dir.name}: say what is found"


def test_the_valid_project_is_clean(tmp_path: Path) -> None:
    project = write_valid_project(tmp_path / "project")
    assert_contract(run_cli("check", project, "--format", "json", "--no-report"), 0)


@pytest.mark.parametrize("case_dir", CASES, ids=[p.name for p in CASES])
def test_bad_input(case_dir: Path, tmp_path: Path) -> None:
    spec = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    project = write_valid_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    _prepare(case_dir, spec, project, outside)
    before = file_hashes(project)

    args = [a.format(project=project, outside=outside) for a in spec.get("args", DEFAULT_ARGS)]
    run = run_cli(*args)

    assert_contract(run, spec["exit"], spec.get("stderr"))
    assert file_hashes(project) == before, "an input file changed"
    if spec["exit"] in (0, 1) and "--output" not in args:
        findings = run.json()["findings"]
        for expected in spec.get("findings", []):
            hits = [
                f for f in findings
                if f["code"] == expected["code"]
                and expected.get("message", "") in f["message"]
                and expected.get("line", f["line"]) == f["line"]
            ]
            found = [(f["code"], f["message"], f["line"]) for f in findings]
            assert hits, f"no {expected} among {found}"
        if spec["exit"] == 0:
            assert not [f for f in findings if f["severity"] == "error"]
    for name in spec.get("written", []):
        written = Path(name.format(project=project, outside=outside))
        data = written.read_bytes()
        if written.suffix == ".json":
            json.loads(data)
        else:
            assert data.rstrip().endswith(b"</html>")
        assert not list(written.parent.glob(".*.tmp")), "a temporary file was left behind"
