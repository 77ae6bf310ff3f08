"""Security: hostile text never becomes markup, no dynamic evaluation, strict YAML,
spreadsheet-safe CSV exports.

The HTML audit report is rendered for a project whose every text field -- fact
ids, quotes, notes, source titles, publishers and URLs, rule ids and
descriptions, waiver reasons, even the project's directory name -- carries
one of the payloads below, then parsed with :mod:`html.parser` and compared
with the report of the same project carrying plain text.
"""

from __future__ import annotations

import ast
import csv
import importlib.util
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factlint.errors import InputError
from factlint.yamlio import load_yaml_text
from tests.conftest import REGISTRY
from tests.reliability.helpers import assert_contract, run_cli

SRC = Path(__file__).resolve().parents[2] / "src" / "factlint"

# Each payload carries a marker XSSnn so that a test can find where it went.
PAYLOADS = [
    '<script>alert("XSS00")</script>',
    '<img src=x onerror=alert("XSS01")>',
    '"><svg onload=alert("XSS02")>',
    "'><svg/onload=alert('XSS03')>",
    '<svg><script>alert("XSS04")</script></svg>',
    'javascript:alert("XSS05")',
    'JaVaScRiPt:alert("XSS06")',
    'java\tscript:alert("XSS07")',
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#XSS08",
    'vbscript:msgbox("XSS09")',
    '</style><script>alert("XSS10")</script>',
    '</title><script>alert("XSS11")</script>',
    '</script><script>alert("XSS12")</script>',
    "<!--XSS13",
    '--><script>alert("XSS14")</script>',
    "<![CDATA[XSS15]]>",
    "<iframe src=\"javascript:alert('XSS16')\"></iframe>",
    "<a href=\"javascript:alert('XSS17')\">click</a>",
    '<body onload=alert("XSS18")>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert("XSS19")>',
    '<details open ontoggle=alert("XSS20")>',
    '<input autofocus onfocus=alert("XSS21")>',
    "{{ 7*7 }} XSS22 {% raw %}",
    '${alert("XSS23")}',
    '&lt;script&gt;alert("XSS24")&lt;/script&gt;',
    '<base href="https://evil.example/XSS25/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/XSS26">',
    '<link rel=stylesheet href="https://evil.example/XSS27.css">',
    "<object data=\"javascript:alert('XSS28')\"></object>",
    "<form action=\"javascript:alert('XSS29')\"><button>go</button></form>",
    "`XSS30` **bold** [link](javascript:alert(1)) | pipe",
    '<style>@import "https://evil.example/XSS31.css";</style>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert('XSS32')>\">",
    '<template><script>alert("XSS33")</script></template>',
    "\u2028XSS34\u2029 </script\u2028>",
    "XSS35 \\u003cscript\\u003e \\x3c/script\\x3e",
    '<scr<script>ipt>alert("XSS36")</script>',
    '=HYPERLINK("https://evil.example","XSS37")',
]
BIDI_PAYLOAD = "\u202eXSS38 \u2066evil\u2069\u202c"
"""Bidi controls are refused in tables and YAML; a source text may carry them."""

# tags a payload might smuggle in, and how many the template itself has
WATCHED_TAGS = ("script", "style", "meta", "base", "link", "iframe", "object", "embed", "img",
                "form", "input", "button", "math", "template", "noscript", "body", "head", "html",
                "details", "textarea", "frame", "frameset", "applet", "audio", "video", "source")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster",
                  "srcset", "background", "ping", "cite", "manifest")


def _cell(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([value])
    return buffer.getvalue()


def write_payload_project(root: Path, texts: list[str]) -> Path:
    """A project with one source, fact and rule per text, the text in every field."""
    facts = root / "facts"
    (facts / "sources").mkdir(parents=True)
    (root / "checks").mkdir()
    for name in ("units.yaml", "metrics.yaml", "entities.yaml"):
        (facts / name).write_bytes((REGISTRY / name).read_bytes())
    sources = ["id,title,publisher,date,url,language"]
    table = ["id,source,quote,subject,metric,period,value,unit,qualifier,note"]
    rules = ["rules:"]
    for i, text in enumerate(texts):
        url = text if ":" in text.split("(")[0] else f"https://example.org/{i}?q={text}"
        sources.append(",".join(_cell(c) for c in (
            f"s{i}", f"Title {i} {text}", f"Publisher {text}", "2024-01-01", url, "en")))
        quote = f"the zones number {i + 2} {text} in all"
        (facts / "sources" / f"s{i}.txt").write_text(
            f"Intro {text}. {BIDI_PAYLOAD} Then {quote}. And {text} after.\n", encoding="utf-8")
        fact_id = f"f{i}-{text}"
        value = i + 2 if i % 2 else i + 3  # every other figure disagrees with its quote
        table.append(",".join(_cell(c) for c in (
            fact_id, f"s{i}", quote, "zones", "zone_count", "2024", str(value), "count", "exact",
            f"note {text}")))
        rules += [
            f"  - id: {json.dumps(f'r{i}-{text}')}",
            "    kind: bound",
            f"    description: {json.dumps(f'Rule {i}: {text}')}",
            f"    select: {{id: {json.dumps(fact_id)}}}",
            '    op: "<="',
            "    value: 1",
            "    unit: count",
        ]
    (facts / "sources.csv").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (facts / "table.csv").write_text("\n".join(table) + "\n", encoding="utf-8")
    (root / "checks" / "rules.yaml").write_text("\n".join(rules) + "\n", encoding="utf-8")
    waiver = {"rule": f"r1-{texts[1]}", "facts": [f"f1-{texts[1]}"],
              "reason": f"Reviewed: {texts[0]}", "reviewer": texts[2], "expires": "2999-01-01"}
    (root / "checks" / "waivers.yaml").write_text(
        "waivers:\n  - " + json.dumps(waiver) + "\n", encoding="utf-8")
    return root


class Page(HTMLParser):
    """What a browser would build: elements with attributes, text, script bodies."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.comments: list[str] = []
        self._open_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))
        if tag == "script":
            self._open_script = dict(attrs)
            self.scripts.append((self._open_script, ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._open_script = None

    def handle_data(self, data: str) -> None:
        if self._open_script is not None:
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        else:
            self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.elements if name == tag)


def _render(root: Path) -> Page:
    report = root / "reports" / "index.html"
    run = run_cli("check", root, "--report", report, "--format", "json")
    assert_contract(run, 1)
    page = Page()
    page.feed(report.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Page, Page]:
    """The report of the payload project and of the same project with plain text."""
    base = tmp_path_factory.mktemp("html")
    hostile = write_payload_project(base / "proj\"'><svg onload=alert('XSSdir')>", PAYLOADS)
    plain = write_payload_project(base / "plain", [f"plain text {i}" for i in range(len(PAYLOADS))])
    return _render(hostile), _render(plain)


def test_there_are_enough_payloads() -> None:
    assert len(PAYLOADS) >= 30
    assert len({re.search(r"XSS\d\d", p).group() for p in PAYLOADS}) == len(PAYLOADS)  # type: ignore[union-attr]


def test_no_payload_adds_an_element(pages: tuple[Page, Page]) -> None:
    hostile, plain = pages
    for tag in WATCHED_TAGS:
        assert hostile.count(tag) == plain.count(tag), f"<{tag}> elements differ"
    vocabulary = {name for name, _ in plain.elements}
    assert {name for name, _ in hostile.elements} <= vocabulary


def test_no_event_handler_or_foreign_attribute(pages: tuple[Page, Page]) -> None:
    hostile, plain = pages
    allowed = {name for _, attrs in plain.elements for name, _ in attrs}
    for tag, attrs in hostile.elements:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert name in allowed, (tag, name, value)
            assert "XSS" not in name


def test_links_are_http_https_or_fragments(pages: tuple[Page, Page]) -> None:
    hostile, _ = pages
    links = 0
    for tag, attrs in hostile.elements:
        for name, value in attrs:
            if name in URL_ATTRIBUTES:
                links += 1
                assert value is not None
                assert value.startswith(("http://", "https://", "#")), (tag, name, value)
                assert not re.search(r"[\s\"'<>`]", value), (tag, name, value)
    assert links > 0


def test_scripts_are_only_ours(pages: tuple[Page, Page]) -> None:
    hostile, plain = pages
    assert [attrs for attrs, _ in hostile.scripts] == [attrs for attrs, _ in plain.scripts]
    for (attrs, body), (_, plain_body) in zip(hostile.scripts, plain.scripts, strict=True):
        if attrs.get("type") == "application/json":
            json.loads(body)  # data, whole: no payload ended the block early
            assert "<" not in body
        else:
            assert body == plain_body  # the code is the template's, byte for byte
    assert not any("XSS" in c for c in hostile.comments), "a payload opened a comment"


def test_every_payload_is_shown_as_text(pages: tuple[Page, Page]) -> None:
    hostile, _ = pages
    text = "".join(hostile.text)
    for payload in PAYLOADS:
        assert payload.strip() in text, f"{payload!r} is not shown verbatim"
    assert "49" not in re.findall(r"XSS22.{0,3}", text)  # no template evaluation ({{ 7*7 }})


def test_content_security_policy(pages: tuple[Page, Page]) -> None:
    hostile, _ = pages
    policies = [dict(attrs).get("content") for tag, attrs in hostile.elements
                if tag == "meta" and dict(attrs).get("http-equiv") == "Content-Security-Policy"]
    assert len(policies) == 1 and policies[0] is not None
    directives = {d.split()[0]: d.split()[1:] for d in policies[0].split(";") if d.strip()}
    assert directives["default-src"] == ["'none'"]
    assert "connect-src" not in directives and "frame-src" not in directives


def test_bidi_controls_in_a_table_are_refused(tmp_path: Path) -> None:
    project = write_payload_project(tmp_path / "p", [BIDI_PAYLOAD, "b", "c"])
    run = run_cli("check", project, "--no-report")
    assert_contract(run, 2, "bidirectional control character U+202E")


def _draft_view(root: Path, texts: list[str]) -> Page:
    """`factlint claims --format html` on a draft carrying ``texts`` beside real figures."""
    draft = root / "draft.txt"  # plain text: shown verbatim (Markdown would blank its tags)
    lines = [f"In 2024 the pilot zones number {i + 2}, say {text}, of the country." for i, text
              in enumerate(texts)]
    draft.write_text("\n".join(lines) + "\n", encoding="utf-8")
    view = root / "view.html"
    run = run_cli("claims", draft, "--project", root, "--format", "html", "--output", view,
                  "--fail-on", "never", "--as-of", "2024-12-31")
    assert_contract(run, 0)
    page = Page()
    page.feed(view.read_text(encoding="utf-8"))
    page.close()
    return page


def test_draft_view_escapes_payloads(tmp_path: Path) -> None:
    """The draft view, with every payload in the draft, the facts and the sources."""
    hostile_root = write_payload_project(tmp_path / "hostile", PAYLOADS)
    plain_texts = [f"plain text {i}" for i in range(len(PAYLOADS))]
    plain_root = write_payload_project(tmp_path / "plain", plain_texts)
    hostile, plain = _draft_view(hostile_root, PAYLOADS), _draft_view(plain_root, plain_texts)
    for tag in WATCHED_TAGS:
        assert hostile.count(tag) == plain.count(tag), f"<{tag}> elements differ"
    assert {name for name, _ in hostile.elements} <= {name for name, _ in plain.elements}
    allowed = {name for _, attrs in plain.elements for name, _ in attrs}
    for tag, attrs in hostile.elements:
        for name, value in attrs:
            assert not name.startswith("on") and name in allowed, (tag, name, value)
            if name in URL_ATTRIBUTES:
                assert value is not None and value.startswith(("http://", "https://", "#"))
    assert hostile.scripts == plain.scripts == []
    assert not any("XSS" in c for c in hostile.comments)
    text = "".join(hostile.text)
    for payload in PAYLOADS:
        if re.search(r"\d", re.sub(r"XSS\d\d", "", payload)):
            # a figure inside the payload ("{{ 7*7 }}") is itself a claim, marked up as one
            assert re.search(r"XSS\d\d", payload).group() in text  # type: ignore[union-attr]
        else:
            assert payload.strip() in text, f"{payload!r} is not shown verbatim"
    # no template evaluation; the page names the draft's path, which is pytest's to choose
    # ("pytest-149"), so only the rest of the text is looked at
    assert "49" not in text.replace(str(tmp_path), "")


# -- no dynamic evaluation -------------------------------------------------------------------

FORBIDDEN_NAMES = {"eval", "exec", "compile", "__import__", "execfile", "input"}
FORBIDDEN_METHODS = {"eval", "query", "exec"}
UNSAFE_MODULE_CALLS = {
    ("yaml", "load"), ("yaml", "load_all"), ("yaml", "unsafe_load"), ("yaml", "full_load"),
    ("yaml", "unsafe_load_all"), ("pickle", "load"), ("pickle", "loads"), ("marshal", "loads"),
    ("os", "system"), ("os", "popen"), ("subprocess", "run"), ("subprocess", "Popen"),
    ("subprocess", "call"), ("subprocess", "check_output"),
}


def _forbidden_calls(tree: ast.AST) -> list[tuple[int, str]]:
    hits: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in FORBIDDEN_NAMES:
            hits.append((node.lineno, f"{func.id}()"))
        elif isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in FORBIDDEN_METHODS:
                hits.append((node.lineno, f".{func.attr}()"))
            elif func.attr == "compile" and owner not in ("re", "regex"):
                hits.append((node.lineno, f"{owner}.compile()"))
            elif (owner, func.attr) in UNSAFE_MODULE_CALLS:
                hits.append((node.lineno, f"{owner}.{func.attr}()"))
        if isinstance(func, ast.Name) and func.id in ("getattr", "setattr") and len(node.args) > 1:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in FORBIDDEN_NAMES | FORBIDDEN_METHODS:
                hits.append((node.lineno, f"getattr(..., {name.value!r})"))
    return hits


def test_no_eval_exec_or_pandas_query_anywhere_in_src() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert len(modules) > 20
    found = {
        f"{path.relative_to(SRC.parent)}:{line}: {what}"
        for path in modules
        for line, what in _forbidden_calls(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert not found, "dynamic evaluation or an unsafe loader in src/: " + ", ".join(sorted(found))


def test_the_gate_catches_what_it_should() -> None:
    sample = "eval(x)\nexec(y)\ndf.query(q)\npd.eval(e)\nyaml.load(t)\nre.compile('a')\n"
    assert [what for _, what in _forbidden_calls(ast.parse(sample))] == [
        "eval()", "exec()", ".query()", ".eval()", "yaml.load()"]


# -- strict YAML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\na: 2\n", "2"),
        ("rules:\n  - id: x\n    id: y\n", "3"),
        ("{a: 1, a: 1}\n", "1"),
        ("? a\n: 1\n? a\n: 2\n", "3"),
        ("1: x\n1: y\n", "2"),
    ],
)
def test_duplicate_yaml_keys_are_refused(text: str, line: str) -> None:
    with pytest.raises(InputError) as info:
        load_yaml_text(text, "checks/r.yaml")
    assert info.value.where == line
    assert "duplicate key" in str(info.value)


@pytest.mark.parametrize("name", ["facts/units.yaml", "facts/metrics.yaml", "facts/entities.yaml",
                                  "checks/rules.yaml", "checks/waivers.yaml"])
def test_duplicate_keys_fail_the_run_in_every_yaml_file(name: str, tmp_path: Path) -> None:
    from tests.reliability.helpers import write_project

    project = write_project(tmp_path / "p")
    path = project / name
    if not path.exists():
        path.write_text("waivers: []\n", encoding="utf-8")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#")]
    top_key = lines[0].split(":", 1)[0]
    path.write_text("\n".join([*lines, f"{top_key}: []"]) + "\n", encoding="utf-8")
    run = run_cli("check", project, "--no-report")
    assert_contract(run, 2, f"{name}:")
    assert "duplicate key" in run.err


# -- CSV exports --------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CELLS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://e","x")',
                 "=cmd|' /C calc'!A0"]


def assert_csv_is_spreadsheet_safe(text: str) -> None:
    """No cell of an exported CSV starts with a character a spreadsheet reads as a formula."""
    for row in csv.reader(io.StringIO(text, newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


def test_the_csv_safety_check_itself() -> None:
    assert_csv_is_spreadsheet_safe("a,b\n'=1+1,x\n")
    with pytest.raises(AssertionError):
        assert_csv_is_spreadsheet_safe("a,b\n=1+1,x\n")


EXTRACT = importlib.util.find_spec("factlint.claims.extract") is not None


@pytest.mark.skipif(not EXTRACT, reason="factlint.claims.extract is not there")
def test_extract_csv_neutralises_formula_cells() -> None:
    from factlint.claims.extract import COLUMNS, Candidate, render_csv

    formulas = [c for c in FORMULA_CELLS if "\r" not in c]  # see the test below
    rows = [Candidate(**dict.fromkeys(COLUMNS, cell)) for cell in formulas]
    rows.append(Candidate(**{**dict.fromkeys(COLUMNS, "x"), "value": "-15.2"}))
    text = render_csv(rows)
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0] == list(COLUMNS)
    value = COLUMNS.index("value")
    for cells, cell in zip(table[1:], [*formulas, None], strict=True):
        for column, written in enumerate(cells):
            if cell is None:
                assert written == ("-15.2" if column == value else "x")  # a number stays a number
            else:
                assert written == "'" + cell, (COLUMNS[column], written)  # text kept after the '
    assert_csv_is_spreadsheet_safe("\n".join(text.splitlines()[:-1]) + "\n")


@pytest.mark.skipif(not EXTRACT, reason="factlint.claims.extract is not there")
def test_extract_csv_keeps_a_carriage_return_inside_its_cell() -> None:
    from factlint.claims.extract import COLUMNS, Candidate, render_csv

    text = render_csv([Candidate(**dict.fromkeys(COLUMNS, "a\rb"))])
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[1] == ["a\rb"] * len(COLUMNS)


@pytest.mark.skipif(not EXTRACT, reason="factlint.claims.extract is not there")
@settings(max_examples=200, deadline=None, database=None)
@given(column=st.sampled_from(["id", "quote", "value", "note"]), cell=st.text(max_size=12))
def test_neutralised_cells_never_start_a_formula(column: str, cell: str) -> None:
    from factlint.claims.extract import neutralise

    written = neutralise(column, cell)
    assert written in (cell, "'" + cell)
    if written.startswith(FORMULA_STARTS):
        # only a plain number, signed range or ISO date in `value` keeps its sign
        assert column == "value" and re.fullmatch(r"-[0-9.-]+", written), written
