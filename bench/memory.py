"""Memory of a whole process tree as PSS (proportional set size), for the benchmarks.

RSS counts every shared page in full in every process that maps it, so the RSS of a daemon and its
forked parse workers adds the same libraries up several times; PSS splits each shared page between
the processes sharing it, so the PSS of a tree adds up to what it really holds. Read from
``/proc/PID/smaps_rollup`` (Linux 4.14+) for the process and all its descendants.

    with PeakPss() as peak:   # samples the tree every 0.1 s in a thread
        work()
    print(peak.mb)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType


def descendants(pid: int) -> list[int]:
    """The process's children, their children, and so on (from /proc/PID/task/*/children)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(children)
            pending.extend(children)
    return found


def pss_mb(pid: int) -> float:
    """One process's PSS in MB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(pid: int | None = None) -> float:
    """PSS of a process (default: this one) and all its descendants, in MB."""
    return sum(tree_parts(pid).values())


def tree_parts(pid: int | None = None) -> dict[str, float]:
    """PSS in MB of a process (default: this one) and of each of its descendants, keyed by what each
    runs (the root as ``main``, the others by their command line's last ``-m`` module or word)."""
    root = os.getpid() if pid is None else pid
    parts = {"main": pss_mb(root)}
    for each in descendants(root):
        name = _what(each)
        parts[name] = parts.get(name, 0.0) + pss_mb(each)
    return parts


def _what(pid: int) -> str:
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return "gone"
    words = [word for word in words if word]
    if "-m" in words[:-1]:
        return words[words.index("-m") + 1]
    return " ".join(Path(word).name for word in words[:3]) or "?"


class PeakPss:
    """The highest :func:`tree_pss_mb` seen while the block ran, sampled every ``interval`` s;
    ``parts``: the processes that made it up at that moment (:func:`tree_parts`), ``said()`` both."""

    def __init__(self, pid: int | None = None, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.mb = 0.0
        self.parts: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="pss-sampler", daemon=True)

    def _sample(self) -> None:
        while True:
            self._take()
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        self._take()

    def _take(self) -> None:
        parts = tree_parts(self.pid)
        if sum(parts.values()) > self.mb:
            self.mb, self.parts = sum(parts.values()), parts

    def said(self) -> str:
        """"371 MB (main 262, sentinel.reports.pdf 98, …)": the peak and what made it up."""
        parts = ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(self.parts.items(), key=lambda part: -part[1]))
        return f"{self.mb:.0f} MB ({parts})"
