"""``factlint extract``: candidate fact rows from a source document, for a human to review.

Every figure of the source (dates of events included) becomes one row with the
fact table's columns, filled in as far as the text allows: the quote is the
sentence around the figure, verbatim (its clause when the sentence is long);
value, unit and qualifier come from the quantity parser; subject, metric and
period from the same cues that ``factlint claims`` reads. Following the fact
base's conventions, a figure whose text gives no period, and every event date,
gets the source's date as its period. The ``review`` column says what a human
must look at: "metric unknown", "subject unknown", "period not stated (the
source's date)", "metric ambiguous: a | b" ...

Spreadsheet safety: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is prefixed with ``'`` so that no spreadsheet runs it as
a formula. The one exception is the ``value`` column when it holds a plain
number, a signed range or an ISO date ("-15.2", "-3--2", "2013-09-29"): those
are data a spreadsheet reads as numbers, and the fact table needs them as they are.
The extractor never reads the fact tables: what it proposes comes from the text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from factlint.claims.check import draft_sentences
from factlint.claims.drafts import Draft, draft_from_text, read_draft
from factlint.claims.figures import FigureReader
from factlint.claims.lexicon import Lexicon
from factlint.claims.matching import Context, Resolver
from factlint.claims.sentences import Sentence
from factlint.errors import UsageError
from factlint.project import Project
from factlint.quantity import Quantity

__all__ = ["COLUMNS", "Candidate", "extract", "extract_file", "neutralise", "render_csv"]

COLUMNS = (
    "id",
    "source",
    "quote",
    "subject",
    "metric",
    "period",
    "value",
    "unit",
    "qualifier",
    "review",
    "locator",
)
MAX_QUOTE = 300
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_VALUE = re.compile(r"-?\d+(?:\.\d+)?(?:--?\d+(?:\.\d+)?)?|-?\d{4}-\d{2}-\d{2}|--\d{2}-\d{2}")


@dataclass(frozen=True)
class Candidate:
    id: str
    source: str
    quote: str
    subject: str
    metric: str
    period: str
    value: str
    unit: str
    qualifier: str
    review: str
    locator: str

    def row(self) -> list[str]:
        return [getattr(self, c) for c in COLUMNS]


def neutralise(column: str, cell: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with ``'`` (see the module docstring)."""
    if not cell.startswith(_FORMULA_START):
        return cell
    if column == "value" and _PLAIN_VALUE.fullmatch(cell):
        return cell
    return "'" + cell


def render_csv(rows: list[Candidate]) -> str:
    """CSV with ``\n`` line ends; a row holding a carriage return is quoted throughout, so
    that a reader keeps the ``\r`` inside its cell instead of ending the row there."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for candidate in rows:
        cells = [neutralise(c, v) for c, v in zip(COLUMNS, candidate.row(), strict=True)]
        (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()


def _source_date(project: Project, source_id: str) -> str | None:
    rows = project.sources[project.sources["id"] == source_id]
    if rows.empty:
        return None
    value = str(rows.iloc[0]["date"]).strip()
    return value or None


def _as_of(period: str | None) -> dt.date | None:
    """The last day of a source date written as a period ("2024" -> 2024-12-31)."""
    if not period:
        return None
    from factlint.period import PeriodError, parse_period

    try:
        return parse_period(period)[1]
    except PeriodError:
        return None


def _quote(draft: Draft, sentence: Sentence, q: Quantity) -> str:
    start, end = sentence.start, sentence.end
    if end - start > MAX_QUOTE:
        start, end = sentence.clause_bounds(q.start)
    source = draft.source if draft.kind != "html" else draft.text
    text = source[start:end].strip()
    return text.lstrip("-*+•>#= \t").rstrip() or text


def extract_file(project: Project, path: Path, *, source_id: str | None = None) -> list[Candidate]:
    """Candidates for the source file at ``path`` (id defaults to the file name's stem)."""
    draft = read_draft(path)
    return extract(project, draft, source_id or path.stem)


def extract_text(project: Project, text: str, source_id: str) -> list[Candidate]:
    return extract(project, draft_from_text(Path(f"{source_id}.txt"), text, "text"), source_id)


def extract(project: Project, draft: Draft, source_id: str) -> list[Candidate]:
    if not re.fullmatch(r"[\w.\-]+", source_id):
        raise UsageError(f"--source-id {source_id!r}: use letters, digits, '.', '-' and '_'")
    source_date = _source_date(project, source_id)
    if source_date is None and draft.date is not None:
        source_date = draft.date.isoformat()
    as_of = _as_of(source_date)
    lexicon = Lexicon(project.registries)
    found = draft_sentences(draft)
    resolver = Resolver(Context(draft, found, as_of), lexicon, self_naming=True)
    reader = FigureReader()
    out: list[Candidate] = []
    for index, sentence in enumerate(found):
        figures = reader.figures(draft, sentence, dates=True)
        for q in figures:
            res = resolver.resolve(index, q, figures)
            review: list[str] = []
            metric = _pick(res.metrics, "metric", review)
            subject = _pick(res.subjects, "subject", review)
            if res.dimension is None:
                review.append(f"unit `{q.unit}` not in the unit registry")
            period = res.period.period if res.period and res.period.period else ""
            # "to date", "currently", or a stock with no period: the figure as reported then
            instant_now = (
                res.period is not None and res.period.instant and res.period.first == as_of
            )
            if q.unit == "date" or instant_now or not period:
                if q.unit != "date" and not period:
                    review.append(res.period_note or "period not stated")
                if source_date:
                    period = source_date
                    if q.unit != "date":
                        review.append("period = the source's date")
                else:
                    review.append("source date unknown: add the source to sources.csv")
            elif res.period_note:
                review.append(res.period_note)
            value = q.value
            if q.unit == "date" and value.startswith("--"):
                if as_of is not None:
                    value = f"{as_of.year}{value[1:]}"
                    review.append("year of the date from the source's date")
                else:
                    review.append("date without a year")
            line, column = draft.position(q.start)
            out.append(
                Candidate(
                    id=f"{source_id}-{len(out) + 1:03d}",
                    source=source_id,
                    quote=_quote(draft, sentence, q),
                    subject=subject,
                    metric=metric,
                    period=period,
                    value=value,
                    unit=q.unit,
                    qualifier=q.qualifier,
                    review="; ".join(review),
                    locator=f"{line}:{column}",
                )
            )
    return out


def _pick(options: list[str], what: str, review: list[str]) -> str:
    if not options:
        review.append(f"{what} unknown")
        return ""
    if len(options) > 1:
        review.append(f"{what} ambiguous: {' | '.join(options)}")
    return options[0]
