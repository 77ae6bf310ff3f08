"""The exceptions factlint raises on purpose.

Exception tree::

    FactlintError                 base; never escapes the CLI as a traceback
    ├── UsageError                bad command line (exit 2)
    └── InputError                an input file cannot be used (exit 2)
        ├── ProjectError          the project directory lacks what it needs
        ├── TableError            a CSV table is malformed
        ├── RegistryError         a units / metrics / entities registry is malformed
        ├── RuleSetError          a rule set or waiver file is malformed
        └── FormulaError          a formula does not parse or uses a forbidden construct

    PipeClosed (a BrokenPipeError) standard output's reader left; carries the verdict

Anything else that escapes is a bug: the CLI reports it as an internal error
(exit 3) in one line, with the traceback only under ``--debug``.

Problems *in the data* (a fact that fails its schema, a quote missing from its
source, a discrepancy) are not exceptions: they are findings.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class FactlintError(Exception):
    """Base of every error factlint raises on purpose."""


class UsageError(FactlintError):
    """The command line asks for something impossible."""


class InputError(FactlintError):
    """An input file cannot be used; the message names the file and the place."""

    def __init__(self, path: Path | str | None, where: str | None, message: str) -> None:
        self.path = str(path) if path is not None else None
        self.where = where
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        place = self.path or ""
        if self.where:
            place = f"{place}:{self.where}" if place else self.where
        return f"{place}: {self.message}" if place else self.message


class ProjectError(InputError):
    """The project directory lacks ``facts/`` or a required file."""


class TableError(InputError):
    """A CSV table is malformed (ragged row, bad encoding, missing column...)."""


class RegistryError(InputError):
    """A registry file (units, metrics, entities) is malformed."""


class RuleSetError(InputError):
    """A rule set or waiver file is malformed (unknown key, bad selector...)."""


class FormulaError(InputError):
    """A formula expression does not parse or uses a forbidden construct."""


class PipeClosed(BrokenPipeError):
    """The reader of standard output left early (``factlint check | head``).

    The run had its verdict by then; ``exit_code`` carries it to the CLI, so a CI
    step with ``set -o pipefail`` still fails on findings it did not read to the end.
    """

    def __init__(self, exit_code: int) -> None:
        super().__init__(errno.EPIPE, "standard output was closed by its reader")
        self.exit_code = exit_code

    @classmethod
    @contextmanager
    def keeping(cls, verdict: int) -> Iterator[None]:
        """Write to standard output inside: a reader that leaves raises ``PipeClosed(verdict)``."""
        try:
            yield
        except BrokenPipeError as exc:
            raise cls(verdict) from exc
