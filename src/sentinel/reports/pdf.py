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
import sys
import threading
from pathlib import Path
from typing import Any

from sentinel.reports.child import ChildFailed, ChildStopped, run_child, stop_children
from sentinel.reports.fonts import warn_missing_font

log = logging.getLogger(__name__)

#: how the child's one line about a missing CJK font begins (:func:`.fonts.missing_font_message`)
MISSING_FONT = "no Chinese (CJK) font installed"
#: how WeasyPrint's line per font begins when HarfBuzz's subsetter is missing
NO_HARFBUZZ_SUBSET = "Using fontTools instead of HarfBuzz-Subset"
SLOW_SUBSET = ("PDF fonts are subset with fontTools because HarfBuzz's subsetter is not installed: each PDF "
               "takes about 50 MB more memory and several times longer; install it (`apt-get install "
               "libharfbuzz-subset0` on Debian/Ubuntu)")
_SLOW_SAID = threading.Event()

#: WeasyPrint failed, or its process did not finish in time
PdfError = ChildFailed
#: the render was killed by :func:`stop_rendering`: not a failure of the report
RenderStopped = ChildStopped


def html_to_pdf(html: str | Path, *, timeout: float = 300.0) -> bytes:
    """The PDF of a self-contained HTML page (only ``data:`` URLs are fetched), or of the page in a
    file, rendered in a child. :func:`stop_rendering` ends the children under way (the daemon stops):
    this then raises :class:`RenderStopped`."""
    given = html if isinstance(html, Path) else html.encode("utf-8")
    pdf, said = run_child("sentinel.reports.pdf", given, timeout=timeout, what="rendering the PDF")
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
    """Kill the report children under way, PDF renders and briefings (:mod:`.child`), so that a stop
    does not wait minutes for a long report's layout (the report is built again after the restart);
    how many there were."""
    return stop_children()


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
