"""The CJK font that report charts and PDFs need, found through fontconfig.

Neither matplotlib's bundled DejaVu nor a bare Debian has Chinese glyphs: without a CJK font every
Chinese character of a chart or a PDF is a box. WeasyPrint lays text out with Pango, which asks
fontconfig; matplotlib keeps its own font list, cached under the home directory
(``~/.cache/matplotlib``) when it first runs and not rebuilt when a font is installed later. So
fontconfig is the one source of truth here: :func:`cjk_font_files` lists what it knows (``fc-list
:lang=zh``), the charts register those files with matplotlib whatever its cache says, and
:func:`missing_font_message` is the one line a person needs when there is none — said once at start
(``sentinel run``, ``sentinel demo``) and once by the first PDF rendered without it, instead of
WeasyPrint's warning per missing glyph.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable

__all__ = ["FONT_PACKAGES", "cjk_font_files", "missing_font_message", "quiet_glyph_warnings", "warn_missing_font"]

#: What to install on Debian/Ubuntu (``.ci/run`` and the Dockerfile install the first).
FONT_PACKAGES = ("fonts-wqy-microhei", "fonts-noto-cjk")

log = logging.getLogger("sentinel.reports")
_said = threading.Event()


def cjk_font_files() -> tuple[str, ...]:
    """The files of the installed fonts that cover Chinese, as fontconfig lists them (empty when
    there is none, or no ``fc-list`` to ask). Not cached: a font installed while the daemon runs
    is found by the next report."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        listed = subprocess.run([fc_list, ":lang=zh", "--format=%{file}\\n"], capture_output=True, text=True,
                                timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(sorted({line.strip() for line in listed.splitlines() if line.strip()}))


def missing_font_message() -> str | None:
    """One line naming the package to install when no CJK font is installed; None when one is."""
    if cjk_font_files():
        return None
    where = "" if shutil.which("fc-list") else " (and fontconfig, whose fc-list sentinel asks)"
    return ("no Chinese (CJK) font installed: report PDFs and charts would show boxes for Chinese text; "
            f"install one, e.g. `apt-get install {FONT_PACKAGES[0]}` or {FONT_PACKAGES[1]}{where}")


def warn_missing_font(say: Callable[[str], object] | None = None) -> str | None:
    """Once per process: when no CJK font is installed, say so in one line (through ``say``, else as
    a warning in the log) and return the line. Every later call returns None without looking."""
    if _said.is_set():
        return None
    _said.set()
    message = missing_font_message()
    if message:
        (say or log.warning)(message)
    return message


class _NotdefFilter(logging.Filter):
    """Drops WeasyPrint's warning per glyph no font has (hundreds for one Chinese report) and says
    once instead what to install."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.getMessage().startswith(".notdef glyph rendered"):
            return True
        warn_missing_font()
        return False


_filter = _NotdefFilter()


def quiet_glyph_warnings() -> None:
    """Install the filter on WeasyPrint's logger (idempotent) and keep fontTools' subsetting notes
    (one per glyph it drops) out of the log."""
    weasyprint = logging.getLogger("weasyprint")
    if _filter not in weasyprint.filters:
        weasyprint.addFilter(_filter)
    for name in ("fontTools.subset", "fontTools.ttLib"):
        logger = logging.getLogger(name)
        if logger.level < logging.ERROR:
            logger.setLevel(logging.ERROR)
