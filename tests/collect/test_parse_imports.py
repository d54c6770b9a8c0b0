"""The parse pool's workers import what parsing needs and no more: each worker is a process of its
own, and every module it imports is memory held once per worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sentinel.collect.hotlist.parsers import PARSERS
from sentinel.settings import HotlistPlatform

HEAVY = ["httpx", "pydantic", "sqlalchemy", "fastapi", "jieba", "sentinel.settings", "sentinel.analyse",
         "sentinel.escalation", "sentinel.collect.fetcher", "sentinel.store"]


def test_a_worker_imports_the_parsers_without_httpx_settings_or_analysis() -> None:
    probe = ("import sys; import sentinel.collect.cpu; "
             f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]", done.stdout


WORKERS_PRIVATE_MB = """
import asyncio
from sentinel.collect.cpu import ParsePool

def private_mb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        return sum(int(line.split()[1]) for line in rollup if line.startswith(("Private_Clean:", "Private_Dirty:"))) / 1024

async def main():
    pool = ParsePool(2)
    await pool.warm()
    print(max(private_mb(pid) for pid in pool.worker_pids()))
    pool.close()

asyncio.run(main())
"""


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="reads memory from /proc (Linux 4.14+)")
def test_the_workers_share_the_parsers_the_fork_server_imported() -> None:
    """The fork server imports the parsers once and the workers forked from it share those pages (18 MB
    private to each worker that imported them itself, 5 MB now)."""
    done = subprocess.run([sys.executable, "-c", WORKERS_PRIVATE_MB], capture_output=True, text=True, timeout=120,
                          check=True)
    assert float(done.stdout) < 10, done.stdout


def test_every_hot_list_platform_has_its_parser() -> None:
    assert set(PARSERS) == {platform.value for platform in HotlistPlatform}
