"""Developer sessions: `nox -s tests lint typecheck audit`; `nox -s bench` on demand."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "audit"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite (browser tests skip, with the reason, where chromium is missing)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, including the security rules (S) that forbid eval/exec."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "src", "tests", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the engine."""
    session.install("-e", ".", "mypy>=1.10", "types-PyYAML>=6")
    session.run("mypy")


@nox.session
def audit(session: nox.Session) -> None:
    """Run factlint on the bundled FTZ fact base, as CI gate and report writer."""
    session.install("-e", ".")
    session.run("factlint", "check", ".", "--gx", "--fail-on", "error")


@nox.session
def bench(session: nox.Session) -> None:
    """Time the engine and the CLI on synthetic corpora of 10k, 100k and 1M facts.

    Corpora are generated once under /tmp/factlint-bench (never in the repository);
    `nox -s bench -- --sizes 10k,100k --repeat 5` passes options to bench/run.py.
    The tables of bench/RESULTS.md come from `-- --markdown FILE`.
    """
    session.install("-e", ".")
    session.run("python", "bench/run.py", *session.posargs)
