"""Gate policy over time: baselines, stale entries (FL070), `factlint diff` and --compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from factlint.cli import main
from factlint.codes import BUILTIN


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def broken(mini_project: Path) -> Path:
    """The mini project with one known error: `amt` no longer matches its quote."""
    edit(mini_project / "facts" / "table.csv", ",103.96,", ",103.97,")
    return mini_project


def check_json(capsys, project: Path, *extra: str) -> tuple[int, dict]:
    code, out, err = run(capsys, "check", str(project), "-f", "json", "--no-report", *extra)
    assert code in (0, 1), err
    return code, json.loads(out)


def test_baseline_keeps_known_findings_out_of_the_gate(
    broken: Path, tmp_path: Path, capsys
) -> None:
    baseline = tmp_path / "baseline.json"
    code, out, _ = run(capsys, "baseline", str(broken), "-o", str(baseline))
    assert code == 0 and "1 finding(s)" in out
    written = json.loads(baseline.read_text(encoding="utf-8"))
    assert [(e["code"], e["facts"]) for e in written["findings"]] == [("FL022", ["amt"])]

    assert check_json(capsys, broken)[0] == 1  # without the baseline the known error fails
    code, data = check_json(capsys, broken, "--baseline", str(baseline))
    assert code == 0 and data["gate"]["passed"]
    assert data["gate"]["baseline"] == {
        "file": str(baseline), "entries": 1, "matched": 1, "stale": 0,
    }
    (known,) = [f for f in data["findings"] if f["code"] == "FL022"]
    assert known["baselined"] and data["summary"]["baselined"] == 1


def test_baseline_fails_only_on_new_findings(broken: Path, tmp_path: Path, capsys) -> None:
    baseline = tmp_path / "baseline.json"
    run(capsys, "baseline", str(broken), "-o", str(baseline))
    edit(broken / "facts" / "table.csv", ",4.1,", ",4.2,")  # a new error on `trade`
    code, data = check_json(capsys, broken, "--baseline", str(baseline))
    assert code == 1 and data["gate"]["failing"] == 1
    failing = [f for f in data["findings"] if not f["baselined"] and f["severity"] == "error"]
    assert [f["facts"] for f in failing] == [["trade"]]


def test_fingerprints_survive_reordered_rows_and_unrelated_edits(
    broken: Path, tmp_path: Path, capsys
) -> None:
    baseline = tmp_path / "baseline.json"
    run(capsys, "baseline", str(broken), "-o", str(baseline))
    table = broken / "facts" / "table.csv"
    header, *rows = table.read_text(encoding="utf-8").splitlines(keepends=True)
    table.write_text(header + "".join(reversed(rows)), encoding="utf-8")
    edit(table, "curly apostrophe in the source", "a note edited since")
    code, data = check_json(capsys, broken, "--baseline", str(baseline))
    assert code == 0
    (known,) = [f for f in data["findings"] if f["code"] == "FL022"]
    assert known["baselined"] and known["line"] != 2  # moved, still known


def test_stale_baseline_entries_are_reported_as_info(broken: Path, tmp_path: Path, capsys) -> None:
    baseline = tmp_path / "baseline.json"
    run(capsys, "baseline", str(broken), "-o", str(baseline))
    edit(broken / "facts" / "table.csv", ",103.97,", ",103.96,")  # fixed
    code, data = check_json(capsys, broken, "--baseline", str(baseline), "--fail-on", "warning")
    assert code == 0
    (stale,) = [f for f in data["findings"] if f["code"] == "FL070"]
    assert stale["severity"] == "info" and stale["facts"] == ["amt"]
    assert stale["file"] == str(baseline)
    assert data["gate"]["baseline"]["stale"] == 1
    assert "FL070" in BUILTIN
    code, out, _ = run(capsys, "explain", "FL070")
    assert code == 0 and "Stale baseline entry" in out


def test_a_json_report_serves_as_baseline(broken: Path, tmp_path: Path, capsys) -> None:
    report = tmp_path / "report.json"
    assert run(capsys, "check", str(broken), "-f", "json", "-o", str(report), "--no-report")[0] == 1
    assert check_json(capsys, broken, "--baseline", str(report))[0] == 0


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ('{"findings": {}}', "expected an object with `findings`"),
        ('{"findings": [{"code": "FL022"}]}', "findings[0]"),
        ('{"findings": [{"fingerprint": "x", "facts": "amt"}]}', "findings[0].facts"),
    ],
)
def test_bad_baseline_exits_2_with_one_line(
    mini_project: Path, tmp_path: Path, capsys, content: str, needle: str
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(content, encoding="utf-8")
    code, _, err = run(
        capsys, "check", str(mini_project), "--no-report", "--baseline", str(baseline)
    )
    assert code == 2 and needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_baseline_exits_2(mini_project: Path, tmp_path: Path, capsys) -> None:
    code, _, err = run(
        capsys, "check", str(mini_project), "--baseline", str(tmp_path / "nope.json")
    )
    assert code == 2 and "not found" in err


def test_outputs_never_overwrite_inputs(broken: Path, tmp_path: Path, capsys) -> None:
    table = broken / "facts" / "table.csv"
    before = table.read_bytes()
    assert run(capsys, "baseline", str(broken), "-o", str(table))[0] == 2
    baseline = tmp_path / "baseline.json"
    run(capsys, "baseline", str(broken), "-o", str(baseline))
    kept = baseline.read_bytes()
    code, _, err = run(
        capsys, "check", str(broken), "--baseline", str(baseline), "-f", "json", "-o", str(baseline)
    )
    assert code == 2 and "refusing to overwrite an input" in err
    assert table.read_bytes() == before and baseline.read_bytes() == kept


# -- diff -----------------------------------------------------------------------


@pytest.fixture
def two_reports(mini_project: Path, tmp_path: Path, capsys) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    edit(mini_project / "facts" / "table.csv", ",103.96,", ",103.97,")
    run(capsys, "check", str(mini_project), "-f", "json", "-o", str(old), "--no-report")
    edit(mini_project / "facts" / "table.csv", ",103.97,", ",103.96,")
    edit(mini_project / "facts" / "table.csv", ",4.1,", ",4.2,")
    run(capsys, "check", str(mini_project), "-f", "json", "-o", str(new), "--no-report")
    return old, new


def test_diff_lists_new_resolved_and_unchanged(two_reports, capsys) -> None:
    old, new = two_reports
    code, out, _ = run(capsys, "diff", str(old), str(new), "-f", "json")
    assert code == 0
    changes = json.loads(out)
    assert [f["facts"] for f in changes["new"]] == [["trade"]]
    assert [f["facts"] for f in changes["resolved"]] == [["amt"]]
    assert changes["unchanged"] == []
    assert run(capsys, "diff", str(old), str(old), "-f", "json")[1].count('"fingerprint"') > 0
    same = json.loads(run(capsys, "diff", str(old), str(old), "-f", "json")[1])
    assert not same["new"] and not same["resolved"] and len(same["unchanged"]) == 1


def test_diff_text_and_markdown(two_reports, capsys) -> None:
    old, new = two_reports
    code, out, _ = run(capsys, "diff", str(old), str(new))
    assert code == 0 and "new: 1 · resolved: 1 · unchanged: 0" in out
    assert "FL022" in out and "`trade`" in out
    code, out, _ = run(capsys, "diff", str(old), str(new), "--format", "markdown")
    assert code == 0 and out.startswith("### factlint: changes since")
    assert "#### New" in out and "#### Resolved" in out and "| 1 | 1 | 0 |" in out


def test_diff_refuses_other_formats_and_bad_files(two_reports, tmp_path: Path, capsys) -> None:
    old, new = two_reports
    code, _, err = run(capsys, "diff", str(old), str(new), "-f", "html")
    assert code == 2 and "'html' is not one of 'text', 'json', 'markdown'" in err
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    code, _, err = run(capsys, "diff", str(bad), str(new))
    assert code == 2 and "bad.json" in err and err.count("\n") == 1


def test_compare_in_json_and_text(two_reports, mini_project: Path, capsys) -> None:
    old, _ = two_reports
    code, data = check_json(capsys, mini_project, "--compare", str(old))
    assert code == 1
    changes = data["comparison"]
    assert changes["against"]["file"] == str(old)
    assert [f["facts"] for f in changes["new"]] == [["trade"]]
    code, out, _ = run(capsys, "check", str(mini_project), "--no-report", "--compare", str(old))
    assert "1 new, 1 resolved, 0 unchanged" in out
