"""Charts of an incident's series (volume, heat, negative share, sentiment) as PNG, with a CJK font.

matplotlib's bundled DejaVu fonts have no Chinese glyphs: labels would print as boxes. The chart
looks for an installed CJK font through matplotlib's font manager (Debian: ``fonts-noto-cjk`` or
``fonts-wqy-microhei``) and, when there is none, says so once in the log, naming the packages,
rather than drawing boxes silently. Figures are built with the object API (no pyplot state), so
reports can be drawn in worker threads of the daemon.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")  # no display: reports are files

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from sentinel.escalation.obligations import ObligationKind  # noqa: E402

__all__ = ["CJK_FAMILIES", "cjk_font", "incident_charts"]

log = logging.getLogger(__name__)

#: Families tried in order; the first two are what ``.ci/run`` and the Dockerfile install.
CJK_FAMILIES = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Source Han Sans SC",
                "Noto Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")
MISSING_FONT = ("no CJK font found for report charts: Chinese labels would print as boxes; "
                "install fonts-noto-cjk or fonts-wqy-microhei (Debian/Ubuntu) and delete matplotlib's font cache")
_STATE_COLOURS = {"met": "#2e7d32", "breached": "#c62828", "open": "#ef6c00", "waived": "#757575"}
_lock = threading.Lock()  # matplotlib's rc parameters are global: one chart is drawn at a time


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None (logged once, naming the packages to install)."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    log.warning(MISSING_FONT)
    return None


def _label(marker: Mapping[str, Any]) -> str:
    kind = marker["kind"]
    if kind == "emergence":
        return "首发"
    if kind == "detection":
        return "发现"
    name = ObligationKind(marker["label"]).name_zh
    return f"{name}发布" if kind == "response" else f"{name}时限"


def _mark(ax: Any, markers: Sequence[Mapping[str, Any]], zone: ZoneInfo, *, labels: bool) -> None:
    for marker in markers:
        at = float(mdates.date2num(datetime.fromisoformat(marker["at"]).astimezone(zone)))
        colour = {"emergence": "#455a64", "detection": "#1565c0", "response": "#2e7d32"}.get(
            marker["kind"], _STATE_COLOURS.get(marker.get("state") or "open", "#ef6c00"))
        style = "-" if marker["kind"] == "response" else "--" if marker["kind"] == "deadline" else ":"
        ax.axvline(at, color=colour, linestyle=style, linewidth=1.1, alpha=0.9)
        if labels:
            ax.annotate(_label(marker), xy=(at, 1.0), xycoords=("data", "axes fraction"), rotation=90,
                        va="top", ha="right", fontsize=7, color=colour)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def incident_charts(series: Mapping[str, Any], zone: ZoneInfo) -> dict[str, bytes]:
    """``{"spread": PNG, "sentiment": PNG}`` from the report's ``series`` (points and markers)."""
    points = series["points"]
    markers = series["markers"]
    starts = mdates.date2num([datetime.fromisoformat(p["start"]).astimezone(zone) for p in points])
    width = series["bucket_seconds"] / 86400 * 0.8  # bar width in days, as matplotlib dates count
    family = cjk_font()
    rc: dict[Any, Any] = {"font.family": "sans-serif", "axes.unicode_minus": False}
    if family:
        rc["font.sans-serif"] = [family, "DejaVu Sans"]
    with _lock, matplotlib.rc_context(rc):
        spread = Figure(figsize=(9, 3.6))
        ax = spread.add_subplot()
        ax.bar(starts, [p["items"] for p in points], width=width, align="edge", color="#90caf9", label="信息量（条）")
        ax.set_ylabel("信息量（条）")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: 0, 1, 2 — never 0.0 to 1.0
        ax.set_ylim(bottom=0, top=max([p["items"] for p in points] + [1]) * 1.15)
        heat_ax = ax.twinx()
        heat_ax.step(starts, [p["heat"] if p["heat"] is not None else float("nan") for p in points], where="post",
                     color="#d84315", label="热度")
        heat_ax.set_ylabel("热度")
        _mark(ax, markers, zone, labels=True)
        ax.set_title("传播量与热度")
        _dates(ax, zone)
        bars, lines = ax.get_legend_handles_labels(), heat_ax.get_legend_handles_labels()
        ax.legend(bars[0] + lines[0], bars[1] + lines[1], loc="center right", fontsize=8)

        mood = Figure(figsize=(9, 3.2))
        ax = mood.add_subplot()
        ax.plot(starts, [p["negative_share"] * 100 if p["negative_share"] is not None else float("nan")
                         for p in points], marker="o", color="#c62828", label="负面占比（%）")
        ax.plot(starts, [p["sentiment"] * 100 if p["sentiment"] is not None else float("nan") for p in points],
                marker="s", color="#1565c0", label="平均情感值（×100，越高越正面）")
        ax.set_ylim(-5, 105)
        _mark(ax, markers, zone, labels=False)
        ax.set_title("情感走势")
        _dates(ax, zone)
        ax.legend(loc="center right", fontsize=8)
        return {"spread": _png(spread), "sentiment": _png(mood)}


def _dates(ax: Any, zone: ZoneInfo) -> None:
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=zone))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
