"""Geometry of the report's inline SVG charts, computed here and drawn by the template.

Two charts: a number line that sets a finding's stated interval against the
computed one, and a timeline of a monotonic series. Both take bounds as the
JSON report writes them (a number, ``"inf"``, ``"-inf"`` or None for
undefined); open ends are drawn as hollow circles, closed ends as filled
ones, infinite ends as arrows running off the axis. Numbers here are pixels;
all text is left to the template, which escapes it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

PALETTE = ("#1f6fb2", "#d9730d", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f6000", "#5d6d7e")


def number(value: Any) -> float:
    """A JSON bound as a float: ``"inf"`` and ``"-inf"`` become infinities, None NaN."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        return {"inf": math.inf, "-inf": -math.inf}.get(value, math.nan)
    return float(value)


def fmt_num(x: float) -> str:
    """A short, readable number: six significant digits, thousands separated."""
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if x == 0:
        return "0"
    if 1e-4 <= abs(x) < 1e15:
        rounded = float(f"{x:.6g}")
        text = f"{rounded:,.6f}".rstrip("0").rstrip(".")
        return text.replace("-", "−")
    return f"{x:.4g}".replace("-", "−")


def interval_text(b: dict[str, Any] | None) -> str:
    if b is None:
        return "—"
    lo, hi = number(b["lo"]), number(b["hi"])
    left = "(" if b["lo_open"] or math.isinf(lo) else "["
    right = ")" if b["hi_open"] or math.isinf(hi) else "]"
    unit = f" {b['unit']}" if b.get("unit") else ""
    return f"{left}{fmt_num(lo)}, {fmt_num(hi)}{right}{unit}"


def nice_ticks(lo: float, hi: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi]; whole numbers only when ``integer``."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(lo / step) * step
    ticks: list[float] = []
    value = first
    while value <= hi + step * 1e-9 and len(ticks) < 50:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _domain(values: list[float], *, pad: float = 0.08) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi == lo:
        spread = abs(lo) * 0.1 or 1.0
        return lo - spread, hi + spread
    margin = (hi - lo) * pad
    return lo - margin, hi + margin


def _is_count(unit: str) -> bool:
    return unit == "count" or unit.endswith(" count")


NL_LABEL = 78.0
NL_ROW = 20.0


def number_line(
    stated: dict[str, Any] | None, computed: dict[str, Any] | None, *, width: int = 640
) -> dict[str, Any] | None:
    """Shapes for the stated and computed intervals on one axis, or None if nothing is finite."""
    pairs = (("stated", stated), ("computed", computed))
    bars_in = [(name, b) for name, b in pairs if b is not None]
    finite = [v for _, b in bars_in for v in (number(b["lo"]), number(b["hi"])) if math.isfinite(v)]
    if not finite:
        return None
    d0, d1 = _domain(finite)
    left, right = NL_LABEL + 8, float(width - 12)
    any_neg_inf = any(number(b["lo"]) == -math.inf for _, b in bars_in)
    any_pos_inf = any(number(b["hi"]) == math.inf for _, b in bars_in)
    plot_left = left + (36 if any_neg_inf else 0)
    plot_right = right - (36 if any_pos_inf else 0)

    def x(v: float) -> float:
        if v == -math.inf:
            return left
        if v == math.inf:
            return right
        return round(plot_left + (v - d0) / (d1 - d0) * (plot_right - plot_left), 2)

    bars: list[dict[str, Any]] = []
    for row, (name, b) in enumerate(bars_in):
        lo, hi = number(b["lo"]), number(b["hi"])
        y = 14 + row * NL_ROW
        if math.isnan(lo) or math.isnan(hi):
            bars.append({"name": name, "y": y, "undefined": True})
            continue
        bars.append(
            {
                "name": name,
                "y": y,
                "undefined": False,
                "x1": x(lo),
                "x2": x(hi),
                "point": lo == hi,
                "lo_cap": "arrow" if math.isinf(lo) else ("open" if b["lo_open"] else "closed"),
                "hi_cap": "arrow" if math.isinf(hi) else ("open" if b["hi_open"] else "closed"),
            }
        )
    gap = None
    spans = sorted((float(b["x1"]), float(b["x2"])) for b in bars if not b["undefined"])
    if len(spans) == 2 and spans[1][0] > spans[0][1] + 1:
        gap = {"x1": spans[0][1], "x2": spans[1][0]}
    axis_y = 14 + len(bars_in) * NL_ROW - 2
    integer = all(_is_count(str(b.get("unit", ""))) for _, b in bars_in)
    ticks = [
        {"x": x(t), "label": fmt_num(t)}
        for t in nice_ticks(d0, d1, 5, integer=integer)
        if d0 <= t <= d1
    ]
    return {
        "width": width,
        "height": axis_y + 20,
        "axis_y": axis_y,
        "label_x": NL_LABEL,
        "left": left,
        "right": right,
        "bars": bars,
        "ticks": ticks,
        "gap": gap,
    }


def _ordinal(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


def _date_ticks(d0: float, d1: float, days: list[float]) -> list[tuple[float, str]]:
    """Years on a long axis; the points' own dates on a short one."""
    first = dt.date.fromordinal(int(math.ceil(d0))).year
    last = dt.date.fromordinal(int(d1)).year
    years = [y for y in range(first, last + 2) if d0 <= dt.date(y, 1, 1).toordinal() <= d1]
    if len(years) >= 2:
        step = max(1, math.ceil(len(years) / 10))
        return [(float(dt.date(y, 1, 1).toordinal()), str(y)) for y in years[::step]]
    distinct = sorted(set(days))
    step = max(1, math.ceil(len(distinct) / 5))
    return [(d, dt.date.fromordinal(int(d)).isoformat()) for d in distinct[::step]]


def timeline(
    series: dict[str, Any], *, width: int = 1080, height: int = 250
) -> dict[str, Any] | None:
    """Shapes for one series: each figure at its period's end, as an interval in its unit."""
    points = series["points"]
    if not points:
        return None
    if len({p["end"] for p in points}) == 1:
        height = 170
    left, right, top, bottom = 64.0, float(width - 20), 18.0, float(height - 34)
    days = [float(_ordinal(p["end"])) for p in points]
    x0, x1 = (min(days), max(days))
    if x1 - x0 < 60:
        x0, x1 = x0 - 180, x1 + 180
    else:
        x0, x1 = x0 - (x1 - x0) * 0.06, x1 + (x1 - x0) * 0.06
    steps = series.get("registry") or []
    step_days = [float(_ordinal(st["end"])) for st in steps]
    if step_days:
        x0, x1 = min(x0, min(step_days)), max(x1, max(step_days))
    finite = [
        v for p in [*points, *steps] for v in (number(p["lo"]), number(p["hi"])) if math.isfinite(v)
    ]
    if not finite:
        return None
    y0, y1 = _domain(finite, pad=0.12)
    up = any(number(p["hi"]) == math.inf for p in points)
    down = any(number(p["lo"]) == -math.inf for p in points)
    plot_top = top + (22 if up else 0)
    plot_bottom = bottom - (22 if down else 0)

    def xs(day: float) -> float:
        return round(left + (day - x0) / (x1 - x0) * (right - left), 2)

    def ys(v: float) -> float:
        if v == math.inf:
            return top
        if v == -math.inf:
            return bottom
        return round(plot_bottom - (v - y0) / (y1 - y0) * (plot_bottom - plot_top), 2)

    sources = sorted({p["source"] for p in points})
    colour = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sources)}
    same_day: dict[str, list[int]] = {}
    for i, p in enumerate(points):
        same_day.setdefault(p["end"], []).append(i)
    marks = []
    for i, p in enumerate(points):
        siblings = same_day[p["end"]]
        offset = (siblings.index(i) - (len(siblings) - 1) / 2) * 9
        lo, hi = number(p["lo"]), number(p["hi"])
        finite_ends = [v for v in (lo, hi) if math.isfinite(v)]
        centre = sum(finite_ends) / len(finite_ends) if finite_ends else math.nan
        if math.isnan(centre):
            continue
        marks.append(
            {
                **p,
                "x": round(xs(days[i]) + offset, 2),
                "y_lo": ys(lo),
                "y_hi": ys(hi),
                "y": ys(centre),
                "arrow_up": hi == math.inf,
                "arrow_down": lo == -math.inf,
                "hollow": (p["lo_open"] and lo == centre) or (p["hi_open"] and hi == centre),
                "colour": colour[p["source"]],
                "label": (fmt_num(centre) if lo == hi else f"{fmt_num(lo)}–{fmt_num(hi)}")
                + f" ({p['period']})",
            }
        )
    # the registry as steps: from each stated date to the next, [surely, possibly] set up
    bands = []
    for k, st in enumerate(steps):
        lo, hi = number(st["lo"]), number(st["hi"])
        if not (math.isfinite(lo) and math.isfinite(hi)):
            continue
        start = xs(step_days[k])
        stop = xs(step_days[k + 1]) if k + 1 < len(steps) else right
        top_y, bottom_y = ys(hi), ys(lo)
        bands.append(
            {
                "x": start,
                "w": round(max(stop - start, 2.0), 2),
                "y": top_y,
                "h": round(max(bottom_y - top_y, 2.0), 2),
                "title": f"registry on {st['end']}: "
                + (
                    fmt_num(lo)
                    if lo == hi
                    else f"{fmt_num(lo)} set up surely, {fmt_num(hi)} possibly"
                ),
            }
        )
    y_ticks = [{"y": ys(t), "label": fmt_num(t)} for t in nice_ticks(y0, y1, 4) if y0 <= t <= y1]
    x_ticks = [{"x": xs(d), "label": label} for d, label in _date_ticks(x0, x1, days)]
    labelled: list[tuple[float, float, float]] = []
    for mark in marks:  # a label only where it does not run into an earlier one
        width_px = 6.2 * len(mark["label"])
        clash = [
            m
            for m in labelled
            if abs(m[1] - mark["y"]) < 13
            and mark["x"] < m[0] + m[2] + 4
            and m[0] < mark["x"] + width_px
        ]
        mark["show_label"] = not clash and len(marks) <= 60
        if mark["show_label"]:
            labelled.append((mark["x"], mark["y"], width_px))
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "marks": marks,
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "bands": bands,
        "legend": [{"source": s, "colour": colour[s]} for s in sources],
    }
