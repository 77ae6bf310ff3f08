"""factlint: cross-check figures extracted from official documents.

The public API: run a project's checks and read its findings.

>>> from factlint import run_check
>>> result = run_check(Path("."))          # doctest: +SKIP
>>> [f.code for f in result.findings]      # doctest: +SKIP
"""

from __future__ import annotations

__version__ = "0.1.0"

from factlint.engine import RunResult, run_check
from factlint.errors import FactlintError, InputError, UsageError
from factlint.findings import Finding, Severity, Status

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
