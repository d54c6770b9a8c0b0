"""A process's lease identity: the same after a restart, never shared by two live processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sentinel.identity import process_identity


def test_a_restart_gets_the_same_name_and_a_second_live_process_another(tmp_path: Path) -> None:
    url = "sqlite:////var/lib/sentinel/sentinel.db"
    first = process_identity(url, host="gov-01", directory=tmp_path)
    second = process_identity(url, host="gov-01", directory=tmp_path)  # alive at the same time
    other_store = process_identity("postgresql://db/sentinel", host="gov-01", directory=tmp_path)
    assert first.name.startswith("gov-01:") and first.name.endswith(":1")
    assert second.name.endswith(":2") and second.name.rsplit(":", 1)[0] == first.name.rsplit(":", 1)[0]
    assert other_store.name.endswith(":1") and other_store.name != first.name
    first.release()
    assert process_identity(url, host="gov-01", directory=tmp_path).name == first.name  # started again


def test_a_killed_process_leaves_its_name_to_the_next_one(tmp_path: Path) -> None:
    url = "sqlite:///x.db"
    code = (f"from pathlib import Path; from sentinel.identity import process_identity; "
            f"i = process_identity({url!r}, host='h', directory=Path({str(tmp_path)!r})); print(i.name, flush=True); "
            "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert dead.returncode != 0 and dead.stdout.strip().endswith(":1")
    assert process_identity(url, host="h", directory=tmp_path).name == dead.stdout.strip()
