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
