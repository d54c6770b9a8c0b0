"""One clock: no module but ``sentinel/clock.py`` reads the time (docs/architecture.md#the-one-clock).

A job asks its clock for ``now`` once and passes it down, so tests and replay can move time. Every
module under ``src/sentinel`` is parsed (not imported) and each use of a time-reading function
found, whether called or handed on as a value (``clock=time.monotonic``), in any of the forms it can
be written: ``datetime.now``, ``dt.datetime.now``, ``from time import monotonic``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import sentinel

ROOT = Path(sentinel.__file__).parent

#: module → name → the functions of it that read the time
READERS = {
    "datetime": {"datetime": {"now", "utcnow", "today"}, "date": {"today"}},
    "time": {"": {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns"}},
}

#: (module, what it reads) → why it may
ALLOWED: dict[tuple[str, str], str] = {
    ("sentinel.logthrottle", "time.monotonic"):
        "repeated log lines are throttled by real seconds, whatever clock the daemon runs on (a replay's "
        "virtual clock, the demo's accelerated one)",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def time_reads(source: str) -> Iterator[tuple[str, int]]:
    """Each use of a time-reading function in ``source``: its canonical name and line."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name → canonical dotted name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in READERS:
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module in READERS and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    readers = {f"{module}.{f'{owner}.' if owner else ''}{name}"
               for module, owners in READERS.items() for owner, names in owners.items() for name in names}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            dotted = _dotted(node)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head not in aliases:
                continue
            canonical = aliases[head] + (f".{rest}" if rest else "")
            if canonical in readers:  # named as it reads: datetime.now, date.today, time.monotonic
                yield canonical.removeprefix("datetime."), node.lineno


def _found() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        module = _module_name(path)
        if module == "sentinel.clock":
            continue
        found += [(module, name, line) for name, line in time_reads(path.read_text(encoding="utf-8"))]
    return found


def test_only_the_clock_reads_the_time() -> None:
    wrong = [f"{module} line {line} reads the time ({name}): take a Clock or `now` instead"
             for module, name, line in _found() if (module, name) not in ALLOWED]
    assert not wrong, "\n".join(wrong)


def test_every_allowed_exception_is_still_needed() -> None:
    seen = {(module, name) for module, name, _ in _found()}
    stale = [f"{module} no longer reads {name}: remove it from ALLOWED" for module, name in ALLOWED
             if (module, name) not in seen]
    assert not stale, "\n".join(stale)


@pytest.mark.parametrize(("source", "expected"), [
    ("from datetime import UTC, datetime\nx = datetime.now(UTC)", [("datetime.now", 2)]),
    ("import datetime as dt\nx = dt.datetime.utcnow()", [("datetime.utcnow", 2)]),
    ("from datetime import date\nx = date.today()", [("date.today", 2)]),
    ("import time\ndef f(clock=time.monotonic):\n    return clock()", [("time.monotonic", 2)]),
    ("from time import perf_counter as pc\nx = pc()", [("time.perf_counter", 2)]),
    ("import time\ntime.sleep(1.0)", []),
    ("from datetime import datetime\nx = datetime.fromisoformat('2026-01-01T00:00:00+08:00')", []),
    ("def f(clock):\n    return clock.now()", []),
])
def test_the_reader_sees_every_form(source: str, expected: list[tuple[str, int]]) -> None:
    assert sorted(time_reads(source)) == sorted(expected)
