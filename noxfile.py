"""Developer sessions: `nox -s tests lint typecheck audit`."""

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
