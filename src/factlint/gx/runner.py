"""Run a project's GX suites (``checks/gx/*.json``) and return factlint findings.

The engine calls :func:`run_gx_suites` only when ``checks/gx/`` exists, so a
project without suites never imports Great Expectations. Every suite is read
and checked first (a malformed file, an unknown expectation type or a column
the target table lacks is an input error, exit 2), then validated in one
ephemeral GX context. GX failing on one suite does not stop the others: it
becomes an FL081 finding.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from factlint.errors import FactlintError
from factlint.findings import Finding, Severity, Status
from factlint.gx.frames import ProjectFrames
from factlint.gx.results import CANNOT_RUN, findings_for
from factlint.gx.spec import SuiteSpec, check_columns, load_suites
from factlint.project import file_digest
from factlint.registry import Registries, load_registries


def checked_suites(suites: list[SuiteSpec], frames: ProjectFrames) -> list[SuiteSpec]:
    """``suites`` (as :func:`load_suites` read them), each checked against the columns of
    the table it targets."""
    for suite in suites:
        frame = frames.frame(suite.table, include_derived=suite.include_derived)
        check_columns(suite, frame.columns)
    return suites


def run_gx_suites(
    root: Path,
    stated: pd.DataFrame,
    table: pd.DataFrame,
    *,
    inputs: dict[str, str],
    registries: Registries | None = None,
) -> list[Finding]:
    """Validate every suite against its table; add the suite files to ``inputs``.

    ``registries`` are the project's (read again from ``facts/`` when not given).
    """
    if registries is None:
        registries = load_registries(root / "facts")
    frames = ProjectFrames(stated, table, registries)
    suites = checked_suites(load_suites(root), frames)
    for suite in suites:
        inputs[suite.file] = file_digest(suite.path)
    if not suites:
        return []
    from factlint.gx.session import open_session

    session = open_session()
    built = [session.suite(suite) for suite in suites]  # input errors (exit 2) before any run
    found: list[Finding] = []
    for suite, gx_suite in zip(suites, built, strict=True):
        frame = frames.frame(suite.table, include_derived=suite.include_derived)
        try:
            validation = session.validate_suite(gx_suite, suite, frame)
        except FactlintError:
            raise
        except Exception as exc:  # noqa: BLE001 - GX failing on one suite must not stop the others
            found.append(
                Finding(
                    code=CANNOT_RUN, rule=suite.rule, severity=Severity.ERROR,
                    status=Status.RULE_ERROR, file=suite.file,
                    message=(
                        f"GX suite `{suite.name}` could not run ({type(exc).__name__}: "
                        f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc}); "
                        "the other suites ran"
                    ),
                )
            )
            continue
        found.extend(findings_for(suite, validation))
    return found


__all__ = ["checked_suites", "run_gx_suites"]
