"""The file of outbox rows in flight: what a restarted process reads, and what it trusts."""

from __future__ import annotations

from pathlib import Path

from sentinel.notify.inflight import InFlight


def test_the_rows_handed_to_senders_and_not_yet_recorded_outlive_the_process(tmp_path: Path) -> None:
    path = tmp_path / "sentinel-store-1.sending"
    assert InFlight(path).previous() is None  # never written: nobody knows
    journal = InFlight(path)
    journal.add([7, 8])
    journal.add([9])
    journal.remove([7, 8])
    assert InFlight(path).previous() == {9}  # what a process started again reads
    journal.remove([9])
    assert InFlight(path).previous() == set()


def test_a_file_that_cannot_say_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "sentinel-store-1.sending"
    InFlight(path).add([1])
    lines = path.read_text().split("\n")
    for broken in ("", "something else\n" + "\n".join(lines[1:]), "\n".join([lines[0], "another-boot", lines[2]]),
                   "\n".join([lines[0], lines[1], "1 two"])):
        path.write_text(broken)
        assert InFlight(path).previous() is None, broken


def test_no_room_for_the_file_does_not_stop_sending(tmp_path: Path, caplog) -> None:
    path = tmp_path / "sentinel-store-1.sending"
    InFlight(path).add([1])
    journal = InFlight(path)
    journal.path = tmp_path / "gone" / path.name  # its folder removed: every write fails, as on a full disk
    journal.add([2])
    journal.add([3])
    assert InFlight(journal.path).previous() is None  # a restart marks every row it held
    assert sum("cannot keep the outbox rows in flight" in r.getMessage() for r in caplog.records) == 1
