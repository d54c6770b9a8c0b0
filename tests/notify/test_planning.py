"""Planning a channel's send: what fits its room now, what waits, and reminders folded into a digest."""

from __future__ import annotations

import pytest

from sentinel.notify.claiming import Queued
from sentinel.notify.planning import digest, plan
from tests.notify.samples import sample
from tests.notify.servers import NOW


def queued(number: int, kind: str = "reminder") -> Queued:
    return Queued(id=number, key=f"k{number}", action_key=f"a{number}", incident_id=1, obligation_id=None, kind=kind,
                  channel="ding", recipients=[], grade="II", message={}, created_at=NOW, attempts=0)


@pytest.mark.parametrize(("kinds", "room", "units", "held"), [
    ("rrr", None, [[0], [1], [2]], []),
    ("rrr", 3, [[0], [1], [2]], []),
    ("rrrrr", 3, [[0], [1], [2, 3, 4]], []),  # two singles, then a digest of the rest
    ("nnrnr", 3, [[0], [1], [2, 4]], [3]),  # non-reminders are never folded into a digest
    ("nnnn", 2, [[0], [1]], [2, 3]),
    ("rrnn", 2, [[0], [1]], [2, 3]),  # the last reminder takes the digest's slot by itself
    ("nrnr", 2, [[0], [1, 3]], [2]),
    ("rr", 0, [], [0, 1]),
])
def test_plan_fits_a_channel_queue_into_its_room(kinds: str, room: int | None, units: list[list[int]],
                                                  held: list[int]) -> None:
    rows = [queued(n, "reminder" if k == "r" else "new_incident") for n, k in enumerate(kinds)]
    got_units, got_held = plan(rows, room)
    assert [[row.id for row in unit] for unit in got_units] == units
    assert [row.id for row in got_held] == held


def test_a_digest_lists_every_member_and_merges_mentions() -> None:
    members = [sample(title=f"提醒{n} *粗体*", mentions=("13800000000", f"1390000000{n}")) for n in range(3)]
    merged = digest(members, key="digest:abc")
    assert merged.kind == "digest" and merged.title == "3条提醒" and merged.idempotency_key == "digest:abc"
    assert merged.mentions == ("13800000000", "13900000000", "13900000001", "13900000002")
    assert all(f"提醒{n}" in merged.text_plain and f"提醒{n} ＊粗体＊" in merged.text_markdown for n in range(3))
    assert "*粗体*" not in merged.text_markdown  # member titles are feed text: escaped
    assert merged.incident_id == "7" and merged.department == "应急管理局"
    mixed = digest([sample(grade="IV"), sample(grade="I", incident_id="8")], key="k")
    assert mixed.grade is not None and mixed.grade.value == "I" and mixed.incident_id is None
