"""Dispatch a format name to its emitter (each imported only when used)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from factlint.errors import UsageError

if TYPE_CHECKING:  # rich is imported by the text emitter alone, when text is written
    from rich.console import Console

EMITTERS: dict[str, tuple[str, str]] = {
    "text": ("factlint.report.text", "render_text"),
    "json": ("factlint.report.json_report", "render_json"),
    "html": ("factlint.report.html", "render_html"),
    "junit": ("factlint.report.junit", "render_junit"),
    "github": ("factlint.report.github", "render_github"),
    "markdown": ("factlint.report.markdown", "render_markdown"),
}


def emit(fmt: str, data: dict[str, Any], *, console: Console | None = None) -> str:
    """Render ``data`` as ``fmt``; ``text`` prints to ``console`` when one is given."""
    if fmt not in EMITTERS:
        raise UsageError(f"--format {fmt}: unknown format; use one of {', '.join(EMITTERS)}")
    if fmt == "text":
        from factlint.report.text import render_text

        return render_text(data, console)
    module, name = EMITTERS[fmt]
    render = getattr(importlib.import_module(module), name)
    out: str = render(data)
    return out
