"""The parse pool's workers import what parsing needs and no more: each worker is a process of its
own, and every module it imports is memory held once per worker."""

from __future__ import annotations

import subprocess
import sys

from sentinel.collect.hotlist.parsers import PARSERS
from sentinel.settings import HotlistPlatform

HEAVY = ["httpx", "pydantic", "sqlalchemy", "fastapi", "jieba", "sentinel.settings", "sentinel.analyse",
         "sentinel.escalation", "sentinel.collect.fetcher", "sentinel.store"]


def test_a_worker_imports_the_parsers_without_httpx_settings_or_analysis() -> None:
    probe = ("import sys; from sentinel.collect.cpu import _import_parsers; _import_parsers(); "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stdout


def test_every_hot_list_platform_has_its_parser() -> None:
    assert set(PARSERS) == {platform.value for platform in HotlistPlatform}
