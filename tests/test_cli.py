"""The CLI's contract: exit codes, one-line errors, JSON shape, reports, inputs untouched."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from factlint.cli import main
from tests.conftest import ROOT


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def tree_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "reports" not in p.parts
    }


def test_clean_project_exits_0_and_writes_report(mini_project: Path, capsys) -> None:
    before = tree_hashes(mini_project)
    code, out, err = run(capsys, "check", str(mini_project))
    assert code == 0, out + err
    assert "PASS" in out
    report = mini_project / "reports" / "index.html"
    assert report.is_file() and "factlint report" in report.read_text(encoding="utf-8")
    assert tree_hashes(mini_project) == before  # facts/ and checks/ untouched


def test_json_output_shape(mini_project: Path, capsys) -> None:
    code, out, _ = run(capsys, "check", str(mini_project), "--format", "json", "--no-report")
    data = json.loads(out)
    assert code == 0
    assert data["gate"]["passed"] is True
    assert isinstance(data["findings"], list)
    assert not (mini_project / "reports").exists()


def test_changed_value_fails_naming_the_fact(mini_project: Path, capsys) -> None:
    table = mini_project / "facts" / "table.csv"
    table.write_text(table.read_text().replace(",103.96,", ",103.97,"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(mini_project), "--format", "json", "--no-report")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert {"code", "rule", "severity", "message", "facts", "waived"} <= set(findings[0])
    bad = [f for f in findings if "amt" in f["facts"]]
    assert bad and bad[0]["code"] == "FL022" and bad[0]["severity"] == "error"
    assert bad[0]["file"] == "facts/table.csv" and bad[0]["line"] == 2


def test_quote_gone_from_source_fails(mini_project: Path, capsys) -> None:
    source = mini_project / "facts" / "sources" / "src.txt"
    source.write_text(source.read_text().replace("4.1 trillion", "4.2 trillion"), encoding="utf-8")
    code, out, _ = run(capsys, "check", str(mini_project), "--format", "json", "--no-report")
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [f["facts"] for f in findings if f["code"] == "FL021"] == [["trade"]]


def test_fail_on_policy(mini_project: Path, capsys) -> None:
    table = mini_project / "facts" / "table.csv"
    table.write_text(table.read_text().replace(",103.96,", ",103.97,"), encoding="utf-8")
    assert run(capsys, "check", str(mini_project), "--no-report", "--fail-on", "never")[0] == 0
    assert run(capsys, "check", str(mini_project), "--no-report", "--fail-on", "warning")[0] == 1


@pytest.mark.parametrize(
    ("breakage", "needle"),
    [
        (lambda p: (p / "facts" / "table.csv").write_text("id,source\na,b,c\n"), "table.csv"),
        (lambda p: (p / "facts" / "table.csv").write_bytes(b""), "table.csv: empty file"),
        (lambda p: (p / "facts" / "units.yaml").write_text("units: [\n"), "units.yaml:"),
        (
            lambda p: (p / "facts" / "metrics.yaml").write_text(
                "metrics:\n  - id: x\n    colour: red\n"
            ),
            "metrics.yaml:metrics[x]",
        ),
        (
            lambda p: (p / "checks" / "r.yaml").write_text("rules:\n  - id: r\n    kind: nope\n"),
            "checks/r.yaml:rules[r].kind",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line(mini_project: Path, capsys, breakage, needle) -> None:
    breakage(mini_project)
    code, out, err = run(capsys, "check", str(mini_project), "--no-report")
    assert code == 2
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_missing_facts_directory(tmp_path: Path, capsys) -> None:
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 2 and "facts" in err and err.count("\n") == 1


def test_usage_errors_exit_2(capsys, mini_project: Path) -> None:
    assert run(capsys, "check", "--no-such-flag")[0] == 2
    assert run(capsys, "check", str(mini_project), "--format", "pdf")[0] == 2
    assert run(capsys, "frobnicate")[0] == 2


def test_a_bad_choice_is_named_with_the_choices_in_plain_words(capsys, mini_project: Path) -> None:
    code, _, err = run(capsys, "check", str(mini_project), "--format", "pdf")
    assert code == 2
    assert err == (
        "factlint: Invalid value for '--format' / '-f': 'pdf' is not one of 'text', 'json', "
        "'html', 'junit', 'github', 'markdown'. (see `factlint check --help`)\n"
    )


def test_output_over_an_input_is_refused(mini_project: Path, capsys) -> None:
    target = mini_project / "facts" / "table.csv"
    before = target.read_bytes()
    code, _, err = run(capsys, "check", str(mini_project), "-f", "json", "-o", str(target))
    assert code == 2 and "refusing to overwrite an input" in err
    assert target.read_bytes() == before


def test_internal_error_exits_3_without_traceback(monkeypatch, mini_project: Path, capsys) -> None:
    import factlint.commands.check as check_module

    def boom(*_a, **_k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(check_module, "run_check", boom)
    code, _, err = run(capsys, "check", str(mini_project))
    assert code == 3 and "internal error" in err and "kaboom" in err and "Traceback" not in err


def test_console_script_runs_as_a_new_user_would(mini_project: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "factlint.cli", "check", str(mini_project), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["project"] == "mini"


IMPORT_PROBE = """
import sys
from factlint.cli import main
code = main(sys.argv[1:])
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"rich", "jinja2"})
sys.stderr.write("\\nLOADED=%s EXIT=%d\\n" % (",".join(loaded), code))
"""


def loaded_libraries(*args: str) -> tuple[str, int]:
    """Run the CLI in a fresh interpreter: which of rich and jinja2 it imported, and its exit."""
    proc = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE, *args], capture_output=True, text=True,
        timeout=120, check=False,
    )
    tail = proc.stderr.strip().splitlines()[-1]
    assert tail.startswith("LOADED="), proc.stderr
    loaded, code = (part.split("=")[1] for part in tail.split())
    return loaded, int(code)


def test_machine_output_starts_without_rich_or_jinja(mini_project: Path, tmp_path: Path) -> None:
    # start-up time is part of every pre-commit run: the terminal and HTML libraries are
    # imported only when a terminal summary or an HTML report is written
    assert loaded_libraries("check", str(mini_project), "-f", "json", "--no-report") == ("", 0)
    junit = ("-f", "junit", "--no-report", "-o", str(tmp_path / "report.xml"))
    assert loaded_libraries("check", str(mini_project), *junit) == ("", 0)
    assert loaded_libraries("check", str(mini_project), "-f", "json") == ("jinja2", 0)


def test_project_file_names_the_project(mini_project: Path, capsys) -> None:
    (mini_project / "factlint.yaml").write_text("name: Pilot zones\ndescription: A test base.\n")
    code, out, _ = run(capsys, "check", str(mini_project), "-f", "json", "--no-report")
    data = json.loads(out)
    assert code == 0 and data["project"] == "Pilot zones"
    assert data["project_description"] == "A test base."
    assert any(i["path"] == "factlint.yaml" for i in data["inputs"])
    (mini_project / "factlint.yaml").write_text("name: x\ncolour: red\n")
    code, _, err = run(capsys, "check", str(mini_project), "--no-report")
    assert code == 2 and "factlint.yaml:colour" in err


@pytest.mark.parametrize("epoch", ["99999999999999999999", "yesterday", "-5"])
def test_bad_source_date_epoch_is_a_usage_error(
    mini_project: Path, capsys, monkeypatch, epoch: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    code, _, err = run(capsys, "check", str(mini_project), "--no-report")
    assert code == 2 and "SOURCE_DATE_EPOCH" in err and err.count("\n") == 1


def test_fullwidth_digits_are_not_a_value(mini_project: Path, capsys) -> None:
    table = mini_project / "facts" / "table.csv"
    table.write_text(table.read_text().replace(",103.96,", ",\uff11\uff10\uff13.96,"))
    code, out, _ = run(capsys, "check", str(mini_project), "-f", "json", "--no-report")
    assert code == 1
    assert [f["facts"] for f in json.loads(out)["findings"] if f["code"] == "FL006"] == [["amt"]]


def _into_a_closed_pipe(*args: str, unbuffered: bool) -> int:
    """`factlint ... | head -0`: the reader is gone before the command writes a byte.

    Unbuffered, the write fails inside the command; buffered, when the CLI flushes."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1" if unbuffered else ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "factlint.cli", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and err.count("\n") <= 1, err
    return proc.wait()


@pytest.mark.parametrize("unbuffered", [True, False])
@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_closed_pipe_keeps_the_verdict(mini_project: Path, fmt: str, unbuffered: bool) -> None:
    # under `set -o pipefail`, CI must still fail on findings nobody read to the end
    table = mini_project / "facts" / "table.csv"
    table.write_text(table.read_text().replace(",103.96,", ",103.97,"), encoding="utf-8")
    check = ("check", str(mini_project), "--format", fmt, "--no-report")
    assert _into_a_closed_pipe(*check, unbuffered=unbuffered) == 1


def test_a_closed_pipe_after_a_clean_run_exits_0(mini_project: Path) -> None:
    check = ("check", str(mini_project), "--format", "json", "--no-report")
    assert _into_a_closed_pipe(*check, unbuffered=True) == 0


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_closed_pipe_keeps_the_verdict_of_claims(fmt: str) -> None:
    draft = Path(__file__).parent / "drafts" / "ftz-errors.txt"
    claims = ("claims", str(draft), "--project", str(ROOT), "--as-of", "2024-09-12",
              "--format", fmt)
    assert _into_a_closed_pipe(*claims, unbuffered=True) == 1
