"""Charts of an incident over time, drawn on the server as inline SVG (no JavaScript, no build step).

:func:`charts` turns an :class:`~sentinel.incidents.series.IncidentSeries` into plain geometry —
bars, a polyline, marker lines, axis ticks — that the template writes out as SVG elements; every
text in it goes through Jinja's escaping like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo

from sentinel.incidents.series import IncidentSeries
from sentinel.web.console.labels import MARKER, OBLIGATION_STATE, obligation_name

WIDTH, HEIGHT = 640, 160
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 22, 22
#: marker labels that would overlap go on separate rows, so that 首发 and 发现 a few minutes apart are
#: not printed over each other: a label is LABEL_EM units a character (a phone draws them 17 units
#: high, console.css; a line of them 20), a row ROW_STEP units below the last
LABEL_EM, ROW_STEP = 18.0, 21.0
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Mark:
    x: float
    css: str  # emergence, detection, response, deadline-open, deadline-met, deadline-breached
    short: str
    title: str
    label_y: float = TOP - 6  # where its label's baseline is: staggered when marks crowd (:func:`_stagger`)
    anchor: str = "middle"  # "end" at the right edge, where a centred label would be cut off


@dataclass(frozen=True, slots=True)
class Band:
    """A stretch of time shaded behind a chart: the hours the incident was on a hot list."""

    x: float
    w: float
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(slots=True)
class Chart:
    title: str
    y_max: str
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # polyline points "x,y x,y ..."
    dots: list[tuple[float, float, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    top: float = TOP
    baseline: float = TOP + PLOT_H
    middle: float | None = None  # a reference line (sentiment's 0.5)


def charts(series: IncidentSeries, zone: tzinfo, now: datetime | None = None,
           listed: Sequence[tuple[datetime, datetime, str]] = ()) -> list[Chart]:
    """Volume (with the negative share), mean sentiment and heat, each with the same time axis and marks
    (and ``now``, when it falls on the chart), and the hours the incident was on a hot list shaded
    (``listed``: start, end and what list)."""
    start, end = series.start, series.end
    span = (end - start).total_seconds() or 1.0

    def x(at: datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * PLOT_W, 1)

    def y(value: float, top: float) -> float:
        return round(TOP + PLOT_H - (value / top if top else 0) * PLOT_H, 1)

    def local(at: datetime) -> str:
        return at.astimezone(zone).strftime("%m-%d %H:%M")

    marks = [_mark(m.kind, m.label, m.state, x(m.at), local(m.at)) for m in series.markers if start <= m.at <= end]
    if now is not None and start <= now <= end:
        marks.append(Mark(x(now), "now", "现在", f"现在 {local(now)}"))
    marks = _stagger(marks)
    bands = [Band(x(max(a, start)), max(x(min(b, end)) - x(max(a, start)), 1.0),
                  f"{label} {local(a)} – {local(b)}") for a, b, label in listed if b >= start and a <= end]
    count = len(series.points)
    step = max(1, count // 4)
    ticks = [Tick(min(max(x(p.start), LEFT + 14), WIDTH - RIGHT - 14), p.start.astimezone(zone).strftime("%H:%M" if series.bucket.days == 0 else "%m-%d"))
             for p in series.points[::step]]
    slot = PLOT_W / count

    most = max((p.items for p in series.points), default=0) or 1
    volume = Chart("声量（条/时段，深色为负面）", str(most), marks=marks, ticks=ticks, bands=bands)
    for p in series.points:
        if p.items:
            volume.bars.append(Bar(x(p.start) + 1, y(p.items, most), max(slot - 2, 1), round(p.items / most * PLOT_H, 1),
                                   "all", f"{local(p.start)} {p.items} 条，负面 {p.negative} 条"))
        if p.negative:
            volume.bars.append(Bar(x(p.start) + 1, y(p.negative, most), max(slot - 2, 1),
                                   round(p.negative / most * PLOT_H, 1), "negative", f"{local(p.start)} 负面 {p.negative} 条"))

    sentiment = Chart("情感均值（0 负面 — 1 正面）", "1", marks=marks, ticks=ticks, middle=y(0.5, 1.0), bands=bands)
    _line(sentiment, [(x(p.start) + slot / 2, y(p.sentiment, 1.0), f"{local(p.start)} 情感 {p.sentiment:.2f}")
                      for p in series.points if p.sentiment is not None])

    hottest = max((p.heat for p in series.points if p.heat is not None), default=0.0) or 1.0
    heat = Chart("热度", f"{hottest:.0f}", marks=marks, ticks=ticks, bands=bands)
    _line(heat, [(x(p.start) + slot / 2, y(p.heat, hottest), f"{local(p.start)} 热度 {p.heat:.1f}")
                 for p in series.points if p.heat is not None])
    return [volume, sentiment, heat]


def _stagger(marks: list[Mark]) -> list[Mark]:
    """The marks with their labels on rows: each on the first row whose last label ends to its left,
    so that no two labels overlap at the largest size a page draws them (a phone's)."""
    ends: list[float] = []  # where the last label on each row ends
    out = []
    for mark in sorted(marks, key=lambda m: m.x):
        width = len(mark.short) * LABEL_EM + 4
        anchor = "end" if mark.x + width / 2 > WIDTH - RIGHT else "middle"
        left = mark.x - width if anchor == "end" else mark.x - width / 2
        row = next((n for n, end in enumerate(ends) if end <= left), len(ends))
        if row == len(ends):
            ends.append(0.0)
        ends[row] = left + width
        out.append(replace(mark, label_y=TOP - 6 + row * ROW_STEP, anchor=anchor))
    return out


def _line(chart: Chart, points: list[tuple[float, float, str]]) -> None:
    chart.line = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
    chart.dots = [(round(px, 1), py, title) for px, py, title in points]


def _mark(kind: str, label: str, state: str | None, at_x: float, when: str) -> Mark:
    if kind == "deadline":
        name = obligation_name(label)
        return Mark(at_x, f"deadline-{state or 'open'}", "时限",
                    f"{name}时限 {when}（{OBLIGATION_STATE.get(state or 'open', state or '')}）")
    if kind == "response":
        return Mark(at_x, "response", "回应", f"{obligation_name(label)} {when}")
    return Mark(at_x, kind, MARKER.get(kind, kind), f"{MARKER.get(kind, kind)} {when}")
