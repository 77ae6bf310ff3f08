"""Make GX Data Docs render without a network.

GX 1.x Data Docs pages load Bootstrap 4, jQuery, bootstrap-table, Vega and
Font Awesome from CDNs; offline, the index page shows empty tables (they are
filled by bootstrap-table from data in a script) and the other pages lose
their layout and status icons. This module rewrites every page of a built
site, in place:

- remote ``<link>`` and ``<script src>`` tags are removed, remote images
  point at GX's own local logo, a remote ``url(...)`` in styles is dropped;
- each bootstrap-table (its rows are a Python literal GX printed into the
  script) becomes a static HTML table, links included;
- a small stylesheet (the Bootstrap classes the pages use, and text symbols
  for the Font Awesome status icons) and a small script (the handful of
  jQuery calls the pages make: the "Failed only" filter, tabs) are inlined.

Hyperlinks to GX's website stay: they are links, not needed to render (GX's
newsletter sign-up footer goes).
Charts (Vega, used by a few distribution expectations) cannot be drawn
offline; their place says so.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path
from typing import Any

_REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>\s*", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(
    r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>\s*", re.IGNORECASE
)
_REMOTE_IMG = re.compile(r"(<img\b[^>]*?\bsrc=)([\"'])https?://[^\"']*\2", re.IGNORECASE)
_REMOTE_URL = re.compile(r"url\(\s*[\"']?https?://[^)]*\)", re.IGNORECASE)
_TABLE_SCRIPT = re.compile(
    r"<script>\s*\$\('#(?P<id>[^']+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*"
    r"columns: (?P<columns>[^\n]*),\s*\n\s*data: (?P<data>[^\n]*),\s*\n\s*toolbar: [^\n]*\n"
    r".*?</script>",
    re.DOTALL,
)
_GRAPH = re.compile(r"vegaEmbed\('#(?P<id>[^']+)'")
_HEAD_END = re.compile(r"</head>", re.IGNORECASE)
_NEWSLETTER = re.compile(r"<footer>\s*<p>[^<]*newsletter.*?</footer>", re.DOTALL | re.IGNORECASE)

# Only remote references that a browser fetches to render the page.
RENDER_REFERENCES = re.compile(
    r"<(?:script|img|iframe)\b[^>]*\bsrc=[\"']https?://"
    r"|<link\b[^>]*\bhref=[\"']https?://"
    r"|url\(\s*[\"']?https?://"
    r"|@import\s+[\"']?(?:url\()?\s*[\"']?https?://",
    re.IGNORECASE,
)

STYLE = """
/* factlint: the Bootstrap 4 subset GX Data Docs use, so the pages render offline */
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 font-size:15px;line-height:1.45;color:#212529;background:#fff;margin:0}
a{color:#0056b3;text-decoration:none}a:hover{text-decoration:underline}
h1,h2,h3,h4,h5,h6{margin:.5rem 0;font-weight:600;line-height:1.2}
code,pre,kbd{font-family:SFMono-Regular,Menlo,Consolas,monospace;font-size:90%}
pre{background:#f6f8fa;padding:.5rem;overflow:auto}
img{max-width:100%}
.container,.container-fluid{width:100%;box-sizing:border-box;padding:0 15px;margin:0 auto}
.row{display:flex;flex-wrap:wrap;margin:0 -15px}
[class*="col-"]{box-sizing:border-box;position:relative;width:100%;padding:0 15px;flex:0 0 100%;
 max-width:100%}
@media (min-width:768px){.col-md-2{flex:0 0 16.666%;max-width:16.666%}
 .col-md-3{flex:0 0 25%;max-width:25%}.col-md-4{flex:0 0 33.333%;max-width:33.333%}
 .col-md-6{flex:0 0 50%;max-width:50%}.col-md-8{flex:0 0 66.666%;max-width:66.666%}
 .col-md-9{flex:0 0 75%;max-width:75%}.col-md-10{flex:0 0 83.333%;max-width:83.333%}
 .d-md-block{display:block!important}.d-md-inline-flex{display:inline-flex!important}}
@media (min-width:992px){.col-lg-2{flex:0 0 16.666%;max-width:16.666%}
 .col-lg-10{flex:0 0 83.333%;max-width:83.333%}}
@media (min-width:576px){.d-sm-block{display:block!important}}
.d-none{display:none}.d-flex{display:flex}.align-items-center{align-items:center}
.justify-content-center{justify-content:center}.flex-column{flex-direction:column}
.float-left{float:left}.float-right{float:right}.h-100{height:100%}.mr-auto{margin-right:auto}
.sticky,.sticky-top{position:sticky;top:0;z-index:10}
.card{position:relative;border:1px solid #dee2e6;border-radius:4px;background:#fff;
 margin-bottom:1rem}
.card-header{padding:.5rem .75rem;background:#f7f7f9;border-bottom:1px solid #dee2e6}
.card-body{padding:.75rem}
.alert{padding:.5rem .75rem;border:1px solid #d6d8db;border-radius:4px;margin:.25rem 0}
.alert-secondary{background:#e2e3e5;color:#383d41}
.badge{display:inline-block;padding:.15em .4em;border-radius:3px;font-size:85%;font-weight:600;
 line-height:1.2;white-space:normal;word-break:break-word}
.badge-secondary{background:#e9ecef;color:#212529}.badge-info{background:#d1ecf1}
.badge-success{background:#d4edda}.badge-danger{background:#f8d7da}
table{border-collapse:collapse;margin-bottom:1rem}.table{width:100%}
th,td{padding:.35rem .5rem;border-top:1px solid #dee2e6;vertical-align:top;text-align:left}
thead th{border-bottom:2px solid #dee2e6}.table-sm td,.table-sm th{padding:.25rem .4rem}
.table-bordered td,.table-bordered th{border:1px solid #dee2e6}
.table-responsive{overflow-x:auto}
.text-success{color:#1e7e34}.text-danger{color:#c82333}.text-info{color:#117a8b}
.text-warning{color:#b58100}.text-muted{color:#6c757d}.lead{font-size:1.15rem}
.bg-light{background:#f8f9fa}.rounded{border-radius:4px}
.border-bottom{border-bottom:1px solid #dee2e6}
.navbar{display:flex;flex-wrap:wrap;align-items:center;padding:.4rem 1rem}
.navbar-brand img{max-height:50px;width:auto}
.nav{display:flex;flex-wrap:wrap;list-style:none;padding:0;margin:0 0 .5rem}
.nav-link{display:block;padding:.3rem .7rem}
.nav-pills .nav-link.active{background:#0056b3;color:#fff;border-radius:4px}
.ge-navigation-sidebar-container .nav{flex-direction:column}
.breadcrumb{display:flex;flex-wrap:wrap;list-style:none;padding:.3rem .6rem;margin:0}
.breadcrumb-item+.breadcrumb-item::before{content:"/";padding:0 .4rem;color:#6c757d}
.btn{display:inline-block;padding:.25rem .6rem;border:1px solid #6c757d;border-radius:3px;
 background:#f8f9fa;color:#212529;cursor:pointer;font-size:90%}
.btn-primary.active{background:#0056b3;border-color:#0056b3;color:#fff}
.btn-group-toggle input{position:absolute;clip:rect(0,0,0,0);pointer-events:none}
.invisible,#ge-cta-footer,[id$="-toolbar"]{display:none!important}
.factlint-js .tab-content>.tab-pane{display:none}
.factlint-js .tab-content>.tab-pane.active{display:block}
.cooltip .top{display:none}
.fas,.far,.fa{font-style:normal;font-weight:700}
.fa-check-circle::before{content:"\\2714"}.fa-times::before,.fa-times-circle::before{content:"\\2718"}
.fa-exclamation-triangle::before{content:"\\26A0"}.fa-question-circle::before{content:"?"}
.fa-comment::before{content:"\\270E"}
.factlint-offline-note{color:#6c757d;font-style:italic}
"""

SCRIPT = """
/* factlint: the few jQuery calls GX Data Docs make, without jQuery (offline) */
(function () {
  document.documentElement.classList.add("factlint-js");
  function wrap(nodes) {
    var c = {nodes: nodes};
    c.each = function (f) { nodes.forEach(function (n, i) { f(i, n); }); return c; };
    c.parent = function () { return wrap(nodes.map(function (n) { return n.parentElement; })
      .filter(Boolean)); };
    c.fadeIn = function () { nodes.forEach(function (n) { n.style.display = ""; }); return c; };
    c.fadeOut = function () { nodes.forEach(function (n) { n.style.display = "none"; });
      return c; };
    c.removeClass = function (k) { nodes.forEach(function (n) { n.classList.remove(k); });
      return c; };
    c.addClass = function (k) { nodes.forEach(function (n) { n.classList.add(k); }); return c; };
    ["on", "modal", "bootstrapTable", "prepend", "tooltip", "popover"].forEach(function (m) {
      c[m] = function () { return c; };
    });
    c.ready = function (f) { document.addEventListener("DOMContentLoaded", f); return c; };
    return c;
  }
  window.$ = window.jQuery = function (x) {
    if (typeof x === "function") { document.addEventListener("DOMContentLoaded", x);
      return wrap([]); }
    if (x === document || x === window) { return wrap([]); }
    if (typeof x === "string") {
      try { return wrap(Array.prototype.slice.call(document.querySelectorAll(x))); }
      catch (e) { return wrap([]); }
    }
    return wrap(x ? [x] : []);
  };
  document.addEventListener("click", function (e) {
    var tab = e.target.closest && e.target.closest('[data-toggle="tab"],[data-toggle="pill"]');
    if (tab) {
      e.preventDefault();
      var pane = document.querySelector(tab.getAttribute("href"));
      if (!pane) { return; }
      pane.parentElement.querySelectorAll(".tab-pane").forEach(function (p) {
        p.classList.remove("active", "show"); });
      pane.classList.add("active", "show");
      tab.closest(".nav").querySelectorAll(".nav-link").forEach(function (l) {
        l.classList.remove("active"); });
      tab.classList.add("active");
    }
    var toggle = e.target.closest && e.target.closest(".btn-group-toggle .btn");
    if (toggle) {
      toggle.parentElement.querySelectorAll(".btn").forEach(function (b) {
        b.classList.remove("active"); });
      toggle.classList.add("active");
    }
  });
})();
"""


def _cell(value: Any) -> str:
    # cells are HTML GX rendered (icons, links, escaped values); numbers and plain text are escaped
    return value if isinstance(value, str) else html.escape(str(value))


def static_table(columns: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """The rows of a bootstrap-table as plain HTML, each row's link kept."""
    titles = (str(c.get("title", c.get("field", ""))) for c in columns)
    head = "".join(f"<th>{html.escape(title)}</th>" for title in titles)
    body = []
    for row in rows:
        link = row.get("_table_row_link_path")
        cells = []
        for column in columns:
            content = _cell(row.get(str(column.get("field")), ""))
            if isinstance(link, str) and link and "<a " not in content:
                content = f'<a href="{html.escape(link, quote=True)}">{content}</a>'
            cells.append(f"<td>{content}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>"


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def _static_tables(page: str) -> str:
    for match in list(_TABLE_SCRIPT.finditer(page)):
        columns, rows = _literal(match["columns"]), _literal(match["data"])
        if not isinstance(columns, list) or not isinstance(rows, list):
            continue  # left to the script (the shim ignores it): the table stays empty
        table = re.compile(r'(<table\s+id="' + re.escape(match["id"]) + r'"[^>]*>)\s*</table>')
        found = table.search(page)
        if found is None:
            continue
        filled = found.group(1) + static_table(columns, rows) + "</table>"
        page = page[: found.start()] + filled + page[found.end():]
        page = page.replace(match.group(0), "", 1)
    return page


def _graphs(page: str) -> str:
    for graph_id in _GRAPH.findall(page):
        page = page.replace(
            f'<div id="{graph_id}"',
            f'<p class="factlint-offline-note">(a chart: it needs Vega from a CDN and is not '
            f'drawn offline)</p><div id="{graph_id}"',
            1,
        )
    return page


def offline_page(page: str, *, static_prefix: str) -> str:
    """One Data Docs page rewritten to render without a network."""
    page = _static_tables(page)
    page = _graphs(page)
    page = _NEWSLETTER.sub("", page)  # GX's newsletter sign-up: a web form, useless offline
    page = _REMOTE_LINK.sub("", page)
    page = _REMOTE_SCRIPT.sub("", page)
    logo = f"{static_prefix}static/images/logo-long.png"
    page = _REMOTE_IMG.sub(lambda m: f'{m.group(1)}"{logo}"', page)
    page = _REMOTE_URL.sub("none", page)
    inline = f"<style>{STYLE}</style>\n<script>{SCRIPT}</script>\n"
    page, count = _HEAD_END.subn(lambda _: inline + "</head>", page, count=1)
    return page if count else inline + page


def make_offline(site: Path) -> None:
    """Rewrite every page and stylesheet of the Data Docs site at ``site`` in place."""
    for path in sorted(site.rglob("*.html")):
        depth = len(path.relative_to(site).parts) - 1
        text = path.read_text(encoding="utf-8")
        path.write_text(offline_page(text, static_prefix="../" * depth), encoding="utf-8")
    for path in sorted(site.rglob("*.css")):
        text = path.read_text(encoding="utf-8")
        path.write_text(_REMOTE_URL.sub("none", text), encoding="utf-8")


def render_references(text: str) -> list[str]:
    """Remote references a browser would fetch to render ``text`` (empty when offline-safe)."""
    return [m.group(0) for m in RENDER_REFERENCES.finditer(text)]


__all__ = ["make_offline", "offline_page", "render_references", "static_table"]
