"""Which outbox rows this process has handed to a sender and not yet recorded, kept in a small file
beside its identity's lock (:mod:`sentinel.identity`), so that after a crash it knows which of the
rows it had claimed may have gone out.

A drain claims up to ``batch`` rows at once and sends them one after another; when the process dies,
only the rows handed to a sender whose outcome was not yet written can have arrived. Started again
under the same identity, the process reads the file before anything else: those rows are sent again
marked 重发, the others simply go out for the first time (:func:`~sentinel.notify.claiming.take_back`).
A commit per send would record the same in the database at the price of a transaction per message;
the file costs a small write and a rename, survives the process (not the machine) and serves only
the process that restarts under the same name.

When the file tells nothing for sure — missing, unreadable, or written before the machine last
booted (a file never synced may hold an older set) — every row is treated as possibly sent, as when
another process takes over a dead one's rows after their lease.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["InFlight"]

log = logging.getLogger(__name__)

_HEADER = "sentinel outbox rows in flight v1"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot() -> str:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:  # not Linux: no way to tell a reboot, so the file is trusted only within one boot id ""
        return ""


class InFlight:
    """The set of rows in flight, mirrored to ``path`` every time it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ids: set[int] = set()
        self._boot = _boot()
        self._failing = False  # the last save failed (logged once until one succeeds)

    def previous(self) -> set[int] | None:
        """The rows the previous process under this identity had in flight when it died; None when
        the file cannot say (then all of its rows may have gone out). Read before the first :meth:`add`."""
        try:
            header, boot, ids = (self.path.read_text(encoding="ascii").split("\n") + ["", ""])[:3]
        except (OSError, UnicodeDecodeError):
            return None
        if header != _HEADER or boot != self._boot:
            return None
        try:
            return {int(part) for part in ids.split()}
        except ValueError:
            return None

    def add(self, ids: Iterable[int]) -> None:
        """``ids`` are about to be handed to a sender (written before the send starts)."""
        self._ids.update(ids)
        self._save()

    def remove(self, ids: Iterable[int]) -> None:
        """``ids``' outcomes are written: whatever happens now, they are not in doubt."""
        before = len(self._ids)
        self._ids.difference_update(ids)
        if len(self._ids) != before:
            self._save()

    def _save(self) -> None:
        # a new file renamed over the old one: a process killed mid-write leaves the old set or the
        # new one, never half of one (no fsync: it has to outlive the process, not the machine)
        draft = self.path.with_name(self.path.name + ".new")
        try:
            draft.write_text(f"{_HEADER}\n{self._boot}\n{' '.join(map(str, sorted(self._ids)))}", encoding="ascii")
            os.replace(draft, self.path)
        except OSError as exc:
            # no room in the temporary folder (a full disk): sending goes on; without the file a
            # restart marks every row it held, as when nothing could be known
            for stale in (draft, self.path):
                with contextlib.suppress(OSError):
                    stale.unlink()
            if not self._failing:
                log.warning("cannot keep the outbox rows in flight in %s (%s): after a crash every row this "
                            "process held is resent marked 重发", self.path, exc)
            self._failing = True
            return
        if self._failing:
            log.warning("the outbox rows in flight are kept in %s again", self.path)
        self._failing = False
