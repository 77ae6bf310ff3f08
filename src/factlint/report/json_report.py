"""JSON: the documented, stable machine format (schema in ``schemas/report.schema.json``)."""

from __future__ import annotations

from typing import Any

from factlint.report.indented_json import dumps_indented


def render_json(data: dict[str, Any]) -> str:
    """The report as ``json.dumps(data, ensure_ascii=False, indent=2)`` writes it, then a
    line break."""
    return dumps_indented(data) + "\n"
