"""Provenance: every fact's quote occurs in its source, and states the fact's figure.

A quote matches its source when they agree after folding whitespace runs to
one space and curly quotes to straight ones; nothing else is forgiven. The
figure check reads every figure in the quote with the quantity parser and
asks that one of them has the row's value (as written), unit and qualifier.
Work is done once per distinct quote and once per source text, so repeated
quotes cost nothing.
"""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from factlint import interval, quantity, value_text
from factlint.cache import Cache, generation, inputs_digest
from factlint.cache import current as current_cache
from factlint.findings import Finding, Severity, Status
from factlint.quantity import Quantity, QuantityError, find_quantities, format_quantity
from factlint.tables import FILE_COLUMN, LINE_COLUMN

if TYPE_CHECKING:  # multiprocessing is imported only when quotes are many
    from multiprocessing.pool import AsyncResult, Pool

_CURLY_QUOTES = (
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
)


def normalise(text: str) -> str:
    """Fold whitespace runs and curly quotes, the only differences provenance forgives.

    A run of white space (no-break and thin spaces and line breaks included) becomes one
    space, none is left at either end: ``str.split`` finds the same runs as ``\\s+`` (both
    go by ``str.isspace``), four times faster than ``re.sub`` on a source text.
    """
    if not text.isascii():
        for curly, plain in _CURLY_QUOTES:
            if curly in text:
                text = text.replace(curly, plain)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def _figures(quote: str) -> tuple[Quantity, ...]:
    try:
        return tuple(find_quantities(quote))
    except Exception:  # noqa: BLE001 - a parser bug must not hide the quote's other checks
        return ()


def _same_value(stated: str, written: str) -> bool:
    if stated == written:
        return True
    # a date written without its year ("April 1") matches the row's full date
    return stated.startswith("--") and written[4:] == stated[1:]


def figure_matches(quote: str, value: str, unit: str, qualifier: str) -> bool:
    return any(
        q.unit == unit and q.qualifier == qualifier and _same_value(q.value, value.strip())
        for q in _figures(quote)
    )


def describe_figures(quote: str) -> str:
    figures = _figures(quote)
    if not figures:
        return "no figure"
    return ", ".join(f"{q.text!r} ({q.value} {q.unit}, {q.qualifier})" for q in figures)


#: distinct figures below this are read in this process; above it, by one process per core
POOL_MIN_FIGURES = 40_000
_POOL_WORK: list[tuple[str, str, str, str]] = []  # what forked workers read their slice of


def _written_figure(value: str, unit: str, qualifier: str) -> str:
    """The row's figure as prose; without the qualifier's words when the qualifier is not
    one factlint knows (the schema reports that row too, and its message still names
    the qualifier as written)."""
    try:
        return format_quantity(value, unit, qualifier)
    except QuantityError:
        return format_quantity(value, unit, "exact")


def _match_slice(bounds: tuple[int, int]) -> bytes:
    return bytes(figure_matches(*_POOL_WORK[i]) for i in range(*bounds))


def _ignore_interrupts() -> None:
    """In a worker: Ctrl-C, which a terminal sends to every process of the command, is the
    parent's to handle (it stops the workers and says so in one line); a worker that took
    it would print a traceback. (Workers forked under :func:`_interrupts_held` hold it
    anyway; one the pool forks later, to replace a worker that died, would not.)"""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C held back while the block runs, and raised after it if one came.

    Blocking the signal would not do: the kernel hands it to any thread that does not
    block it (numpy's BLAS starts one), and Python then raises it in the main thread
    anyway. A process forked in the block starts with the holding handler, which never
    raises. Python handles signals in the main thread only: elsewhere nothing is held.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # not ours to hold: a handler set outside Python cannot be put back
        return
    came: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, _frame: came.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if came:
        raise KeyboardInterrupt


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class _FigureReading:
    """:func:`figure_matches` for each of ``figures``: here, when :meth:`flags` asks, or by
    one forked process per core, from :meth:`start` on, while the caller goes on.

    The workers inherit the list (nothing is pickled but results).
    """

    def __init__(self, figures: list[tuple[str, str, str, str]], jobs: int | None) -> None:
        self._figures = figures
        self._jobs = available_cores() if jobs is None else jobs
        self._flags: list[bool] | None = None
        self._pool: Pool | None = None
        self._result: AsyncResult[list[bytes]] | None = None

    def start(self) -> None:
        """Begin reading in worker processes when the figures are many."""
        figures, jobs = self._figures, self._jobs
        if self._pool is not None or self._flags is not None:
            return  # reading, or read
        if jobs < 2 or len(figures) < POOL_MIN_FIGURES:
            return
        import multiprocessing  # only here: a small project never pays for the import

        if "fork" not in multiprocessing.get_all_start_methods():
            return
        global _POOL_WORK
        _POOL_WORK = figures
        step = -(-len(figures) // (jobs * 8))  # small slices even out slow quotes
        slices = [(i, min(i + step, len(figures))) for i in range(0, len(figures), step)]
        try:
            # a Ctrl-C that comes while the workers are forked is raised once they exist
            # (and are stopped): none of them must take it before it ignores it
            with _interrupts_held():
                self._pool = multiprocessing.get_context("fork").Pool(jobs, _ignore_interrupts)
                self._result = self._pool.map_async(_match_slice, slices)
        except BaseException:
            self.close()
            raise

    def flags(self) -> list[bool]:
        """Per figure, whether its quote states it (waiting for the workers, if any)."""
        if self._flags is None:
            if self._result is None:
                self._flags = [figure_matches(*figure) for figure in self._figures]
            else:
                try:
                    self._flags = [bool(flag) for flag in b"".join(self._result.get())]
                finally:
                    self.close()
        return self._flags

    def close(self) -> None:
        """Stop the workers, at once if they are still reading."""
        global _POOL_WORK
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            _POOL_WORK = []


def _row_keys(checked: pd.DataFrame, source_texts: dict[str, str]) -> np.ndarray:
    """A 64-bit key per row from everything its provenance depends on."""
    digests = {
        sid: hashlib.blake2b(
            source_texts[sid].encode("utf-8", "surrogatepass"), digest_size=8
        ).hexdigest()
        for sid in set(checked["source"].tolist())  # only the texts these rows quote
    }
    parts = pd.DataFrame(
        {
            "text": checked["source"].map(digests),
            **{c: checked[c] for c in ("quote", "value", "unit", "qualifier")},
        }
    ).astype(object)
    hashed = pd.util.hash_pandas_object(parts, index=False, categorize=False)
    keys: np.ndarray = hashed.to_numpy(dtype=np.uint64)
    return keys


def _cache_name(suffix: str = ".npy") -> str:
    # interval's reading of written values lives in value_text: both are in the key
    code = generation(
        quantity, interval, value_text, sys.modules[__name__], extra=pd.__version__
    )
    return f"provenance-{code}{suffix}"


#: the most whole-table entries kept (a table passes as a whole when all its rows do)
MAX_TABLE_KEYS = 10_000


def _table_keys(files: list[str], digests: Mapping[str, str]) -> dict[str, str]:
    """A key per fact table from its digest and the digests of every source text.

    A table whose key a run stored gave no finding: every row with a source names
    one with a text, and every quote passed. The same table over the same sources
    passes again without a row being read. Any source edit changes every key, and
    the rows then go through the per-row keys.
    """
    texts = inputs_digest(digests, lambda path: path.startswith("facts/sources/"))
    return {
        name: hashlib.sha256(f"{name}\0{digests[name]}\0{texts}".encode("utf-8", "surrogatepass"))
        .hexdigest()
        for name in files
        if name in digests
    }


def _passed_tables(store: Cache) -> list[str]:
    known = store.read_json(_cache_name(".json"))
    return [k for k in known if isinstance(k, str)] if isinstance(known, list) else []


def _remember_tables(store: Cache, known: list[str], keys: list[str]) -> None:
    seen = set(known)
    fresh = [k for k in keys if k not in seen]
    if fresh:
        store.write_json(_cache_name(".json"), (known + fresh)[-MAX_TABLE_KEYS:])


def _missing_sources(unverifiable: pd.DataFrame) -> list[Finding]:
    """An FL020 finding for each source the ``unverifiable`` rows cite (every row that
    cites a source without a text), naming each of its facts."""
    findings: list[Finding] = []
    for source_id, rows in unverifiable.groupby("source", sort=True):
        findings.append(
            Finding(
                code="FL020",
                rule="provenance",
                severity=Severity.ERROR,
                status=Status.INVALID,
                message=(
                    f"source `{source_id}` has no text at facts/sources/{source_id}.txt; "
                    f"the quotes of {len(rows)} fact(s) cannot be verified"
                ),
                facts=tuple(rows["id"]),
                file=str(rows[FILE_COLUMN].iloc[0]),
                line=int(rows[LINE_COLUMN].iloc[0]),
                column="source",
            )
        )
    return findings


def _quoted(quotes: pd.Series) -> np.ndarray:
    """True where a quote has a character besides white space (as ``str.strip() != ""``;
    a value that is not text counts as quoted). Twice as fast as pandas' ``.str``."""
    return np.fromiter(
        (not isinstance(q, str) or q.strip() != "" for q in quotes.to_numpy(dtype=object)),
        dtype=bool,
        count=len(quotes),
    )


def check_provenance(
    facts: pd.DataFrame,
    source_texts: dict[str, str],
    *,
    jobs: int | None = None,
    digests: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Findings for quotes missing from their source and figures the quote does not state
    (:class:`ProvenanceCheck`, begun and completed at once)."""
    check = ProvenanceCheck(facts, source_texts, jobs=jobs, digests=digests)
    try:
        check.begin()
        return check.findings()
    finally:
        check.close()


class ProvenanceCheck:
    """The provenance of every fact: its quote occurs in its source and states its figure.

    Rows the run's cache (:mod:`factlint.cache`) has seen pass with the same source
    text, quote and figure are not read again, nor are whole tables that passed
    with the same content and sources (``digests``: the SHA-256 of each input by
    its project path, as in ``Project.inputs``).

    Creating the check finds the rows to read. :meth:`begin` starts ``jobs`` forked
    processes reading their figures when there are many (None: one per available core),
    in the background, so that the caller can check the schema and run the rules
    meanwhile; :meth:`findings` completes the check (reading here what no worker read);
    :meth:`close` stops the workers, as the caller must once done or on an error::

        check = ProvenanceCheck(facts, texts)
        try:
            check.begin()
            ...  # other work
            found = check.findings()
        finally:
            check.close()
    """

    def __init__(
        self,
        facts: pd.DataFrame,
        source_texts: dict[str, str],
        *,
        jobs: int | None = None,
        digests: Mapping[str, str] | None = None,
    ) -> None:
        self._store = store = current_cache()
        self._source_texts = source_texts
        self._tables: dict[str, str] = {}
        self._known_tables: list[str] = []
        self._findings: list[Finding] | None = None
        rows = facts
        at = np.arange(len(facts))  # the positions in ``facts`` of ``rows``
        if store is not None and digests is not None:
            # a table passes whole when every row names a source with a text and every
            # quote checks out; its key holds the table and every source text, so a table
            # that passed before passes again and nothing of it needs reading, not even a row
            files = sorted(set(facts[FILE_COLUMN].to_numpy(dtype=object).tolist()))
            self._tables = _table_keys(files, digests)
            self._known_tables = _passed_tables(store)
            passed = set(self._known_tables)
            done = [name for name, key in self._tables.items() if key in passed]
            if len(done) == len(files):
                self._findings = []  # nothing to read: every table passed before
                rows, at = facts.iloc[:0], at[:0]
            elif done:
                left = ~facts[FILE_COLUMN].isin(done).to_numpy()
                rows, at = facts[left], at[left]
        # an unknown source is one of the rows left: tables that passed name none
        known_sources = rows["source"].isin(set(source_texts)).to_numpy()
        # no source at all is the schema's to report; a source without a text is FL020's
        self._unverifiable = rows[~known_sources & (rows["source"] != "").to_numpy()]
        quoted = known_sources & _quoted(rows["quote"])
        checked = rows[quoted]
        passed_before = np.zeros(len(checked), dtype=bool)
        self._cached_keys: np.ndarray | None = None
        self._fresh_keys: np.ndarray | None = None
        if store is not None and len(checked):
            keys = _row_keys(checked, source_texts)
            self._cached_keys = store.read_keys(_cache_name())
            passed_before = store.contains(self._cached_keys, keys)
            self._fresh_keys = keys[~passed_before]
        # the rows to check, as positions in ``facts``, which the caller keeps: a copy of
        # them, held while the rules run, would cost a quarter of the facts' memory
        self._facts = facts
        self._pending = at[quoted][~passed_before]
        # every row's figure is read, a row whose quote is not in its source too (a rare
        # waste): the reading begins before the quotes are looked for in their sources
        figures = zip(
            *(
                checked[c].to_numpy(dtype=object)[~passed_before].tolist()
                for c in ("quote", "value", "unit", "qualifier")
            ),
            strict=True,
        )
        distinct: dict[tuple[str, str, str, str], int] = {}
        self._figure_of = np.fromiter(  # per row to check, its figure's place in ``distinct``
            (distinct.setdefault(figure, len(distinct)) for figure in figures),
            dtype=np.intp,
            count=len(self._pending),
        )
        self._reading = _FigureReading(list(distinct), jobs)
        self._present: npt.NDArray[np.bool_] | None = None

    def begin(self) -> None:
        """Start reading the figures in worker processes, when they are many, and look for
        the quotes in their sources meanwhile (and so before the caller's other work, which
        then does not hold its memory at the same time as this)."""
        if self._findings is None:
            self._reading.start()
            self._quotes_found()

    def _quotes_found(self) -> npt.NDArray[np.bool_]:
        """Per row to check, whether its quote occurs in its source (looked for once)."""
        if self._present is None:
            facts, at = self._facts, self._pending
            sources, quotes = (
                facts[c].to_numpy(dtype=object)[at].tolist() for c in ("source", "quote")
            )
            used_sources = set(sources)
            normalised_sources = {
                sid: normalise(text)
                for sid, text in self._source_texts.items()
                if sid in used_sources
            }
            places = list(zip(sources, quotes, strict=True))
            found = {
                place: normalise(place[1]) in normalised_sources[place[0]]
                for place in dict.fromkeys(places)  # each (source, quote) once
            }
            self._present = np.fromiter(
                map(found.__getitem__, places), dtype=bool, count=len(places)
            )
        return self._present

    def findings(self) -> list[Finding]:
        """The check's findings, once its figures are read (waiting for its workers)."""
        if self._findings is None:
            try:
                self._findings = self._complete()
            finally:
                self.close()
        return self._findings

    def close(self) -> None:
        """Stop the check's workers, if any are still reading."""
        self._reading.close()

    def _complete(self) -> list[Finding]:
        facts, at = self._facts, self._pending  # the rows to check
        findings = _missing_sources(self._unverifiable)
        present = self._quotes_found()
        for _, row in facts.iloc[at[~present]].iterrows():
            findings.append(
                Finding(
                    code="FL021",
                    rule="provenance",
                    severity=Severity.ERROR,
                    status=Status.INVALID,
                    message=(
                        f"the quote of `{row['id']}` does not occur in source `{row['source']}`"
                    ),
                    facts=(str(row["id"]),),
                    file=str(row[FILE_COLUMN]),
                    line=int(row[LINE_COLUMN]),
                    column="quote",
                )
            )
        stated = np.asarray(self._reading.flags(), dtype=bool)[self._figure_of]
        passing = present & stated
        store = self._store
        if store is not None:
            if self._fresh_keys is not None and self._cached_keys is not None:
                store.add_keys(_cache_name(), self._cached_keys, self._fresh_keys[passing])
            failing = set(facts[FILE_COLUMN].to_numpy(dtype=object)[at[~passing]].tolist())
            failing |= set(self._unverifiable[FILE_COLUMN].tolist())
            fresh_tables = [k for name, k in self._tables.items() if name not in failing]
            _remember_tables(store, self._known_tables, fresh_tables)
        for _, row in facts.iloc[at[present & ~stated]].iterrows():
            expected = _written_figure(
                str(row["value"]), str(row["unit"]), str(row["qualifier"])
            )
            findings.append(
                Finding(
                    code="FL022",
                    rule="provenance",
                    severity=Severity.ERROR,
                    status=Status.INVALID,
                    message=(
                        f"`{row['id']}` says {expected!r} ({row['value']} {row['unit']}, "
                        f"{row['qualifier']}) but its quote states "
                        f"{describe_figures(str(row['quote']))}"
                    ),
                    facts=(str(row["id"]),),
                    file=str(row[FILE_COLUMN]),
                    line=int(row[LINE_COLUMN]),
                    column="value",
                )
            )
        return findings
