"""Geometry for the dashboard's server-rendered SVG charts (no JavaScript,
no chart library): the template draws the rectangles computed here."""

from __future__ import annotations

import math


def bar_chart(rows: list[tuple[str, int]], *, width: int = 560, bar: int = 22, gap: int = 8) -> dict:
    """Horizontal bars, one per row, labelled on the left."""
    label_w, value_w = 140, 50
    top = max((v for _label, v in rows), default=0) or 1
    span = width - label_w - value_w
    bars = []
    for i, (label, value) in enumerate(rows):
        y = i * (bar + gap)
        w = max(1, round(span * value / top)) if value else 0
        bars.append({
            "label": label, "value": value, "x": label_w, "y": y, "w": w, "h": bar,
            "label_y": round(y + bar * 0.7, 1), "value_x": label_w + w + 6,
        })
    return {
        "width": width,
        "height": max(len(rows), 1) * (bar + gap),
        "label_x": label_w - 8,
        "bars": bars,
    }


def _nice_top(value: float) -> float:
    """A round upper bound for the y axis (as a fraction, 0..1)."""
    if value <= 0:
        return 0.1
    for step in (0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0):
        if value <= step:
            return step
    return 1.0


def daily_rates_chart(rates, *, width: int = 640, height: int = 220) -> dict:
    """Grouped columns per day: the share of comments marked spam and the
    share flagged toxic."""
    left, bottom, top_pad = 44, 36, 10
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = _nice_top(max([max(r.spam_rate, r.toxic_rate) for r in rates] or [0]))
    n = max(len(rates), 1)
    slot = plot_w / n
    col = round(max(2, min(18, slot / 2 - 2)), 1)
    days = []
    label_every = max(1, math.ceil(n / 10))
    for i, r in enumerate(rates):
        x = round(left + i * slot + slot / 2, 1)
        spam_h = round(plot_h * r.spam_rate / top, 1)
        toxic_h = round(plot_h * r.toxic_rate / top, 1)
        days.append({
            "label": r.day.strftime("%d %b") if hasattr(r.day, "strftime") else str(r.day),
            "show_label": i % label_every == 0,
            "x": x,
            "total": r.total,
            "spam": {"x": round(x - col - 1, 1), "y": round(top_pad + plot_h - spam_h, 1), "h": spam_h,
                     "pct": round(100 * r.spam_rate, 1), "n": r.spam},
            "toxic": {"x": round(x + 1, 1), "y": round(top_pad + plot_h - toxic_h, 1), "h": toxic_h,
                      "pct": round(100 * r.toxic_rate, 1), "n": r.toxic},
        })
    grid = [
        {"y": round(top_pad + plot_h - plot_h * f, 1), "label": f"{round(100 * top * f, 1):g}%"}
        for f in (0, 0.2, 0.4, 0.6, 0.8, 1)
    ]
    return {
        "width": width, "height": height, "left": left, "right": width - 10,
        "base_y": top_pad + plot_h, "label_y": height - bottom + 16, "col": col,
        "days": days, "grid": grid,
    }
