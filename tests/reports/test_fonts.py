"""A CJK font installed after matplotlib built its font cache is still found by the charts and the
PDF, and a machine without one says so in one line, not one per glyph.

Each step runs in a child process with its own matplotlib cache (``MPLCONFIGDIR``) and its own
fontconfig configuration (``FONTCONFIG_FILE``) listing only matplotlib's bundled DejaVu fonts and a
temporary font folder, so nothing here depends on, or touches, the fonts or caches of the machine's
home directory. "Installing" a font is copying a CJK font file of this machine into that folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib
import pytest

from sentinel.reports.fonts import cjk_font_files
from sentinel.reports.incident import build_incident_report
from tests.reports.test_incident_report import NOW

SRC = Path(__file__).resolve().parents[2] / "src"
DEJAVU = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # always there: matplotlib ships it

# a cache built by matplotlib on a machine without the font: this machine's, minus its CJK fonts
BUILD_STALE_CACHE = """
import sys
import matplotlib
from matplotlib import font_manager
cjk = set(sys.argv[1:])
manager = font_manager.fontManager
manager.ttflist = [font for font in manager.ttflist if font.fname not in cjk]
font_manager.json_dump(manager, f"{matplotlib.get_cachedir()}/fontlist-v{manager.__version__}.json")
"""

BEFORE = """
import logging, sys
from sentinel.reports.fonts import missing_font_message
from sentinel.reports.charts import cjk_font
from sentinel.reports.render import render
import json
logging.basicConfig(level="WARNING")  # as the CLI configures it: WeasyPrint's warnings would show
print("MESSAGE", missing_font_message())
print("FAMILY", cjk_font())
report = json.loads(open(sys.argv[1], encoding="utf-8").read())
render(report, "pdf", zone=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
"""

AFTER = """
import json, sys, warnings
from zoneinfo import ZoneInfo
from matplotlib import font_manager
from sentinel.reports.fonts import missing_font_message
from sentinel.reports.charts import cjk_font, incident_charts
from sentinel.reports.render import render

report = json.loads(open(sys.argv[1], encoding="utf-8").read())
zone = ZoneInfo("Asia/Shanghai")
assert missing_font_message() is None
family = cjk_font()
print("FAMILY", family)
print("FILE", font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    incident_charts(report["series"], zone)
print("MISSING", [str(w.message) for w in caught if "missing from" in str(w.message)])
open(sys.argv[2], "wb").write(render(report, "pdf", zone=zone))
"""


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _values(stdout: str) -> dict[str, str]:
    return dict(line.split(" ", 1) for line in stdout.splitlines() if " " in line)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("fc-list") is None or shutil.which("pdffonts") is None,
                    reason="needs fontconfig's fc-list and poppler-utils (.ci/run installs both)")
@pytest.mark.parametrize("answered", ["sqlite"], indirect=True)  # the fonts do not depend on the store
def test_a_font_installed_after_matplotlibs_cache_was_built_draws_chinese(answered, tmp_path) -> None:
    system_cjk = cjk_font_files()
    if not system_cjk:
        pytest.skip("no CJK font on this machine to install (.ci/run installs fonts-wqy-microhei)")
    report_file = tmp_path / "report.json"
    report = build_incident_report(answered.engine, answered.settings, answered.incident_id, now=NOW)
    report_file.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{DEJAVU}</dir><dir>{fonts}</dir><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>
""", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC), "MPLCONFIGDIR": str(tmp_path / "mpl"),
           "FONTCONFIG_FILE": str(config), "HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "cache")}

    _run(BUILD_STALE_CACHE, env, *system_cjk)
    assert list((tmp_path / "mpl").glob("fontlist-*.json"))

    # no CJK font: one line saying what to install, not WeasyPrint's warning per glyph
    before = _run(BEFORE, env, str(report_file))
    values = _values(before.stdout)
    assert "fonts-wqy-microhei" in values["MESSAGE"] and values["FAMILY"] == "None"
    assert ".notdef" not in before.stderr
    assert before.stderr.count("fonts-wqy-microhei") == 1, before.stderr[-3000:]

    # install a font (the cache is left as it was) and draw again
    font = next((path for path in system_cjk if "wqy" in path.lower()), system_cjk[0])
    installed = fonts / Path(font).name
    shutil.copy(font, installed)
    after = _run(AFTER, env, str(report_file), str(tmp_path / "report.pdf"))
    values = _values(after.stdout)
    assert values["FAMILY"] != "None"
    assert values["FILE"] == str(installed)  # the chart's labels are drawn with the installed font
    assert values["MISSING"] == "[]"  # and every Chinese glyph was in it
    embedded = subprocess.run(["pdffonts", str(tmp_path / "report.pdf")], capture_output=True, text=True,
                              check=True, env=env).stdout
    text = subprocess.run(["pdftotext", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True, env=env).stdout
    def squeeze(name: str) -> str:
        return name.replace(" ", "").replace("-", "").lower()

    assert squeeze(values["FAMILY"]) in squeeze(embedded), embedded  # the PDF embeds the installed font
    assert "舆情处置效果评估报告" in text and "宁夏两客车相撞11人死" in text
