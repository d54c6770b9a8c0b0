"""HTML to PDF with WeasyPrint, in a child process.

WeasyPrint with Pango, HarfBuzz, fontTools and Pillow takes about 50 MB once loaded, and a Python
process never gives that back: rendered in the daemon, the first daily briefing's PDF would hold it
there for good (the whole daemon is meant to stay under 300 MB). So :func:`html_to_pdf` runs
``python -m sentinel.reports.pdf``, which reads the HTML on stdin and writes the PDF on stdout; the
child's warnings are logged here, the one about a missing CJK font once per process (:mod:`.fonts`).

WeasyPrint embeds only the glyphs a PDF uses, cut out of the font by HarfBuzz's subsetter
(``libharfbuzz-subset0`` on Debian) or, when that library is missing, by fontTools, which reads a
whole CJK font into Python objects first: measured on one page of Chinese with WenQuanYi Micro Hei,
the child peaked at 128 MB and took 11 s with fontTools, 78 MB and 2 s with HarfBuzz. WeasyPrint
says so for every font of every PDF; here it is said once per process, with what to install.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from sentinel.errors import SentinelError
from sentinel.reports.fonts import warn_missing_font

log = logging.getLogger(__name__)

#: the folder that holds the ``sentinel`` package, for the child's import path
_ROOT = str(Path(__file__).resolve().parents[2])


_LOCK = threading.Lock()
_CHILDREN: dict[subprocess.Popen[bytes], bool] = {}  # renders under way → killed by stop_rendering

#: how the child's one line about a missing CJK font begins (:func:`.fonts.missing_font_message`)
MISSING_FONT = "no Chinese (CJK) font installed"
#: how WeasyPrint's line per font begins when HarfBuzz's subsetter is missing
NO_HARFBUZZ_SUBSET = "Using fontTools instead of HarfBuzz-Subset"
SLOW_SUBSET = ("PDF fonts are subset with fontTools because HarfBuzz's subsetter is not installed: each PDF "
               "takes about 50 MB more memory and several times longer; install it (`apt-get install "
               "libharfbuzz-subset0` on Debian/Ubuntu)")
_SLOW_SAID = threading.Event()


class PdfError(SentinelError):
    """WeasyPrint failed, or its process did not finish in time."""


class RenderStopped(PdfError):
    """The render was killed by :func:`stop_rendering`: not a failure of the report."""


def html_to_pdf(html: str, *, timeout: float = 300.0) -> bytes:
    """The PDF of a self-contained HTML page (only ``data:`` URLs are fetched), rendered in a child.
    :func:`stop_rendering` ends the children under way (the daemon stops): this then raises."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([_ROOT, path]) if path else _ROOT}
    with subprocess.Popen([sys.executable, "-m", "sentinel.reports.pdf"], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        with _LOCK:
            _CHILDREN[child] = False
        try:
            pdf, err = child.communicate(html.encode("utf-8"), timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise PdfError(f"rendering the PDF took more than {timeout:.0f} s") from None
        finally:
            with _LOCK:
                stopped = _CHILDREN.pop(child)
    said = err.decode("utf-8", errors="replace").strip().splitlines()
    if child.returncode != 0:
        if stopped:
            raise RenderStopped("rendering the PDF was stopped: sentinel is stopping")
        raise PdfError(f"rendering the PDF failed: {said[-1] if said else f'exit status {child.returncode}'}")
    log_child_lines(said)
    return pdf


def log_child_lines(lines: list[str]) -> None:
    """Log what the child wrote on stderr: each line as a warning, but the lines said per font or
    per glyph once per process, as what to install."""
    for line in lines:
        if line.startswith(MISSING_FONT):
            warn_missing_font()  # once per process, as when the PDF was rendered here
        elif line.startswith(NO_HARFBUZZ_SUBSET):
            if not _SLOW_SAID.is_set():
                _SLOW_SAID.set()
                log.warning("%s", SLOW_SUBSET)
        else:
            log.warning("%s", line)


def stop_rendering() -> int:
    """Kill the PDF renders under way, so that a stop does not wait minutes for a long report's
    layout (the report is built again after the restart); how many there were."""
    with _LOCK:
        children = list(_CHILDREN)
        _CHILDREN.update(dict.fromkeys(children, True))
    for child in children:
        child.kill()
    return len(children)


def layout(html: str) -> Any:
    """The page laid out on A4 by WeasyPrint in this process (a ``weasyprint.Document``): what the PDF
    holds, page by page and box by box. The child's work, and a test's way to measure it."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from sentinel.reports.fonts import quiet_glyph_warnings

    quiet_glyph_warnings()  # without a CJK font: one line saying what to install, not one per glyph
    # the charts are data: URLs; nothing else is fetched, whatever a feed's text might smuggle in
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).render()


def _render(html: str) -> bytes:
    pdf = layout(html).write_pdf()
    if pdf is None:  # write_pdf returns the bytes when given no target
        raise PdfError("WeasyPrint returned no PDF")
    return bytes(pdf)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    sys.stdout.buffer.write(_render(sys.stdin.buffer.read().decode("utf-8")))


if __name__ == "__main__":
    main()
