"""No data loss: a run never changes an input, and a run killed at any moment leaves
the previous report (HTML and JSON) intact -- old or new, never a truncated mix.

The kills use ``os.fork`` of this process (where factlint is already imported),
so each killed run spends its short life checking and writing rather than
importing; the delay is drawn over the whole length of a complete run. (Input
hashes before and after every command are asserted in test_exit_codes.py and
test_bad_input.py.)
"""

from __future__ import annotations

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from factlint.cli import main
from factlint.outputs import atomic_write
from tests.reliability.helpers import (
    assert_contract,
    break_a_figure,
    file_hashes,
    run_cli,
    write_big_project,
)

KILLS = 20

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _run_in_child(args: list[str]) -> int:
    """Fork a child that runs ``factlint ARGS`` with stdout and stderr discarded."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            code = main(args)
        finally:
            os._exit(code)
    return pid


def test_a_killed_run_leaves_the_previous_report_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1726000000")  # complete runs give known bytes
    project = write_big_project(tmp_path / "big", 2000)
    out = tmp_path / "out"
    report, output = out / "index.html", out / "report.json"
    args = ["check", str(project), "--report", str(report), "--format", "json",
            "--output", str(output)]

    assert_contract(run_cli(*args), 0)
    old = {report: report.read_bytes(), output: output.read_bytes()}
    break_a_figure(project)
    inputs = file_hashes(project)
    assert_contract(run_cli(*args), 1)
    new = {report: report.read_bytes(), output: output.read_bytes()}
    started = time.perf_counter()  # how long a forked run takes to the end
    _, status = os.waitpid(_run_in_child(args), 0)
    duration = time.perf_counter() - started
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1
    assert old[report] != new[report] and old[output] != new[output]

    rng = random.Random(8)
    outcomes = []
    for _ in range(KILLS):
        for path, data in old.items():
            atomic_write(path, data)
        pid = _run_in_child(args)
        # half the kills anywhere in the run, half near its end where the outputs are written
        end = rng.uniform(0.0, 1.1) if rng.random() < 0.5 else rng.uniform(0.75, 1.05)
        time.sleep(end * duration)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        outcomes.append("killed" if os.WIFSIGNALED(status) else "finished")
        for path in (report, output):
            data = path.read_bytes()
            assert data in (old[path], new[path]), f"{path.name} is neither the old nor the new one"
        json.loads(output.read_bytes())
        assert report.read_bytes().rstrip().endswith(b"</html>")
    assert "killed" in outcomes
    assert file_hashes(project) == inputs, "a killed run changed an input"
    # a SIGKILLed writer may leave its hidden temporary file, never a visible one
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {
        report.name, output.name}
    assert all(p.name.endswith(".tmp") for p in out.iterdir() if p.name.startswith("."))


def test_atomic_write_keeps_the_old_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"<html>old</html>")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(Exception, match="No space left on device"):
        atomic_write(target, "<html>new</html>")
    assert target.read_bytes() == b"<html>old</html>"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # the temporary file is gone


def test_outputs_keep_the_usual_permissions(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.json"
    atomic_write(fresh, "{}")
    mask = os.umask(0)
    os.umask(mask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~mask
    kept = tmp_path / "kept.json"
    kept.write_text("[]")
    kept.chmod(0o640)
    atomic_write(kept, "{}")
    assert kept.stat().st_mode & 0o777 == 0o640
