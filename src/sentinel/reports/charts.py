"""Charts of an incident's series (volume, heat, negative share, sentiment) as PNG, with a CJK font.

matplotlib's bundled DejaVu fonts have no Chinese glyphs: labels would print as boxes. The chart
looks for an installed CJK font (Debian: ``fonts-wqy-microhei`` or ``fonts-noto-cjk``) in
matplotlib's font list and, since that list is a cache under the home directory built when
matplotlib first ran, also among the files fontconfig knows (:mod:`.fonts`), registering them with
matplotlib: a font installed after the cache was built is found without deleting anything. When
there is none it says so once in the log, naming the package, rather than drawing boxes silently
(and without matplotlib's warning per missing glyph). Figures are built with the object API (no
pyplot state), so reports can be drawn in worker threads of the daemon.
"""

from __future__ import annotations

import contextlib
import io
import logging
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # no display: reports are files

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sentinel.escalation.obligations import ObligationKind  # noqa: E402
from sentinel.reports.fonts import cjk_font_files, warn_missing_font  # noqa: E402

__all__ = ["CJK_FAMILIES", "chart_style", "cjk_font", "incident_charts", "sentiment_figure", "spread_figure"]

log = logging.getLogger(__name__)

#: Families tried in order; the first two are what ``.ci/run`` and the Dockerfile install. A font
#: collection (``.ttc``) is known to matplotlib by its first face: fonts-noto-cjk's is the JP one,
#: which has the Chinese glyphs too.
CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Source Han Sans SC",
                "Noto Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK JP")
_STATE_COLOURS = {"met": "#2e7d32", "breached": "#c62828", "open": "#ef6c00", "waived": "#757575"}
_lock = threading.Lock()  # matplotlib's rc parameters and font list are global: one chart at a time
_found: list[str] = []  # the family once found (a font is not uninstalled under a running daemon)
# Without a CJK font, matplotlib warns once per missing glyph; the log says once what to install instead.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from (current )?font", category=UserWarning)


def _known_family(files: frozenset[str] = frozenset()) -> str | None:
    entries = font_manager.fontManager.ttflist
    installed = {font.name for font in entries}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    # any other font that fontconfig says covers Chinese
    return next((font.name for font in entries if font.fname in files), None)


def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None (logged once, naming the package to install).

    A font missing from matplotlib's cached list but known to fontconfig is registered with
    matplotlib (``font_manager.addfont``) for this process; a font installed while the daemon runs
    is found by the next chart."""
    with _lock:
        if _found:
            return _found[0]
        family = _known_family()
        files: tuple[str, ...] = ()
        if family is None:
            files = cjk_font_files()
            known = {font.fname for font in font_manager.fontManager.ttflist}
            for path in files:
                if path not in known:
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError) as exc:  # a file FreeType cannot read
                        log.info("matplotlib cannot load the font %s: %s", path, exc)
            family = _known_family(frozenset(files))
        if family is not None:
            _found.append(family)
        elif not files:
            warn_missing_font()
        return family


def _label(marker: Mapping[str, Any]) -> str:
    kind = marker["kind"]
    if kind == "emergence":
        return "首发"
    if kind == "detection":
        return "发现"
    name = ObligationKind(marker["label"]).name_zh
    # a release is its obligation's name (权威信息发布, not 权威信息发布发布); its deadline, name + 时限
    return name if kind == "response" else f"{name}时限"


def _mark(ax: Any, markers: Sequence[Mapping[str, Any]], zone: ZoneInfo, *, labels: bool) -> list[Any]:
    """A vertical line per marker; with ``labels``, each named at the top of the axes, horizontally
    (a leader reads it without turning the page), in rows so that no two labels cover each other."""
    placed: list[tuple[float, Any]] = []
    for marker in markers:
        at = float(mdates.date2num(datetime.fromisoformat(marker["at"]).astimezone(zone)))
        colour = {"emergence": "#455a64", "detection": "#1565c0", "response": "#2e7d32"}.get(
            marker["kind"], _STATE_COLOURS.get(marker.get("state") or "open", "#ef6c00"))
        style = "-" if marker["kind"] == "response" else "--" if marker["kind"] == "deadline" else ":"
        ax.axvline(at, color=colour, linestyle=style, linewidth=1.1, alpha=0.9)
        if labels:
            text = ax.annotate(_label(marker), xy=(at, 1.0), xycoords=("data", "axes fraction"),
                               xytext=(2, -2), textcoords="offset points", va="top", ha="left", fontsize=8,
                               color=colour, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                                                   "edgecolor": "none", "alpha": 0.85})
            placed.append((at, text))
    placed.sort(key=lambda pair: pair[0])
    texts = [text for _, text in placed]
    if texts:
        _stack(ax, texts)
    return texts


def _stack(ax: Any, texts: Sequence[Any]) -> None:
    """Labels in x order go into the first row (from the top down) where they clear the label before
    them; one that would run past the right edge is written to the left of its line instead."""
    figure = ax.get_figure()
    ax.set_xlim(ax.get_xlim())  # the limits as the bars and lines made them: fixed before measuring
    renderer = figure.canvas.get_renderer()
    right_edge = ax.get_window_extent(renderer).x1
    points = figure.dpi / 72  # display pixels per point
    rows: list[float] = []  # per row, the rightmost pixel taken
    for text in texts:
        box = text.get_window_extent(renderer)
        if box.x1 > right_edge:
            text.set_ha("right")
            text.set_position((-2, -2))
            box = text.get_window_extent(renderer)
        row = next((n for n, taken in enumerate(rows) if box.x0 > taken + 2 * points), len(rows))
        if row == len(rows):
            rows.append(box.x1)
        else:
            rows[row] = box.x1
        text.set_position((text.get_position()[0], -2 - row * (box.height / points + 2)))


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """Where figures are built and drawn: the CJK font in matplotlib's rc parameters, one chart at a
    time (labels are measured while a figure is built, and measured in the font they are drawn in)."""
    family = cjk_font()
    rc: dict[Any, Any] = {"font.family": "sans-serif", "axes.unicode_minus": False}
    if family:
        rc["font.sans-serif"] = [family, "DejaVu Sans"]
    with _lock, matplotlib.rc_context(rc):
        yield


def incident_charts(series: Mapping[str, Any], zone: ZoneInfo) -> dict[str, bytes]:
    """``{"spread": PNG, "sentiment": PNG}`` from the report's ``series`` (points and markers)."""
    with chart_style():
        return {"spread": _png(spread_figure(series, zone)), "sentiment": _png(sentiment_figure(series, zone))}


def _starts(series: Mapping[str, Any], zone: ZoneInfo) -> Any:
    return mdates.date2num([datetime.fromisoformat(p["start"]).astimezone(zone) for p in series["points"]])


def spread_figure(series: Mapping[str, Any], zone: ZoneInfo) -> Figure:
    """Items per bucket (bars, counted in whole items) and heat (a step line, from 0), with the markers
    named at the top. Build and draw it inside :func:`chart_style`."""
    points = series["points"]
    starts = _starts(series, zone)
    width = series["bucket_seconds"] / 86400 * 0.8  # bar width in days, as matplotlib dates count
    figure = Figure(figsize=(9, 3.4))
    FigureCanvasAgg(figure)  # a renderer to measure the markers' labels with
    ax = figure.add_subplot()
    # an edge of its own colour: 5-minute bars on a chart of three days are a hair wide, and still seen
    ax.bar(starts, [p["items"] for p in points], width=width, align="edge", color="#90caf9", edgecolor="#1e88e5",
           linewidth=0.8, label="信息量（条）")
    ax.set_ylabel("信息量（条）")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: 0, 1, 2 — never 0.0 to 1.0
    # headroom above the tallest bar for the markers' labels
    ax.set_ylim(bottom=0, top=max([p["items"] for p in points] + [1]) * 1.35)
    heat_ax = ax.twinx()
    heats = [p["heat"] if p["heat"] is not None else float("nan") for p in points]
    heat_ax.step(starts, heats, where="post", color="#d84315", label="热度")
    heat_ax.set_ylabel("热度")
    # from 0, as the counts are: a rise from 5.2 to 6.8 must not look like one from nothing to everything
    heat_ax.set_ylim(bottom=0, top=max([h for h in heats if h == h] + [1.0]) * 1.35)
    ax.set_title("传播量与热度")
    _dates(ax, zone)
    bars, lines = ax.get_legend_handles_labels(), heat_ax.get_legend_handles_labels()
    ax.legend(bars[0] + lines[0], bars[1] + lines[1], loc="center right", fontsize=8)
    _mark(ax, series["markers"], zone, labels=True)
    return figure


def sentiment_figure(series: Mapping[str, Any], zone: ZoneInfo) -> Figure:
    """Negative share and mean sentiment per bucket, in percent, with the markers' lines unnamed (the
    spread chart above names them)."""
    points = series["points"]
    starts = _starts(series, zone)
    figure = Figure(figsize=(9, 3.0))
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    ax.plot(starts, [p["negative_share"] * 100 if p["negative_share"] is not None else float("nan")
                     for p in points], marker="o", color="#c62828", label="负面占比（%）")
    ax.plot(starts, [p["sentiment"] * 100 if p["sentiment"] is not None else float("nan") for p in points],
            marker="s", color="#1565c0", label="平均情感值（×100，越高越正面）")
    ax.set_ylim(-5, 105)
    _mark(ax, series["markers"], zone, labels=False)
    ax.set_title("情感走势")
    _dates(ax, zone)
    ax.legend(loc="center right", fontsize=8)
    return figure


def _dates(ax: Any, zone: ZoneInfo) -> None:
    # the x values are plain day numbers (date2num): without a date locator matplotlib would tick them
    # as floats, at 12:48, 17:36…; this one ticks whole hours of the report's zone
    locator = mdates.AutoDateLocator(tz=zone, minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=zone))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
