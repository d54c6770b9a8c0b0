"""The real daemon run in a thread of its own, for tests that drive it from outside (a browser, HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from sentinel.app import Daemon


@contextlib.contextmanager
def daemon_in_thread(daemon: Daemon, *, name: str = "sentinel-daemon", start_within: float = 120) -> Iterator[str]:
    """Run ``daemon`` until the block ends; yields its base URL once it answers. A daemon that fails
    to start fails the test with its exception; the daemon is stopped as ``sentinel run`` stops it."""
    ready = threading.Event()
    loop_box: list[asyncio.AbstractEventLoop] = []
    failure: list[BaseException] = []

    async def main() -> None:
        loop_box.append(asyncio.get_running_loop())
        task = asyncio.create_task(daemon.run())
        waiting = asyncio.create_task(daemon.wait_ready())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        ready.set()
        await task

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:  # reported below
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        assert ready.wait(start_within), "the daemon did not start"
        assert not failure, failure
        yield f"http://127.0.0.1:{daemon.http_port}"
    finally:
        if loop_box:
            loop_box[0].call_soon_threadsafe(daemon.request_stop)
        thread.join(30)
