"""Rule kinds: a plain registry filled by a plain decorator.

Each kind lives in its own module, has a stable code (``FL1xx``, never
reused), a parameter model and a ``check`` function whose docstring is its
documentation (``factlint explain CODE``): first line the summary, then
*Why*, a failing example, a passing example.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from factlint.rules.base import Params, RuleContext, RuleResult

P = TypeVar("P", bound=Params)
CheckFn = Callable[[RuleContext, Any], RuleResult]


@dataclass(frozen=True)
class RuleKind:
    code: str
    name: str
    params: type[Params]
    check: CheckFn

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else self.name


KINDS: dict[str, RuleKind] = {}
CODES: dict[str, RuleKind] = {}

KIND_MODULES = (
    "bound",
    "compare",
    "share",
    "part_of",
    "monotonic",
    "members",
    "rate",
    "growth",
    "agreement",
    "formula",
)


def rule_kind(code: str, name: str, params: type[P]) -> Callable[[CheckFn], CheckFn]:
    """Register ``check`` as the rule kind ``name`` with the stable ``code``."""

    def register(check: CheckFn) -> CheckFn:
        if code in CODES:
            raise RuntimeError(f"rule code {code} is already used by `{CODES[code].name}`")
        if name in KINDS:
            raise RuntimeError(f"rule kind `{name}` is registered twice")
        kind = RuleKind(code=code, name=name, params=params, check=check)
        KINDS[name] = kind
        CODES[code] = kind
        return check

    return register


def load_kinds() -> dict[str, RuleKind]:
    """Import every kind module once (they register themselves)."""
    for module in KIND_MODULES:
        try:
            importlib.import_module(f"factlint.rules.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"factlint.rules.{module}":
                raise
    return KINDS
