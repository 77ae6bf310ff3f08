"""factlint: cross-check figures extracted from official documents.

The public API: run a project's checks and read its findings.

>>> from factlint import run_check
>>> result = run_check(Path("."))          # doctest: +SKIP
>>> [f.code for f in result.findings]      # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from factlint.errors import FactlintError, InputError, UsageError
from factlint.findings import Finding, Severity, Status

if TYPE_CHECKING:
    from factlint.engine import RunResult, run_check


def __getattr__(name: str) -> object:
    # the engine brings pandas and pandera: it is imported on first use, so that
    # `factlint --help` and the light commands start fast
    if name in ("RunResult", "run_check"):
        from factlint import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "FactlintError",
    "Finding",
    "InputError",
    "RunResult",
    "Severity",
    "Status",
    "UsageError",
    "__version__",
    "run_check",
]
