"""The SMS/voice channels in the outbox: alerts for one person inside a minute become one call, and
the per-number limits survive a restart (counted from the delivered rows)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from sentinel.metrics import Metrics
from sentinel.notify.aliyun import AliyunVoiceSender
from sentinel.notify.base import send_client
from sentinel.notify.config import DeliveryConfig
from sentinel.notify.message import Message
from sentinel.notify.outbox import Dispatcher
from sentinel.notify.phone import VOICE_LIMITS, PhoneLimits
from sentinel.notify.phone_history import seed_limits
from sentinel.notify.serialisation import message_to_json
from sentinel.store.db import Database, open_database
from sentinel.store.models import Incident, OutboxMessage
from tests.notify.phone_fakes import ALIYUN_KEY_ID, ALIYUN_SECRET, FakeAliyun
from tests.notify.servers import NOW
from tests.support.server import LoopbackServer

PHONE = "13800000001"
S = timedelta(seconds=1)


@pytest.fixture
def db(database_url: str) -> Iterator[tuple[Database, int]]:
    database = open_database(database_url)
    with Session(database.engine) as session:
        incident = Incident(title="化工厂爆炸", emerged_at=NOW, detected_at=NOW, last_item_at=NOW, updated_at=NOW,
                            grade="II")
        session.add(incident)
        session.commit()
        assert incident.id is not None
        yield database, incident.id
    database.close()


def queue(database: Database, incident_id: int, key: str, *, at: datetime, title: str) -> None:
    message = Message(kind="new_incident", title=title, text_markdown=title, text_plain=title,
                      incident_id=str(incident_id), grade="II", mentions=(PHONE,), idempotency_key=key)
    with Session(database.engine) as session:
        session.add(OutboxMessage(key=key, action_key=key, incident_id=incident_id, kind="new_incident",
                                  channel="voice", recipients=[{"name": "李娜", "phone": PHONE, "role": "duty"}],
                                  grade="II", message=message_to_json(message), created_at=at, not_before=at))
        session.commit()


def states(database: Database) -> dict[str, str]:
    with Session(database.engine) as session:
        return {row.key: row.state for row in session.exec(select(OutboxMessage))}


def drains(database: Database, fake: FakeAliyun, moments: list[datetime], *, seed: datetime | None = None,
           before: Any = None) -> None:
    async def go() -> None:
        async with send_client() as client:
            sender = AliyunVoiceSender("voice", fake.url(), client, key_id=ALIYUN_KEY_ID, key_secret=ALIYUN_SECRET,
                                       tts_code="TTS_1", called_show_number=None,
                                       limits=PhoneLimits.parse(VOICE_LIMITS))
            senders = {"voice": sender}
            if seed is not None:
                seed_limits(database.engine, senders, now=seed)
            dispatcher = Dispatcher(database, senders, DeliveryConfig(), metrics=Metrics(), owner="one",
                                    channel_kinds={"voice": "aliyun_voice"})
            for moment in moments:
                if before is not None:
                    before(moment)
                await dispatcher.drain(moment)

    asyncio.run(go())


def test_alerts_for_one_person_inside_a_minute_are_one_call(db: tuple[Database, int], http_server: LoopbackServer,
                                                            ) -> None:
    database, incident = db
    fake = FakeAliyun(http_server, now=NOW)
    queue(database, incident, "a", at=NOW, title="化工厂爆炸")

    def arrive(moment: datetime) -> None:  # two more alerts come in during the minute after the first call
        if moment == NOW + 20 * S:
            queue(database, incident, "b", at=moment, title="桥梁垮塌")
        if moment == NOW + 30 * S:
            queue(database, incident, "c", at=moment, title="学校食物中毒")

    drains(database, fake, [NOW, NOW + 20 * S, NOW + 30 * S, NOW + 61 * S], before=arrive)
    assert [call.params["_variables"]["title"] for call in fake.accepted] == ["化工厂爆炸", "2条提醒"]
    assert states(database) == {"a": "delivered", "b": "delivered", "c": "delivered"}


def test_the_per_number_limits_survive_a_restart(db: tuple[Database, int], http_server: LoopbackServer) -> None:
    database, incident = db
    fake = FakeAliyun(http_server, now=NOW)
    queue(database, incident, "a", at=NOW, title="化工厂爆炸")
    drains(database, fake, [NOW])
    assert len(fake.accepted) == 1
    # a new process, 20 s later: the call of a moment ago still counts against the number's minute
    queue(database, incident, "b", at=NOW + 20 * S, title="桥梁垮塌")
    drains(database, fake, [NOW + 20 * S], seed=NOW + 20 * S)
    assert len(fake.accepted) == 1 and fake.requests == ["SingleCallByTts"]
    assert states(database)["b"] == "pending"
