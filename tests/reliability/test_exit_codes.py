"""The exit-code contract, command by command.

0 clean, 1 findings at or above ``--fail-on``, 2 usage, configuration or input
error, 3 internal error, 130 interrupted (Ctrl-C). Whatever the path: no
traceback, exactly one line on stderr for 2, 3 and 130, nothing on stderr for
0 and 1, and every input file byte-identical afterwards.

To cover a new command, add a :class:`Command` to ``COMMANDS`` (its clean
command line and a function it calls, where a fault is injected) and its
specific cases to ``COMMAND_CASES``. ``test_every_command_is_in_the_matrix``
fails until a registered command is listed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer

from factlint.cli import app
from tests.reliability.helpers import (
    TABLE,
    assert_contract,
    break_a_figure,
    file_hashes,
    run_cli,
    write_big_project,
    write_project,
)

Setup = Callable[[Path, Path], None]
"""Prepares a case: (project, outside) -> None."""


@dataclass(frozen=True)
class Command:
    """A command of the CLI as the matrix knows it."""

    name: str
    """The words that name it: ``check``, ``gx docs``."""
    clean: tuple[str, ...] | None
    """A command line that succeeds on the valid project (placeholders ``{project}``,
    ``{outside}``); None: not known yet (only the generic cases run)."""
    fault: str | None
    """``module:function`` the command calls: replaced to raise (exit 3) or to be
    interrupted (exit 130); None: not known yet."""
    setup: Setup | None = None


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    code: int
    needle: str | None = None
    setup: Setup | None = None
    fault: tuple[str, type[BaseException]] | None = field(default=None, compare=False)


def _reports(project: Path, outside: Path) -> None:
    """Two JSON reports for `diff`: before and after a figure broke."""
    clean = project.parent / "clean-copy"
    write_project(clean)
    run_cli("check", clean, "--format", "json", "--no-report", "--output", outside / "old.json")
    break_a_figure(clean)
    run_cli("check", clean, "--format", "json", "--no-report", "--output", outside / "new.json")


def _draft(project: Path, outside: Path) -> None:
    """A short draft with one figure and no contradiction."""
    (outside / "draft.md").write_text("The zones are new this year.\n", encoding="utf-8")


def _gx_suite(project: Path, outside: Path) -> None:
    suite = {
        "name": "ids",
        "meta": {"factlint": {"table": "facts"}},
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}}
        ],
    }
    (project / "checks" / "gx").mkdir()
    (project / "checks" / "gx" / "ids.json").write_text(json.dumps(suite), encoding="utf-8")


def _ragged(project: Path, outside: Path) -> None:
    with (project / TABLE).open("a", encoding="utf-8") as handle:
        handle.write("x,src\n")


def _bad_rule(project: Path, outside: Path) -> None:
    (project / "checks" / "rules.yaml").write_text("rules:\n  - id: r\n    kind: nope\n")


def _unused_waiver(project: Path, outside: Path) -> None:
    (project / "checks" / "waivers.yaml").write_text(
        "waivers:\n  - rule: land-share-small\n    facts: [amt]\n"
        "    reason: Reviewed; the gap is known.\n    reviewer: someone\n    expires: 2999-01-01\n",
        encoding="utf-8",
    )


def _not_json(project: Path, outside: Path) -> None:
    (outside / "old.json").write_text("{not json", encoding="utf-8")
    (outside / "new.json").write_text("[]", encoding="utf-8")


def _both(*steps: Setup) -> Setup:
    def run(project: Path, outside: Path) -> None:
        for step in steps:
            step(project, outside)

    return run


# -- the matrix: extend here -------------------------------------------------------------

COMMANDS: list[Command] = [
    Command("check", ("check", "{project}", "--no-report"), "factlint.engine:validate_facts"),
    Command("rules", ("rules", "{project}"), "factlint.commands.explain:load_kinds"),
    Command("explain", ("explain", "FL101"), "factlint.commands.explain:kind_doc"),
    Command(
        "baseline", ("baseline", "{project}", "--output", "{outside}/baseline.json"),
        "factlint.commands.gate:run_check",
    ),
    Command(
        "diff", ("diff", "{outside}/old.json", "{outside}/new.json"),
        "factlint.commands.gate:compare", setup=_reports,
    ),
    Command(
        "gx docs", ("gx", "docs", "{project}", "--output", "{outside}/gx"),
        "factlint.gx.docs:build_data_docs", setup=_gx_suite,
    ),
    Command(
        "gx export", ("gx", "export", "{project}", "--output", "{outside}/suite.json"),
        "factlint.gx.export:checked_export",
    ),
    Command(
        "claims", ("claims", "{outside}/draft.md", "--project", "{project}"),
        "factlint.commands.claims:read_draft", setup=_draft,
    ),
    Command(
        "extract", ("extract", "{outside}/draft.md", "--project", "{project}",
                    "--output", "{outside}/candidates.csv"),
        "factlint.commands.claims:extract_file", setup=_draft,
    ),
]

COMMAND_CASES: list[Case] = [
    # check
    Case("check findings", ("check", "{project}", "--no-report"), 1, setup=lambda p, o:
         break_a_figure(p)),
    Case("check findings fail-on never", ("check", "{project}", "--no-report", "--fail-on",
                                          "never"), 0, setup=lambda p, o: break_a_figure(p)),
    Case("check warning only", ("check", "{project}", "--no-report"), 0, setup=_unused_waiver),
    Case("check warning fail-on warning", ("check", "{project}", "--no-report", "--fail-on",
                                           "warning"), 1, setup=_unused_waiver),
    Case("check json findings", ("check", "{project}", "-f", "json", "--no-report"), 1,
         setup=lambda p, o: break_a_figure(p)),
    Case("check ragged table", ("check", "{project}"), 2, "facts/table.csv:7", setup=_ragged),
    Case("check bad rule kind", ("check", "{project}"), 2, "checks/rules.yaml:rules[r].kind",
         setup=_bad_rule),
    Case("check no project", ("check", "{outside}/nowhere"), 2, "project directory not found"),
    Case("check a file as project", ("check", "{project}/facts/table.csv"), 2,
         "expected a project directory"),
    Case("check no facts dir", ("check", "{outside}"), 2, "no facts/ directory"),
    Case("check bad format", ("check", "{project}", "--format", "pdf"), 2, "--format"),
    Case("check bad fail-on", ("check", "{project}", "--fail-on", "sometimes"), 2, "--fail-on"),
    Case("check output over input", ("check", "{project}", "-o", "{project}/facts/table.csv"), 2,
         "refusing to overwrite an input"),
    Case("check report over input", ("check", "{project}", "--report",
                                     "{project}/checks/rules.yaml"), 2, "refusing to overwrite"),
    Case("check missing baseline", ("check", "{project}", "--baseline", "{outside}/none.json"),
         2, "baseline not found"),
    Case("check bad compare", ("check", "{project}", "--compare", "{outside}/old.json"), 2,
         "not valid JSON", setup=_not_json),
    Case("check every format", ("check", "{project}", "-f", "junit", "--no-report"), 0),
    Case("check github format", ("check", "{project}", "-f", "github", "--no-report"), 1,
         setup=lambda p, o: break_a_figure(p)),
    Case("check markdown format", ("check", "{project}", "-f", "markdown", "--no-report"), 0),
    Case("check writes report", ("check", "{project}", "--report", "{outside}/r/index.html"), 0),
    # rules and explain
    Case("rules without project", ("rules",), 0),
    Case("rules bad project", ("rules", "{project}"), 2, "checks/rules.yaml", setup=_bad_rule),
    Case("explain builtin", ("explain", "FL009"), 0),
    Case("explain lower case", ("explain", "fl101"), 0),
    Case("explain unknown", ("explain", "FL999"), 2, "unknown code 'FL999'"),
    Case("explain missing argument", ("explain",), 2, "Missing argument"),
    # baseline and diff
    Case("baseline with findings", ("baseline", "{project}", "-o", "{outside}/b.json"), 0,
         setup=lambda p, o: break_a_figure(p)),
    Case("baseline bad input", ("baseline", "{project}", "-o", "{outside}/b.json"), 2,
         "facts/table.csv:7", setup=_ragged),
    Case("baseline over input", ("baseline", "{project}", "-o", "{project}/facts/units.yaml"), 2,
         "refusing to overwrite"),
    Case("diff missing file", ("diff", "{outside}/none.json", "{outside}/none.json"), 2,
         "not found"),
    Case("diff not json", ("diff", "{outside}/old.json", "{outside}/new.json"), 2,
         "not valid JSON", setup=_not_json),
    Case("diff json", ("diff", "{outside}/old.json", "{outside}/new.json", "-f", "json"), 0,
         setup=_reports),
    Case("diff html refused", ("diff", "{outside}/old.json", "{outside}/new.json", "-f", "html"),
         2, "is not one of 'text', 'json', 'markdown'", setup=_reports),
    Case("diff missing argument", ("diff", "{outside}/old.json"), 2, "Missing argument"),
    # gx
    Case("gx docs without suites", ("gx", "docs", "{project}", "-o", "{outside}/gx"), 2,
         "no GX suites"),
    Case("gx docs into facts", ("gx", "docs", "{project}", "-o", "{project}/facts/table.csv"), 2,
         "refusing", setup=_gx_suite),
    Case("gx export over input", ("gx", "export", "{project}", "-o", "{project}/facts/table.csv"),
         2, "refusing to overwrite"),
    Case("gx export bad input", ("gx", "export", "{project}"), 2, "facts/table.csv:7",
         setup=_ragged),
    # the program itself
    Case("no command", (), 2, "missing command"),
    Case("unknown command", ("frobnicate",), 2, "No such command"),
    Case("version", ("--version",), 0),
    Case("gx without subcommand", ("gx",), 2, "missing command"),
]


def registered_commands() -> set[str]:
    """Every command the CLI has, as words (``gx docs``)."""
    root = typer.main.get_command(app)
    found: set[str] = set()

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            words = f"{prefix}{name}"
            if getattr(command, "commands", None):
                walk(command, words + " ")
            else:
                found.add(words)

    walk(root, "")
    return found


REGISTERED = registered_commands()


def _generic_cases() -> list[Case]:
    cases: list[Case] = []
    for command in COMMANDS:
        words = tuple(command.name.split())
        cases.append(Case(f"{command.name} --help", (*words, "--help"), 0))
        cases.append(Case(f"{command.name} unknown option", (*words, "--no-such-option"), 2,
                          "No such option"))
        if command.clean is not None:
            cases.append(Case(f"{command.name} clean", command.clean, 0, setup=command.setup))
        if command.clean is not None and command.fault is not None:
            cases.append(Case(f"{command.name} internal error", command.clean, 3,
                              "internal error: RuntimeError: injected fault", setup=command.setup,
                              fault=(command.fault, RuntimeError)))
            cases.append(Case(f"{command.name} interrupted", command.clean, 130, "interrupted",
                              setup=command.setup, fault=(command.fault, KeyboardInterrupt)))
    return cases


ALL_CASES = _generic_cases() + COMMAND_CASES


def _needs(case: Case) -> str | None:
    """The registered command a case runs, if it runs one."""
    for length in (2, 1):
        words = " ".join(a for a in case.args[:length] if not a.startswith("-"))
        if words in REGISTERED or words in {c.name for c in COMMANDS}:
            return words
    return None


def test_every_command_is_in_the_matrix() -> None:
    listed = {c.name for c in COMMANDS}
    missing = REGISTERED - listed
    assert not missing, f"add these commands to COMMANDS in {__file__}: {sorted(missing)}"


def test_the_matrix_covers_every_exit_code() -> None:
    assert {c.code for c in ALL_CASES} == {0, 1, 2, 3, 130}


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_exit_code(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    needed = _needs(case)
    if needed is not None and needed not in REGISTERED:
        pytest.skip(f"`factlint {needed}` is not registered yet")
    project = write_project(tmp_path / "project")
    outside = tmp_path / "outside"
    outside.mkdir()
    if case.setup is not None:
        case.setup(project, outside)
    if case.fault is not None:
        target, error = case.fault
        module, name = target.split(":")

        def fault(*_args: object, **_kwargs: object) -> None:
            raise error("injected fault")

        monkeypatch.setattr(f"{module}.{name}", fault)
    before = file_hashes(project, outside)

    run = run_cli(*(a.format(project=project, outside=outside) for a in case.args))

    assert_contract(run, case.code, case.needle)
    after = file_hashes(project, outside)
    assert {k: v for k, v in after.items() if k in before} == before, "an input file changed"


# -- Ctrl-C in a real process --------------------------------------------------------------

READY_THEN_MAIN = (
    "import sys\n"
    "from factlint.cli import main\n"
    "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
# the same, with the quotes' figures read by worker processes however few they are, and
# slowly: they are still reading when the signal comes
READY_THEN_MAIN_WITH_WORKERS = READY_THEN_MAIN.replace(
    "from factlint.cli import main\n",
    "from factlint.cli import main\n"
    "import time\n"
    "import factlint.provenance\n"
    "factlint.provenance.POOL_MIN_FIGURES = 1\n"
    "read = factlint.provenance.figure_matches\n"
    "factlint.provenance.figure_matches = lambda *figure: time.sleep(2) or read(*figure)\n",
)


def _cpu_seconds(pid: int) -> float:
    """The processor time a running process has used (Linux's /proc)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


def _start(script: str, project: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "check", str(project), "-f", "json",
         "-o", str(out), "--no-cache", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # a process group of its own, as a terminal's command
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    return proc


def _interrupted_in_one_line(proc: subprocess.Popen[str], out: Path) -> None:
    """The interrupted process exits 130 with one line and no half-written report; one that
    hangs is killed, and fails."""
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the command hung after Ctrl-C")
    assert proc.returncode == 130, stderr
    assert stderr == "factlint: interrupted\n"
    assert "Traceback" not in stdout
    assert not out.exists() or json.loads(out.read_text(encoding="utf-8"))


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads processes' times from Linux's /proc"
)


@needs_proc
def test_sigint_exits_130_in_one_line(tmp_path: Path) -> None:
    # big enough, and without the cache, that the run is still going when the signal comes:
    # it needs about a second of processor time, and is interrupted after a third of one
    project = write_big_project(tmp_path / "big", 30000)
    before = file_hashes(project)
    out = tmp_path / "out.json"
    proc = _start(READY_THEN_MAIN, project, out)
    started = _cpu_seconds(proc.pid)
    _wait_until(lambda: _cpu_seconds(proc.pid) - started >= 0.3, "the check to be under way")
    proc.send_signal(signal.SIGINT)
    _interrupted_in_one_line(proc, out)
    assert file_hashes(project) == before


@needs_proc
def test_ctrl_c_while_workers_read_quotes_stops_them_in_one_line(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches every process of the command: the workers that read the
    quotes in the background leave it to the check, which stops them and says so once."""
    project = write_big_project(tmp_path / "big", 30000)
    out = tmp_path / "out.json"
    proc = _start(READY_THEN_MAIN_WITH_WORKERS, project, out, "--jobs", "2")
    _wait_until(lambda: len(_children(proc.pid)) == 2, "the workers to start")
    workers = _children(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # the whole group, as Ctrl-C in a terminal
    _interrupted_in_one_line(proc, out)
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "a worker was left behind"
