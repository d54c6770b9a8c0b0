"""Report work in a child process, which a stop of the daemon can end.

Two pieces of a report's work run as ``python -m MODULE`` children, so that the memory they take goes
with the child instead of staying in the daemon (a Python process does not give its small-object heap
back): laying a PDF out with WeasyPrint (:mod:`.pdf`) and building the day's briefing (:mod:`.briefing`).
:func:`run_child` runs one with the input on its stdin and returns its stdout and the lines of its
stderr; :func:`stop_children` kills those under way, so that a stop does not wait minutes for a long
report (the report is built again after the restart).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from sentinel.errors import SentinelError

__all__ = ["ChildFailed", "ChildStopped", "run_child", "stop_children"]

log = logging.getLogger(__name__)

#: the folder that holds the ``sentinel`` package, for the child's import path
_ROOT = str(Path(__file__).resolve().parents[2])

_LOCK = threading.Lock()
_CHILDREN: dict[subprocess.Popen[bytes], bool] = {}  # children under way → killed by stop_children


class ChildFailed(SentinelError):
    """The child failed, or did not finish in time."""


class ChildStopped(ChildFailed):
    """The child was killed by :func:`stop_children`: not a failure of the report."""


def run_child(module: str, given: bytes | Path, *, timeout: float, what: str) -> tuple[bytes, list[str]]:
    """Run ``python -m module`` with ``given`` (bytes, or a file's content) on its stdin: its stdout
    and the lines it wrote on stderr. ``what`` names the work in errors ("rendering the PDF")."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([_ROOT, path]) if path else _ROOT}
    with contextlib.ExitStack() as stack:
        source: IO[bytes] | int = (stack.enter_context(given.open("rb")) if isinstance(given, Path)
                                   else subprocess.PIPE)
        child = stack.enter_context(subprocess.Popen([sys.executable, "-m", module], stdin=source,
                                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env))
        with _LOCK:
            _CHILDREN[child] = False
        try:
            out, err = child.communicate(None if isinstance(given, Path) else given, timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise ChildFailed(f"{what} took more than {timeout:.0f} s") from None
        finally:
            with _LOCK:
                stopped = _CHILDREN.pop(child)
    said = err.decode("utf-8", errors="replace").strip().splitlines()
    if child.returncode != 0:
        if stopped:
            raise ChildStopped(f"{what} was stopped: sentinel is stopping")
        if len(said) > 1:  # a traceback: the error says its last line
            log.warning("%s failed; the child said:\n%s", what, "\n".join(said[-40:]))
        raise ChildFailed(f"{what} failed: {said[-1] if said else f'exit status {child.returncode}'}")
    return out, said


def stop_children() -> int:
    """Kill the children under way; how many there were."""
    with _LOCK:
        children = list(_CHILDREN)
        _CHILDREN.update(dict.fromkeys(children, True))
    for child in children:
        child.kill()
    return len(children)
