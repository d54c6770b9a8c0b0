"""This process's identity in leases (the outbox rows it claims, the engine lease): the same after a
restart, so that a process started again after a crash knows the leases its dead self held and
takes them back at once instead of waiting for them to run out.

The name is the host and a hash of the database URL (the store the leases live in), and a slot: the
first slot whose lock file nobody holds. The lock (``flock``, released by the kernel when the
process dies, however it dies) keeps two live processes on one host and one database from sharing a
name — a second daemon gets slot 2 — while a restart gets slot 1 again.
"""

from __future__ import annotations

import fcntl
import hashlib
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

__all__ = ["Identity", "process_identity"]

SLOTS = 64


@dataclass
class Identity:
    """A lease owner's name, held while its lock file is open."""

    name: str
    _lock: IO[str] | None = field(default=None, repr=False)
    in_flight: Path | None = None  # beside the lock: the outbox rows in flight (sentinel.notify.inflight)

    def release(self) -> None:
        """Let the slot go (at shutdown; a dead process's slot goes by itself)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def process_identity(database_url: str, *, host: str | None = None, directory: Path | None = None) -> Identity:
    """The first free slot's identity for this host and database (see the module docstring)."""
    host = (host or socket.gethostname())[:80]
    store = hashlib.sha256(database_url.encode("utf-8")).hexdigest()[:12]
    folder = directory or Path(tempfile.gettempdir())
    for slot in range(1, SLOTS + 1):
        handle = (folder / f"sentinel-{store}-{slot}.lock").open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live process: the next slot
            handle.close()
            continue
        return Identity(f"{host}:{store}:{slot}", handle, folder / f"sentinel-{store}-{slot}.sending")
    raise RuntimeError(f"{SLOTS} sentinel processes already run on this host and database")
