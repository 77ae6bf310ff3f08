"""Drafts as plain text with a map back to the file: Markdown, plain text and HTML.

A draft is read into an *analysis text* in which markup is gone and every
character can be traced to a line and column of the file. Markdown and plain
text keep their length: markup characters (``**``, ``#``, link targets, table
pipes, front matter) are blanked with spaces, so an offset in the text *is* an
offset in the file. HTML is parsed with the standard library parser; its text
is assembled from pieces that remember where in the file they came from.

The text is cut into :class:`Block` s (paragraphs, headings, list items, table
rows), the units in which claims look for their context. A table row knows the
header cell of each of its columns, so a figure under "H1 2024" reads that
header as a cue.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

from factlint.errors import InputError
from factlint.yamlio import decode_text, load_yaml_text

__all__ = ["Block", "Draft", "DraftKind", "read_draft", "draft_from_text"]

DraftKind = Literal["markdown", "text", "html"]
_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


@dataclass(frozen=True)
class Block:
    """A paragraph, heading, list item or table row: ``text[start:end]``."""

    start: int
    end: int
    kind: Literal["paragraph", "heading", "item", "row"]
    cells: tuple[tuple[int, int], ...] = ()
    """For a table row: the span of each cell."""
    header: tuple[tuple[int, int], ...] = ()
    """For a table body row: the span of the header cell of each column."""


@dataclass
class Draft:
    path: Path
    kind: DraftKind
    source: str
    """The file as decoded."""
    text: str
    """The analysis text (markup blanked or dropped)."""
    blocks: list[Block]
    date: dt.date | None = None
    """From the front matter's ``date:`` (or an HTML ``<meta name="date">``)."""
    title: str | None = None
    _pieces: list[tuple[int, int, bool]] = field(default_factory=list)
    """(text offset, source offset, verbatim) where a piece of text begins (HTML only)."""
    _line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.source))]

    def source_offset(self, offset: int) -> int:
        """The file offset that the analysis text's ``offset`` came from."""
        if not self._pieces:
            return offset
        i = bisect_right(self._pieces, (offset, 1 << 62, True)) - 1
        if i < 0:
            return 0
        text_at, source_at, verbatim = self._pieces[i]
        return source_at + (offset - text_at) if verbatim else source_at

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column in the file of the analysis text's ``offset``."""
        at = self.source_offset(offset)
        line = bisect_right(self._line_starts, at) - 1
        return line + 1, at - self._line_starts[line] + 1

    @property
    def display(self) -> str:
        """What the HTML view shows: the file itself for Markdown and text, the text for HTML."""
        return self.text if self.kind == "html" else self.source


# -- reading --------------------------------------------------------------------


def _decode(path: Path, data: bytes) -> str:
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(path, None, "binary file, not a text draft (Markdown, plain text or HTML)")
    text = decode_text(data, path, message="not UTF-8 text (a binary file?)")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 8:
        raise InputError(path, None, "binary file, not a text draft (Markdown, plain text or HTML)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _kind_of(path: Path, text: str) -> DraftKind:
    suffix = path.suffix.lower()
    if suffix in _HTML_SUFFIXES or re.match(r"\s*<(?:!doctype\s+html|html)\b", text, re.I):
        return "html"
    return "markdown" if suffix in _MARKDOWN_SUFFIXES else "text"


def read_draft(path: Path) -> Draft:
    """Read a draft; :class:`InputError` (one line naming the file) if it cannot be used."""
    if not path.exists():
        raise InputError(path, None, "draft not found")
    if path.is_dir():
        raise InputError(path, None, "is a directory, not a draft")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, None, f"cannot read: {exc.strerror or exc}") from None
    text = _decode(path, data)
    return draft_from_text(path, text, _kind_of(path, text))


def draft_from_text(path: Path, text: str, kind: DraftKind) -> Draft:
    """Build a draft from decoded text (``\\n`` line ends)."""
    if kind == "html":
        return _html_draft(path, text)
    chars = list(text)
    meta = _front_matter(path, text, chars)
    if kind == "markdown":
        _blank_markdown_inline(text, chars)
    blocks = _line_blocks(text, chars, markdown=kind == "markdown")
    return Draft(
        path,
        kind,
        text,
        "".join(chars),
        blocks,
        date=_date_of(path, meta.get("date")),
        title=str(meta["title"]) if meta.get("title") is not None else None,
    )


# -- front matter -------------------------------------------------------------------

_FRONT = re.compile(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _front_matter(path: Path, text: str, chars: list[str]) -> dict[str, object]:
    m = _FRONT.match(text)
    if m is None:
        return {}
    data = load_yaml_text(m.group(1) or "", f"{path} (front matter)")
    _blank(chars, 0, m.end())
    return data if isinstance(data, dict) else {}


def _date_of(path: Path, value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InputError(path, "date", f"front matter date {value!r} is not YYYY-MM-DD") from None


# -- Markdown and plain text ------------------------------------------------------------

_INLINE_NOISE = re.compile(
    r"""
    (?P<fence>^[ ]{0,3}(?P<fq>```|~~~)[^\n]*\n.*?^[ ]{0,3}(?P=fq)[ \t]*$)
  | (?P<comment><!--.*?-->)
  | (?P<refdef>^[ ]{0,3}\[[^\]\n]+\]:[ \t]*\S+[^\n]*$)
  | (?P<image>!\[)(?=[^\]\n]*\]\()
  | (?P<linkend>\]\([^)\n]*\)|\]\[[^\]\n]*\])
  | (?P<tag></?[A-Za-z][^>\n]*>)
  | (?P<emph>(?<![\w*_])[*_]{1,3}(?=[^\s*_])|(?<=[^\s*_])[*_]{1,3}(?![\w*_]))
  | (?P<code>`+)
    """,
    re.M | re.S | re.X,
)
_LINK_OPEN = re.compile(r"(?<!\\)\[(?=[^\]\n]*\](?:\(|\[))")
_HEADING = re.compile(r"[ ]{0,3}#{1,6}(?=\s|$)")
_ITEM = re.compile(r"[ ]{0,3}(?:>[ ]?)*(?:[-*+\u2022]|\d{1,3}[.)])(?=\s)")
_QUOTE = re.compile(r"[ ]{0,3}(?:>[ ]?)+")
_TABLE_SEP = re.compile(r"\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*")
_RULE = re.compile(r"\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|={3,})\s*")


def _blank_markdown_inline(text: str, chars: list[str]) -> None:
    for m in _INLINE_NOISE.finditer(text):
        _blank(chars, m.start(), m.end())
    for m in _LINK_OPEN.finditer(text):
        chars[m.start()] = " "


def _cells(line: str, at: int) -> tuple[tuple[int, int], ...]:
    spans, start = [], 0
    for m in re.finditer(r"(?<!\\)\|", line):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(line)))
    if line.strip().startswith("|"):
        spans = spans[1:]
    if line.strip().endswith("|") and spans:
        spans = spans[:-1]
    return tuple((at + a, at + b) for a, b in spans)


def _line_blocks(text: str, chars: list[str], *, markdown: bool) -> list[Block]:
    """Paragraphs, headings, items and table rows; structural markers blanked in ``chars``."""
    blocks: list[Block] = []
    open_start: int | None = None
    open_kind: Literal["paragraph", "item"] = "paragraph"
    open_end = 0
    header: tuple[tuple[int, int], ...] = ()
    lines = text.split("\n")
    at = 0

    def close() -> None:
        nonlocal open_start
        if open_start is not None:
            blocks.append(Block(open_start, open_end, open_kind))
            open_start = None

    for index, raw in enumerate(lines):
        start, end = at, at + len(raw)
        at = end + 1
        line = "".join(chars[start:end])
        if not line.strip():
            close()
            continue
        nxt = lines[index + 1] if index + 1 < len(lines) else ""
        if "|" in line and (_TABLE_SEP.fullmatch(nxt) or header or line.lstrip().startswith("|")):
            close()
            cells = _cells(line, start)
            for m in re.finditer(r"(?<!\\)\|", line):
                chars[start + m.start()] = " "
            if _TABLE_SEP.fullmatch(nxt) and "-" in nxt:
                header = cells
                blocks.append(Block(start, end, "row", cells))
            else:
                blocks.append(Block(start, end, "row", cells, header))
            continue
        if _TABLE_SEP.fullmatch(line) and "-" in line and "|" in line:
            _blank(chars, start, end)
            continue
        header = ()
        if _RULE.fullmatch(line):
            close()
            _blank(chars, start, end)
            if (
                markdown
                and blocks
                and set(line.strip()) <= {"=", "-"}
                and blocks[-1].end == start - 1
            ):
                last = blocks.pop()  # setext heading: the line above is the heading
                blocks.append(Block(last.start, last.end, "heading"))
            continue
        heading = _HEADING.match(line) if markdown else None
        if heading:
            close()
            _blank(chars, start, start + heading.end())
            tail = re.search(r"\s#+\s*$", line)
            if tail:
                _blank(chars, start + tail.start(), end)
            blocks.append(Block(start, end, "heading"))
            continue
        item = _ITEM.match(line)
        if item:
            close()
            _blank(chars, start, start + item.end())
            open_start, open_kind = start, "item"
        else:
            quote = _QUOTE.match(line) if markdown else None
            if quote:
                _blank(chars, start, start + quote.end())
            if open_start is None:
                open_start, open_kind = start, "paragraph"
        open_end = end
    close()
    return blocks


# -- HTML ----------------------------------------------------------------------------

_BLOCK_TAGS = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "ul",
    "br",
}
_SKIP_TAGS = {"script", "style", "head", "template", "noscript", "svg", "math", "iframe", "object"}
_DATE_META = {"date", "dc.date", "dcterms.date", "article:published_time", "pubdate"}


class _HtmlText(HTMLParser):
    """Collect the text of an HTML page with where each piece came from."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0, *(m.end() for m in re.finditer("\n", source))]
        self.parts: list[str] = []
        self.length = 0
        self.pieces: list[tuple[int, int, bool]] = []
        self.blocks: list[Block] = []
        self.block_start = 0
        self.block_kind: Literal["paragraph", "heading", "item", "row"] = "paragraph"
        self.skip = 0
        self.date: str | None = None
        self.title: list[str] = []
        self.in_title = False
        self.row_cells: list[tuple[int, int]] = []
        self.cell_start: int | None = None
        self.header: tuple[tuple[int, int], ...] = ()
        self.row_is_header = False
        self.block_has_text = False

    def _offset(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _emit(self, text: str, verbatim: bool) -> None:
        if not text:
            return
        self.pieces.append((self.length, self._offset(), verbatim))
        self.parts.append(text)
        self.length += len(text)

    def _break(self, kind: Literal["paragraph", "heading", "item", "row"] = "paragraph") -> None:
        if self.block_has_text:
            cells = tuple(self.row_cells) if self.block_kind == "row" else ()
            header = self.header if self.block_kind == "row" and not self.row_is_header else ()
            self.blocks.append(Block(self.block_start, self.length, self.block_kind, cells, header))
            if self.block_kind == "row" and self.row_is_header:
                self.header = cells
            self._emit("\n\n", False)
        self.block_start, self.block_kind, self.block_has_text = self.length, kind, False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("name") or values.get("property") or "").lower()
            if name in _DATE_META and values.get("content"):
                self.date = values["content"]
            return
        if tag == "title":
            self.in_title = True
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            self.header = ()
        if tag == "tr":
            self._break("row")
            self.row_cells, self.row_is_header = [], True
        elif tag in ("td", "th"):
            if self.cell_start is not None:
                self.row_cells.append((self.cell_start, self.length))
            if tag == "td":
                self.row_is_header = False
            self._emit(" | ", False)
            self.cell_start = self.length
        elif re.fullmatch(r"h[1-6]", tag):
            self._break("heading")
        elif tag == "li":
            self._break("item")
        elif tag in _BLOCK_TAGS:
            self._break()
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._emit(f" {alt} ", False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("td", "th") and self.cell_start is not None:
            self.row_cells.append((self.cell_start, self.length))
            self.cell_start = None
        elif tag == "tr":
            if self.cell_start is not None:
                self.row_cells.append((self.cell_start, self.length))
                self.cell_start = None
            self._break()
        elif tag in _BLOCK_TAGS or re.fullmatch(r"h[1-6]", tag) or tag == "li":
            self._break()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if not self.skip:
            self._emit(data, True)
            self.block_has_text = self.block_has_text or not data.isspace()

    def _reference(self, text: str) -> None:
        if self.in_title:
            self.title.append(text)
        if not self.skip:
            self._emit(text, False)
            self.block_has_text = self.block_has_text or not text.isspace()

    def handle_entityref(self, name: str) -> None:
        self._reference(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self._reference(unescape(f"&#{name};"))


def _html_draft(path: Path, source: str) -> Draft:
    parser = _HtmlText(source)
    try:
        parser.feed(source)
        parser.close()
    except (AssertionError, ValueError) as exc:  # malformed markup the parser gives up on
        raise InputError(path, None, f"cannot parse HTML: {exc}") from None
    parser._break()
    text = "".join(parser.parts)
    title = " ".join("".join(parser.title).split()) or None
    draft = Draft(path, "html", source, text, parser.blocks, title=title)
    draft._pieces = parser.pieces
    draft.date = _date_of(path, parser.date)
    return draft
