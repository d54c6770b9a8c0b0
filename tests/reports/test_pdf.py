"""A PDF is rendered by WeasyPrint in a child process: the daemon that archives its daily briefing as
PDF does not keep WeasyPrint, Pango and their fonts (about 50 MB of its 300) for the rest of its life."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.reports.incident import build_incident_report
from sentinel.reports.pdf import PdfError, html_to_pdf
from tests.reports.test_incident_report import NOW

SRC = Path(__file__).resolve().parents[2] / "src"

# a fresh interpreter: the test run's own may have loaded WeasyPrint already
RENDER = """
import json, sys
from zoneinfo import ZoneInfo
from sentinel.reports.render import render
report = json.loads(open(sys.argv[1], encoding="utf-8").read())
pdf = render(report, "pdf", zone=ZoneInfo("Asia/Shanghai"))
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("weasyprint", "pydyf", "tinycss2"))
print(pdf[:5].decode("ascii"), len(pdf), json.dumps(loaded))
"""


def test_a_pdf_is_rendered_without_loading_weasyprint_in_the_process(answered, tmp_path) -> None:
    report_file = tmp_path / "report.json"
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    report_file.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", RENDER, str(report_file)], capture_output=True, text=True,
                          timeout=180, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert done.returncode == 0, done.stderr[-3000:]
    magic, size, loaded = done.stdout.split()
    assert magic == "%PDF-" and int(size) > 10_000
    assert json.loads(loaded) == []


def test_a_pdf_that_takes_too_long_is_an_error_that_says_so() -> None:
    with pytest.raises(PdfError, match="took more than"):
        html_to_pdf("<html><body><h1>舆情日报</h1></body></html>", timeout=0.01)


def test_a_stop_kills_a_render_under_way_and_the_render_says_it_was_stopped() -> None:
    import threading
    import time

    from sentinel.reports.pdf import RenderStopped, stop_rendering

    # a long page: thousands of table rows take WeasyPrint far longer than the stop waits
    rows = "".join(f"<tr><td>{n}</td><td>安阳化工厂发生坍塌</td></tr>" for n in range(20000))
    outcome: list[BaseException | bytes] = []
    worker = threading.Thread(target=lambda: outcome.append(_attempt(f"<table>{rows}</table>")))
    worker.start()
    deadline = time.monotonic() + 30
    while not stop_rendering() and time.monotonic() < deadline:  # until the child is running
        time.sleep(0.05)
    worker.join(30)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], RenderStopped), outcome
    assert stop_rendering() == 0  # nothing left running


def _attempt(html: str) -> BaseException | bytes:
    try:
        return html_to_pdf(html)
    except PdfError as error:
        return error


def test_weasyprints_line_per_font_without_harfbuzz_is_said_once_with_what_to_install(caplog) -> None:
    from sentinel.reports import pdf

    # the lines a child wrote on a machine without libharfbuzz-subset0, one per font per PDF
    fallback = ('Using fontTools instead of HarfBuzz-Subset for font "{}". This will be unsupported in future '
                "versions of WeasyPrint. Please install HarfBuzz-Subset >= 4.1.0 with your package manager.")
    pdf._SLOW_SAID.clear()
    with caplog.at_level("WARNING", logger="sentinel.reports.pdf"):
        pdf.log_child_lines([fallback.format("WenQuanYi Micro Hei"), fallback.format("DejaVu Sans")])
        pdf.log_child_lines([fallback.format("WenQuanYi Micro Hei"), "an image could not be read"])
    said = [record.getMessage() for record in caplog.records]
    assert said == [pdf.SLOW_SUBSET, "an image could not be read"]
    assert "libharfbuzz-subset0" in said[0]
