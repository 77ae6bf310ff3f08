"""Output formats: one small emitter per module, all fed by :mod:`factlint.report.data`."""

from __future__ import annotations

FORMATS = ("text", "json", "html", "junit", "github", "markdown")
