"""A small, whitelisted expression grammar over interval-valued facts.

A formula compares two arithmetic sides over named variables::

    a + b + c == total
    fdi / national == share
    sum(areas) / land * 100 < 0.4
    abs(x - y) <= 0.5

The text is parsed with :func:`ast.parse` and the tree is walked here against
a strict whitelist: numbers, declared variable names, ``+ - * /``, unary
``-``/``+``, the functions ``sum``, ``min``, ``max`` and ``abs`` with
positional arguments, and exactly one comparison (``==``, ``<``, ``<=``,
``>``, ``>=``) at the top. Anything else (attribute access, subscripts,
strings, lambdas, comprehensions, other calls...) is a :class:`FormulaError`
that names the construct and its column. Nothing is ever handed to ``eval``,
``exec`` or pandas' string evaluators: the checked tree is evaluated by
:func:`evaluate`, over whole vectors of :class:`~factlint.interval.Interval`.

A variable is normally one value per check. A variable written directly as an
argument of ``sum``, ``min`` or ``max`` is an *aggregate*: it may stand for
several values per check (a :class:`Bag`), which the function folds.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from factlint.errors import FormulaError
from factlint.interval import CompareOp, Comparison, Interval, compare

__all__ = [
    "AGGREGATES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "Bag",
    "Binary",
    "Call",
    "Formula",
    "Negate",
    "Node",
    "Number",
    "Variable",
    "evaluate",
    "parse_formula",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50
AGGREGATES = ("sum", "min", "max")
FUNCTIONS = (*AGGREGATES, "abs")

_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_COMPARATORS: dict[type[ast.cmpop], CompareOp] = {
    ast.Eq: "==",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_REJECTED_OPERATORS: dict[type[Any], str] = {
    ast.Pow: "**",
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.Not: "not",
    ast.Invert: "~",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}
# what a reader calls the constructs a formula may not use
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript (indexing)",
    ast.Slice: "slice",
    ast.Lambda: "lambda",
    ast.ListComp: "list comprehension",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.GeneratorExp: "generator expression",
    ast.JoinedStr: "f-string",
    ast.FormattedValue: "f-string",
    ast.IfExp: "conditional expression (if/else)",
    ast.NamedExpr: "assignment expression (:=)",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Set: "set",
    ast.Dict: "dict",
    ast.Starred: "starred argument (*)",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield from",
}
_ALLOWED = (
    "numbers, the declared variables, + - * /, sum() min() max() abs() "
    "and one comparison (==, <, <=, >, >=)"
)


# -- the checked tree ----------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: float
    text: str


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: Literal["+", "-", "*", "/"]
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    function: Literal["sum", "min", "max", "abs"]
    args: tuple[Node, ...]


Node = Number | Variable | Negate | Binary | Call


@dataclass(frozen=True)
class Bag:
    """Several values per check: ``values[k]`` belongs to check ``group[k]`` (< ``checks``)."""

    values: Interval
    group: npt.NDArray[np.int64]
    checks: int

    @classmethod
    def of(cls, items: Sequence[Interval]) -> Bag:
        """A bag from several vectors, each holding one value per check."""
        checks = max((len(iv) for iv in items), default=1)
        parts = [_broadcast(iv, checks) for iv in items]
        return cls(
            values=_concat(parts) if parts else Interval.closed([], []),
            group=np.tile(np.arange(checks, dtype=np.int64), len(parts)),
            checks=checks,
        )


Value = Interval | Bag | Sequence[Interval]


# -- parsing ---------------------------------------------------------------------


class _Checker:
    """Walk a Python expression tree and keep only what the whitelist allows."""

    def __init__(self, text: str, names: set[str], path: str, where: str) -> None:
        self.text = text
        self.lines = text.splitlines() or [""]
        self.names = names
        self.path = path
        self.where = where
        self.order: dict[str, None] = {}
        self.scalar: set[str] = set()
        self.aggregated: set[str] = set()

    # error reporting

    def place(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        # col_offset counts UTF-8 bytes; a reader counts characters
        column = len(source.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1
        return f"column {column}" if len(self.lines) == 1 else f"line {line}, column {column}"

    def snippet(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.text, node) or ""
        segment = " ".join(segment.split())
        return segment if len(segment) <= 40 else segment[:39] + "…"

    def fail(self, node: ast.AST, message: str) -> FormulaError:
        return FormulaError(self.path, self.where, f"{self.place(node)}: {message}")

    def forbidden(self, node: ast.AST, what: str, *, quote: bool = True) -> FormulaError:
        shown = self.snippet(node) if quote else ""
        quoted = f" `{shown}`" if shown else ""
        return self.fail(node, f"{what}{quoted} is not allowed; a formula may use {_ALLOWED}")

    # the walk

    def side(self, node: ast.expr, depth: int, *, aggregate_arg: bool = False) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"the formula is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.variable(node, aggregate_arg=aggregate_arg)
        if isinstance(node, ast.BinOp):
            op = _OPERATORS.get(type(node.op))
            if op is None:
                raise self.operator(node, node.op)
            left = self.side(node.left, depth + 1)
            right = self.side(node.right, depth + 1)
            return Binary(cast(Literal["+", "-", "*", "/"], op), left, right)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return Negate(self.side(node.operand, depth + 1))
            if isinstance(node.op, ast.UAdd):
                return self.side(node.operand, depth + 1)
            raise self.operator(node, node.op)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.Compare):
            raise self.fail(node, "a comparison may appear only once, between the two sides")
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            raise self.forbidden(node, f"boolean operator `{word}`")
        raise self.forbidden(node, _CONSTRUCTS.get(type(node), f"`{type(node).__name__}`"))

    def operator(self, node: ast.AST, op: ast.AST) -> FormulaError:
        symbol = _REJECTED_OPERATORS.get(type(op), type(op).__name__)
        return self.forbidden(node, f"operator `{symbol}` (in `{self.snippet(node)}`)", quote=False)

    def number(self, node: ast.Constant) -> Number:
        value = node.value
        if isinstance(value, bool) or value is None:
            raise self.forbidden(node, f"constant `{value}`", quote=False)
        if isinstance(value, str):
            raise self.forbidden(node, "string")
        if isinstance(value, bytes):
            raise self.forbidden(node, "bytes")
        if not isinstance(value, (int, float)):
            raise self.forbidden(node, f"{type(value).__name__} constant")
        try:
            number = float(value)
        except OverflowError:
            number = float("inf")
        if not np.isfinite(number):
            raise self.fail(node, f"the number `{self.snippet(node)}` is too large")
        return Number(number, self.snippet(node) or repr(value))

    def variable(self, node: ast.Name, *, aggregate_arg: bool) -> Variable:
        name = node.id
        if name.startswith("_"):
            raise self.fail(
                node, f"name `{name}` is not allowed (names starting with `_` are reserved)"
            )
        if name not in self.names:
            declared = ", ".join(f"`{n}`" for n in sorted(self.names)) or "none"
            hint = f"; {name}() must be called" if name in FUNCTIONS else ""
            raise self.fail(node, f"unknown variable `{name}` (declared: {declared}){hint}")
        if aggregate_arg:
            if name in self.scalar:
                raise self.mixed(node, name)
            self.aggregated.add(name)
        else:
            if name in self.aggregated:
                raise self.mixed(node, name)
            self.scalar.add(name)
        self.order.setdefault(name, None)
        return Variable(name)

    def mixed(self, node: ast.AST, name: str) -> FormulaError:
        return self.fail(
            node,
            f"variable `{name}` is used both directly inside sum()/min()/max() (all its facts) "
            "and elsewhere (one fact); use two variables",
        )

    def call(self, node: ast.Call, depth: int) -> Call:
        func = node.func
        if not isinstance(func, ast.Name):
            # name what is being called when that is itself forbidden (a lambda, an attribute)
            self.side(func, depth + 1)
            raise self.forbidden(node, "call of an expression")
        if func.id not in FUNCTIONS:
            raise self.forbidden(
                node, f"call of `{func.id}` (only {', '.join(f + '()' for f in FUNCTIONS)} exist)"
            )
        name = cast(Literal["sum", "min", "max", "abs"], func.id)
        for keyword in node.keywords:
            label = f"keyword argument `{keyword.arg}=`" if keyword.arg else "`**` argument"
            raise self.forbidden(keyword, f"{label} in {name}()")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.forbidden(arg, "starred argument (*)")
        if not node.args:
            raise self.fail(node, f"{name}() needs at least one argument")
        if name == "abs" and len(node.args) != 1:
            raise self.fail(node, f"abs() takes exactly one argument, not {len(node.args)}")
        aggregate = name in AGGREGATES
        args = tuple(
            self.side(arg, depth + 1, aggregate_arg=aggregate and isinstance(arg, ast.Name))
            for arg in node.args
        )
        return Call(name, args)


@dataclass(frozen=True)
class Formula:
    """A checked formula: ``left op right`` over the declared variables.

    ``variables`` lists the names used, in order of first appearance;
    ``aggregated`` those written directly inside ``sum``/``min``/``max``,
    which may stand for several values per check.
    """

    text: str
    left: Node
    op: CompareOp
    right: Node
    variables: tuple[str, ...]
    aggregated: frozenset[str]

    def evaluate(self, env: Mapping[str, Value]) -> tuple[Interval, Interval, CompareOp]:
        """Both sides over ``env`` (one value per check, or a bag for an aggregate)."""
        checks = _checks(env)
        left = evaluate(self.left, env, checks=checks)
        return left, evaluate(self.right, env, checks=checks), self.op

    def compare(self, env: Mapping[str, Value]) -> tuple[Interval, Interval, Comparison]:
        """Both sides and whether ``left op right`` can hold, check by check."""
        left, right, op = self.evaluate(env)
        return left, right, compare(left, right, op)

    def side_names(self, side: Literal["left", "right"]) -> tuple[str, ...]:
        """Variables of one side, in order of appearance."""
        found: dict[str, None] = {}
        _collect(self.left if side == "left" else self.right, found)
        return tuple(found)

    def render(self, values: Mapping[str, str]) -> tuple[str, str]:
        """The two sides as text with each variable replaced by ``values[name]`` (if given)."""
        return _render(self.left, values), _render(self.right, values)


def parse_formula(text: str, *, names: set[str], where: str, path: str) -> Formula:
    """Parse and check ``text`` against the whitelist; raise FormulaError naming the problem."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError(path, where, "the formula is empty")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            path,
            where,
            f"the formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed",
        )
    try:
        with warnings.catch_warnings():
            # Python warns about odd escapes in string literals; a formula has none to keep
            warnings.simplefilter("ignore")
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        column = f"column {exc.offset}: " if exc.offset else ""
        detail = "" if exc.msg == "invalid syntax" else f" ({exc.msg})"
        raise FormulaError(path, where, f"{column}invalid syntax{detail}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(path, where, f"the formula cannot be read: {exc}") from None
    checker = _Checker(text.strip(), names, path, where)
    body = tree.body
    if isinstance(body, ast.Compare):
        if len(body.ops) != 1:
            raise checker.forbidden(body, "chained comparison")
        op = _COMPARATORS.get(type(body.ops[0]))
        if op is None:
            raise checker.operator(body, body.ops[0])
        left = checker.side(body.left, 1)
        right = checker.side(body.comparators[0], 1)
    else:
        # surface a forbidden construct before complaining about the missing comparison
        checker.side(body, 1)
        raise FormulaError(
            path,
            where,
            "a formula must compare two sides with one of ==, <, <=, >, >= "
            "(e.g. `a + b == total`)",
        )
    return Formula(
        text=text.strip(),
        left=left,
        op=op,
        right=right,
        variables=tuple(checker.order),
        aggregated=frozenset(checker.aggregated),
    )


# -- evaluation --------------------------------------------------------------------


def evaluate(node: Node, env: Mapping[str, Value], *, checks: int | None = None) -> Interval:
    """The interval of an arithmetic tree, one per check; never raises on data.

    A quotient by an interval that contains 0 is undefined (NaN bounds), and
    undefined values propagate to the result.
    """
    n = _checks(env) if checks is None else checks
    return _broadcast(_eval(node, env, n), n)


def _eval(node: Node, env: Mapping[str, Value], n: int) -> Interval:
    if isinstance(node, Number):
        return Interval.point(node.value)
    if isinstance(node, Variable):
        return _scalar(node.name, env)
    if isinstance(node, Negate):
        return _eval(node.operand, env, n).neg()
    if isinstance(node, Binary):
        a, b = _eval(node.left, env, n), _eval(node.right, env, n)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return a / b
    if node.function == "abs":
        return _abs(_eval(node.args[0], env, n))
    values: list[Interval] = []
    groups: list[npt.NDArray[np.int64]] = []
    for arg in node.args:
        if isinstance(arg, Variable):
            bag = _bag(arg.name, env, n)
            values.append(bag.values)
            groups.append(bag.group)
        else:
            values.append(_broadcast(_eval(arg, env, n), n))
            groups.append(np.arange(n, dtype=np.int64))
    return _fold(node.function, _concat(values), np.concatenate(groups), n)


def _checks(env: Mapping[str, Value]) -> int:
    sizes = [1]
    for value in env.values():
        if isinstance(value, Interval):
            sizes.append(len(value))
        elif isinstance(value, Bag):
            sizes.append(value.checks)
        else:
            sizes.extend(len(iv) for iv in value)
    return max(sizes)


def _lookup(name: str, env: Mapping[str, Value]) -> Value:
    if name not in env:
        raise KeyError(f"no value given for formula variable `{name}`")
    return env[name]


def _scalar(name: str, env: Mapping[str, Value]) -> Interval:
    value = _lookup(name, env)
    if isinstance(value, Interval):
        return value
    if not isinstance(value, Bag) and len(value) == 1:
        return value[0]
    raise TypeError(
        f"variable `{name}` holds several values; only sum(), min() or max() can use it"
    )


def _bag(name: str, env: Mapping[str, Value], n: int) -> Bag:
    value = _lookup(name, env)
    if isinstance(value, Bag):
        return value
    if isinstance(value, Interval):
        return Bag.of([_broadcast(value, n)])
    return Bag.of([_broadcast(iv, n) for iv in value])


def _broadcast(iv: Interval, n: int) -> Interval:
    if len(iv) == n:
        return iv
    if len(iv) == 1:
        return iv.take(np.zeros(n, dtype=np.int64))
    raise ValueError(f"a vector of {len(iv)} values cannot be aligned with {n} checks")


def _concat(parts: Sequence[Interval]) -> Interval:
    return Interval(
        np.concatenate([p.lo for p in parts]),
        np.concatenate([p.hi for p in parts]),
        np.concatenate([p.lo_open for p in parts]),
        np.concatenate([p.hi_open for p in parts]),
    )


def _fold(function: str, values: Interval, group: npt.NDArray[np.int64], n: int) -> Interval:
    """sum, min or max of each check's values (a check without values is undefined for min/max)."""
    if function == "sum":
        with np.errstate(invalid="ignore"):
            lo = np.bincount(group, weights=values.lo, minlength=n).astype(np.float64)
            hi = np.bincount(group, weights=values.hi, minlength=n).astype(np.float64)
        lo_open = np.bincount(group, weights=values.lo_open.astype(float), minlength=n) > 0
        hi_open = np.bincount(group, weights=values.hi_open.astype(float), minlength=n) > 0
        return Interval(lo, hi, lo_open, hi_open)
    if function == "max":
        return _fold("min", values.neg(), group, n).neg()
    least_lo, lo_open = _least(values.lo, values.lo_open, group, n)
    least_hi, hi_open = _least(values.hi, values.hi_open, group, n)
    return Interval(least_lo, least_hi, lo_open, hi_open)


def _least(
    ends: npt.NDArray[np.float64],
    opens: npt.NDArray[np.bool_],
    group: npt.NDArray[np.int64],
    n: int,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """The least end per check; it is open only if every value reaching it has it open."""
    least = np.full(n, np.inf)
    with np.errstate(invalid="ignore"):
        np.minimum.at(least, group, ends)
    counts = np.bincount(group, minlength=n)
    least[counts == 0] = np.nan
    with np.errstate(invalid="ignore"):
        reached_closed = (ends == least[group]) & ~opens
    open_ = np.bincount(group, weights=reached_closed.astype(float), minlength=n) == 0
    return least, open_


def _abs(x: Interval) -> Interval:
    with np.errstate(invalid="ignore"):
        positive = x.lo >= 0
        negative = x.hi <= 0
        far = np.maximum(-x.lo, x.hi)
        far_open = np.where(
            -x.lo > x.hi, x.lo_open, np.where(x.hi > -x.lo, x.hi_open, x.lo_open & x.hi_open)
        )
        lo = np.where(positive, x.lo, np.where(negative, -x.hi, 0.0))
        hi = np.where(positive, x.hi, np.where(negative, -x.lo, far))
        lo_open = np.where(positive, x.lo_open, np.where(negative, x.hi_open, False))
        hi_open = np.where(positive, x.hi_open, np.where(negative, x.lo_open, far_open))
    undefined = x.undefined
    lo = np.where(undefined, np.nan, lo)
    hi = np.where(undefined, np.nan, hi)
    return Interval(lo, hi, lo_open, hi_open)


# -- display -------------------------------------------------------------------------

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    if isinstance(node, Negate):
        return 3
    return 4


def _render(node: Node, values: Mapping[str, str]) -> str:
    def wrap(child: Node, needs: Callable[[int], bool]) -> str:
        text = _render(child, values)
        return f"({text})" if needs(_precedence(child)) else text

    if isinstance(node, Number):
        return node.text
    if isinstance(node, Variable):
        return values.get(node.name, node.name)
    if isinstance(node, Negate):
        return "-" + wrap(node.operand, lambda p: p < 3)
    if isinstance(node, Binary):
        mine = _PRECEDENCE[node.op]
        left = wrap(node.left, lambda p: p < mine)
        right = wrap(node.right, lambda p: p < mine or (p == mine and node.op in "-/"))
        return f"{left} {node.op} {right}"
    return f"{node.function}({', '.join(_render(a, values) for a in node.args)})"


def _collect(node: Node, found: dict[str, None]) -> None:
    if isinstance(node, Variable):
        found.setdefault(node.name, None)
    elif isinstance(node, Negate):
        _collect(node.operand, found)
    elif isinstance(node, Binary):
        _collect(node.left, found)
        _collect(node.right, found)
    elif isinstance(node, Call):
        for arg in node.args:
            _collect(arg, found)
