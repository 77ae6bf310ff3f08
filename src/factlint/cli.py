"""The command line: a thin typer layer over the library.

Exit codes: 0 clean, 1 findings at or above ``--fail-on``, 2 usage,
configuration or input error (one line on stderr naming the file and place),
3 internal error, 130 interrupted.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import sys
import threading
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

from factlint import __version__
from factlint.allocator import tune_allocator
from factlint.errors import FactlintError, PipeClosed

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

app = typer.Typer(
    name="factlint",
    help="Cross-check figures extracted from official documents.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


F = TypeVar("F", bound=Callable[..., Any])
_DEBUG = False


def guarded(command: F) -> F:
    """Map what a command raises to the documented exit codes, in one line on stderr."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            code = command(*args, **kwargs)
        except (typer.Exit, typer.TyperException):
            raise  # an explicit exit code or a usage error: main() reports it
        except FactlintError as exc:
            code = _fail(str(exc), EXIT_INPUT)
        except KeyboardInterrupt:
            code = EXIT_INTERRUPTED  # main() says so, in one line
        except BrokenPipeError as exc:  # the reader left (`factlint ... | head`)
            _silence_stdout()
            code = exc.exit_code if isinstance(exc, PipeClosed) else EXIT_OK
        except RecursionError as exc:  # before Exception: a message may not be printable
            code = _internal(exc)
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback
            code = _internal(exc)
        raise typer.Exit(int(code or 0))

    return wrapper  # type: ignore[return-value]


class Format(StrEnum):
    text = "text"
    json = "json"
    html = "html"
    junit = "junit"
    github = "github"
    markdown = "markdown"


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"factlint {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Cross-check figures extracted from official documents."""


@app.command()
@guarded
def check(
    project_dir: Annotated[
        Path, typer.Argument(help="Project directory holding facts/ and checks/.")
    ] = Path("."),
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the output here instead of stdout.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the HTML report [default: PROJECT_DIR/reports/index.html]."
        ),
    ] = None,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Do not write the HTML report.")
    ] = False,
    fail_on: Annotated[
        FailOn, typer.Option(help="Lowest severity of an unwaived finding that fails the run.")
    ] = FailOn.error,
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="Baseline file (factlint baseline) or earlier JSON report: fail only on findings "
            "not in it; its stale entries are reported (FL070)."
        ),
    ] = None,
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            metavar="OLD.json",
            help="An earlier JSON report: list new, resolved and unchanged findings since it.",
        ),
    ] = None,
    gx: Annotated[
        bool,
        typer.Option(
            "--gx",
            help="Also run the Great Expectations suites in checks/gx/ (imports GX: slower).",
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Neither read nor write the cache of parsed registries and verified quotes "
            "[default location: ~/.cache/factlint, or $FACTLINT_CACHE_DIR].",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs", "-j", min=1, metavar="N",
            help="Processes that read quotes [default: one per core].",
        ),
    ] = None,
) -> int:
    """Check a project: schema, provenance, rules and waivers; write the report."""
    from factlint.commands.check import run_check_command

    return run_check_command(
        project_dir,
        fmt=fmt.value,
        output=output,
        report=report,
        no_report=no_report,
        fail_on=fail_on.value,
        baseline=baseline,
        compare_with=compare,
        gx=gx,
        cache=not no_cache,
        jobs=jobs,
        hold=_HELD,
    )


#: what a command leaves for the end of the process: entry() ends it without teardown,
#: and freeing a million-row fact base object by object would cost a fifth of a second
_HELD: list[object] = []


@app.command("rules")
@guarded
def rules_command(
    project_dir: Annotated[
        Path | None, typer.Argument(help="Also list this project's rules.")
    ] = None,
) -> int:
    """List the rule kinds and, given a project, its rules."""
    from factlint.commands.explain import list_rules

    return list_rules(project_dir)


@app.command()
@guarded
def explain(code: Annotated[str, typer.Argument(help="A code such as FL103.")]) -> int:
    """Print the documentation of a rule kind or built-in check."""
    from factlint.commands.explain import explain_code

    return explain_code(code)


gx_app = typer.Typer(
    name="gx",
    help="Great Expectations: Data Docs and suite export.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(gx_app, name="gx")


@gx_app.command("docs")
@guarded
def gx_docs(
    project_dir: Annotated[Path, typer.Argument(help="Project directory.")] = Path("."),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Directory [default: PROJECT_DIR/reports/gx]."),
    ] = None,
) -> int:
    """Build GX Data Docs for the project's GX suites (open index.html offline)."""
    from factlint.commands.gx import build_docs

    return build_docs(project_dir, output)


@gx_app.command("export")
@guarded
def gx_export(
    project_dir: Annotated[Path, typer.Argument(help="Project directory.")] = Path("."),
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the suite JSON here instead of stdout."),
    ] = None,
) -> int:
    """Write a GX suite derived from factlint's schema and bound rules."""
    from factlint.commands.gx import export_suite

    return export_suite(project_dir, output)


@app.command()
@guarded
def baseline(
    project_dir: Annotated[Path, typer.Argument(help="Project directory.")] = Path("."),
    output: Annotated[Path, typer.Option("--output", "-o", help="Baseline file to write.")] = Path(
        "factlint-baseline.json"
    ),
) -> int:
    """Record the current findings as a baseline (see check --baseline)."""
    from factlint.commands.gate import write_baseline

    return write_baseline(project_dir, output)


@app.command()
@guarded
def diff(
    old: Annotated[Path, typer.Argument(help="An earlier JSON report.")],
    new: Annotated[Path, typer.Argument(help="A later JSON report.")],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text, json or markdown.")
    ] = DiffFormat.text,
) -> int:
    """List new, resolved and unchanged findings between two JSON reports."""
    from factlint.commands.gate import diff_reports

    return diff_reports(old, new, fmt.value)


class ClaimsFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


class ClaimsFailOn(StrEnum):
    contradicted = "contradicted"
    unsupported = "unsupported"
    never = "never"


@app.command()
@guarded
def claims(
    drafts: Annotated[
        list[Path], typer.Argument(help="Drafts to check: Markdown, plain text or HTML.")
    ],
    project_dir: Annotated[
        Path, typer.Option("--project", help="Project directory holding facts/.")
    ] = Path("."),
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Date the drafts speak from ('last year', 'to date') [default: the front "
            "matter's date:].",
        ),
    ] = None,
    fmt: Annotated[
        ClaimsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ClaimsFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the output here instead of stdout.")
    ] = None,
    fail_on: Annotated[
        ClaimsFailOn,
        typer.Option(help="Exit 1 on a contradicted claim, on any claim not supported, or never."),
    ] = ClaimsFailOn.contradicted,
) -> int:
    """Check every figure in drafts against the fact base: supported, contradicted, unsupported."""
    from factlint.commands.claims import run_claims_command

    return run_claims_command(
        drafts,
        project_dir=project_dir,
        as_of=as_of,
        fmt=fmt.value,
        output=output,
        fail_on=fail_on.value,
    )


@app.command()
@guarded
def extract(
    source: Annotated[
        Path, typer.Argument(help="A source document (plain text, Markdown or HTML).")
    ],
    project_dir: Annotated[
        Path, typer.Option("--project", help="Project directory holding facts/.")
    ] = Path("."),
    source_id: Annotated[
        str | None,
        typer.Option("--source-id", help="Source id for the rows [default: the file name's stem]."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the CSV here instead of stdout.")
    ] = None,
) -> int:
    """Propose candidate fact rows (CSV, with a review column) from a source document."""
    from factlint.commands.claims import run_extract_command

    return run_extract_command(source, project_dir=project_dir, source_id=source_id, output=output)


def _one_line(message: str) -> str:
    """Escape line breaks, control and bidirectional characters: an error is one line."""
    out = []
    for ch in message:
        code = ord(ch)
        if ch == "\t":
            out.append(" ")
        elif ch in "\n\r":
            out.append("\\n" if ch == "\n" else "\\r")
        elif (
            code < 0x20
            or 0x7F <= code < 0xA0
            or ch in "\u2028\u2029\u061c\u200e\u200f"
            or 0x202A <= code <= 0x202E
            or 0x2066 <= code <= 0x2069
        ):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"factlint: {_one_line(message)}\n")
    sys.stderr.flush()
    return code


def _internal(exc: BaseException) -> int:
    """Exit 3 in one line; the traceback only under ``--debug``."""
    if _DEBUG:
        traceback.print_exc()
    try:
        detail = f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - an exception whose str() fails still gets a line
        detail = type(exc).__name__
    if len(detail) > 500:
        detail = detail[:500] + "..."
    return _fail(
        f"internal error: {detail} (a bug in factlint; rerun with --debug for the traceback)",
        EXIT_INTERNAL,
    )


def _flush_stdout() -> None:
    """Flush what a command wrote; a reader that left early does not change its exit code."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `factlint check | head`: the verdict stands (set -o pipefail)
        _silence_stdout()


def _silence_stdout() -> None:
    """After a closed pipe (``factlint ... | head``), send the rest of stdout nowhere.

    Without this, the interpreter's final flush fails again and prints a warning.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests)
        pass


def _usage_error(exc: typer.TyperException) -> int:
    """A command-line mistake (unknown option, bad value, missing argument) in one line."""
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError":
        # `factlint` or `factlint gx` alone: the help on stdout, the complaint on stderr
        sys.stdout.write(exc.format_message().rstrip("\n") + "\n")
        return _fail("missing command (the commands are listed above)", EXIT_INPUT)
    hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
    # typer validates values with pydantic, whose messages start "Value error, "
    message = exc.format_message().replace(": Value error, ", ": ")
    return _fail(f"{message}{hint}", EXIT_INPUT)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app and return the documented exit code.

    Every path ends in 0, 1, 2, 3 or 130 with at most one line on stderr and
    never a traceback (unless ``--debug``).
    """
    global _DEBUG
    args = list(sys.argv[1:] if argv is None else argv)
    _DEBUG = "--debug" in args
    args = [a for a in args if a != "--debug"]
    try:
        # not standalone: typer hands back exit codes and usage errors instead of printing
        # several lines and calling sys.exit; a command's typer.Exit comes back as a code
        result = app(args=args, prog_name="factlint", standalone_mode=False)
        code = result if isinstance(result, int) else EXIT_OK
        if code == EXIT_INTERRUPTED:  # Ctrl-C in a command or while parsing the command line
            _fail("interrupted", EXIT_INTERRUPTED)
        _flush_stdout()
    except typer.Exit as exc:
        code = int(exc.exit_code or 0)
        if code == EXIT_INTERRUPTED:
            _fail("interrupted", EXIT_INTERRUPTED)
    except typer.TyperException as exc:
        code = _usage_error(exc)
    except (KeyboardInterrupt, typer.Abort):
        code = _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        code = EXIT_OK
    except SystemExit as exc:
        value = exc.code
        code = value if isinstance(value, int) else (EXIT_OK if value is None else EXIT_INPUT)
    except Exception as exc:  # noqa: BLE001 - outside a command (argument parsing): still one line
        code = _internal(exc)
    return code


#: Collection thresholds for one command-line run. Python's defaults (700, 10, 10) make
#: it walk every container again and again while a run builds a million-row table
#: (0.6 s of the rules stage at 1M facts, 0.08 s of a check of the FTZ base). Young
#: garbage cycles are still collected; full collections become rare in a short process.
GC_THRESHOLDS = (100_000, 50, 100)


def entry() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    tune_allocator()
    code = main()
    if threading.active_count() > 1:  # a library left a thread running: Python joins it
        sys.exit(code)
    _exit_without_teardown(code)


def _exit_without_teardown(code: int) -> NoReturn:
    """End the process without freeing every object and module one by one.

    After a check, Python's own shutdown (clearing a thousand modules -- pandas,
    pydantic models -- and the fact tables) costs a tenth of a second or more
    and achieves nothing: outputs are already written, synced and closed
    (:func:`factlint.outputs.atomic_write`). The exit handlers still run
    (multiprocessing, logging, GX) and the standard streams are flushed; only
    the teardown is skipped (mypy ends its runs the same way).
    """
    atexit._run_exitfuncs()
    try:
        _flush_stdout()
        sys.stderr.flush()
    except (OSError, ValueError):  # a stream closed or broken: nothing more can be said
        pass
    os._exit(code)


if __name__ == "__main__":
    entry()
