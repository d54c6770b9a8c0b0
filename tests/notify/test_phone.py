"""The SMS and voice senders against loopback fakes that check their signatures as the services do."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import httpx
import pytest

from sentinel.notify.aliyun import AliyunSmsSender, AliyunVoiceSender, IvrMenu
from sentinel.notify.base import Delivery, Sender, send_client
from sentinel.notify.message import AckLink, Message
from sentinel.notify.phone import SMS_LIMITS, VOICE_LIMITS, PhoneLimits
from sentinel.notify.tencent import TencentSmsSender, TencentVoiceSender
from tests.notify.phone_fakes import (
    ALIYUN_KEY_ID,
    ALIYUN_SECRET,
    TENCENT_ID,
    TENCENT_KEY,
    FakeAliyun,
    FakeTencent,
)
from tests.notify.servers import NOW
from tests.support.server import LoopbackServer

T = TypeVar("T")
PHONE, OTHER = "13800000001", "13900000002"


def alert(*phones: str, key: str = "inc-42:new_incident", title: str = "郑州市中原区某化工厂发生爆炸，现场浓烟滚滚") -> Message:
    return Message(
        kind="new_incident", title=title, text_markdown="**来源**：微博", text_plain="来源：微博", incident_id="42",
        grade="II", link="https://sentinel.example.gov.cn/incidents/42", mentions=phones, idempotency_key=key,
        acks=tuple(AckLink(f"p{n}", f"https://sentinel.example.gov.cn/ack/K{n}", f"K{n}X7", phone)
                   for n, phone in enumerate(phones)),
    )


def run(make: Callable[[httpx.AsyncClient], Sender], *steps: Callable[[Sender], Awaitable[T]],
        timeout: float = 5.0) -> list[T]:
    async def go() -> list[T]:
        async with send_client(timeout=timeout) as client:
            sender = make(client)
            return [await step(sender) for step in steps]

    return asyncio.run(go())


def sending(message: Message, at: timedelta = timedelta(0)) -> Callable[[Sender], Awaitable[Delivery]]:
    return lambda sender: sender.send(message, now=NOW + at)


def aliyun_sms(fake: FakeAliyun, *, secret: str = ALIYUN_SECRET, limits: tuple[str, ...] = SMS_LIMITS,
               timeout: float | None = None) -> Callable[[httpx.AsyncClient], Sender]:
    return lambda client: AliyunSmsSender(
        "ali-sms", fake.url(), client, key_id=ALIYUN_KEY_ID, key_secret=secret, sign_name="某市网信办",
        template_code="SMS_123456", limits=PhoneLimits.parse(limits), timeout=timeout)


def aliyun_voice(fake: FakeAliyun, *, ivr: IvrMenu | None = None, limits: tuple[str, ...] = VOICE_LIMITS,
                 timeout: float | None = None) -> Callable[[httpx.AsyncClient], Sender]:
    return lambda client: AliyunVoiceSender(
        "ali-voice", fake.url(), client, key_id=ALIYUN_KEY_ID, key_secret=ALIYUN_SECRET, tts_code="TTS_100",
        called_show_number="057100000000" if ivr else None, limits=PhoneLimits.parse(limits), ivr=ivr,
        timeout=timeout)


def tencent_sms(fake: FakeTencent, *, key: str = TENCENT_KEY, timeout: float | None = None,
                ) -> Callable[[httpx.AsyncClient], Sender]:
    return lambda client: TencentSmsSender(
        "tx-sms", fake.url(), client, secret_id=TENCENT_ID, secret_key=key, sdk_app_id="1400000001",
        sign_name="某市网信办", template_id="2000001", region="ap-guangzhou", limits=PhoneLimits.parse(SMS_LIMITS),
        timeout=timeout)


def tencent_voice(fake: FakeTencent) -> Callable[[httpx.AsyncClient], Sender]:
    return lambda client: TencentVoiceSender(
        "tx-voice", fake.url(), client, secret_id=TENCENT_ID, secret_key=TENCENT_KEY, sdk_app_id="1400000002",
        template_id="1475778", region="ap-guangzhou", limits=PhoneLimits.parse(VOICE_LIMITS))


# --- Aliyun SMS -----------------------------------------------------------------------------------------------


def test_aliyun_sms_is_signed_and_carries_the_ack_code(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    [delivery] = run(aliyun_sms(fake), sending(alert(PHONE, OTHER)))
    assert delivery.ok, delivery
    assert [s.phone for s in fake.accepted] == [PHONE, OTHER]
    first = fake.accepted[0].params
    assert first["SignName"] == "某市网信办" and first["TemplateCode"] == "SMS_123456"
    assert first["_variables"] == {"title": "郑州市中原区某化工厂发生爆炸，现场浓烟…", "grade": "II级（重大）", "code": "K0X7"}
    assert fake.accepted[1].params["_variables"]["code"] == "K1X7"  # each person's own code
    assert "://" not in first["TemplateParam"]  # Aliyun refuses a link in a variable
    assert ALIYUN_SECRET not in repr(delivery) and ALIYUN_SECRET not in repr(fake)


def test_aliyun_wrong_secret_is_a_refused_signature(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    [delivery] = run(aliyun_sms(fake, secret="not-the-secret"), sending(alert(PHONE)))
    assert delivery.reason == "bad_signature" and not delivery.retryable
    assert "SignatureDoesNotMatch" in delivery.detail and "not-the-secret" not in delivery.detail
    assert fake.accepted == []


def test_aliyun_throttle_in_an_http_200_is_not_success(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    fake.throttled = {PHONE}
    [delivery] = run(aliyun_sms(fake), sending(alert(PHONE)))
    assert not delivery.ok
    assert delivery.reason == "rate_limited" and not delivery.retryable  # next person or channel, not again
    assert "isv.BUSINESS_LIMIT_CONTROL" in delivery.detail and "138****0001" in delivery.detail


def test_aliyun_sms_system_error_is_retried_once(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    fake.fail_next = 1
    [delivery] = run(aliyun_sms(fake), sending(alert(PHONE)))
    assert delivery.ok and len(fake.accepted) == 1
    fake.fail_next = 2
    [delivery] = run(aliyun_sms(fake), sending(alert(PHONE, key="again")))
    assert delivery.reason == "server_error" and not delivery.retryable
    assert fake.requests.count("SendSms") == 4


def test_aliyun_sms_timeout_checks_the_receipt_before_sending_again(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    fake.accept_then_delay = 1.0  # accepted, but the answer comes too late
    [delivery] = run(aliyun_sms(fake, timeout=0.3), sending(alert(PHONE)))
    assert delivery.ok, delivery  # QuerySendDetails found our OutId: not sent twice
    assert len(fake.accepted) == 1 and fake.requests == ["SendSms", "QuerySendDetails"]


def test_aliyun_sms_timeout_without_a_send_is_retried_once(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    fake.delay = 1.0

    async def recover(sender: Sender) -> Delivery:
        task = asyncio.create_task(sender.send(alert(PHONE), now=NOW))
        await asyncio.sleep(0.1)  # the first request is in flight (to time out); the next is answered at once
        fake.delay = 0.0
        return await task

    [delivery] = run(aliyun_sms(fake, timeout=0.3), recover)
    assert delivery.ok, delivery
    assert fake.requests == ["SendSms", "QuerySendDetails", "SendSms"] and len(fake.accepted) == 1


def test_a_message_without_numbers_is_a_configuration_failure(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    [delivery] = run(aliyun_sms(fake), sending(alert()))
    assert delivery.reason == "bad_request" and not delivery.retryable and "phone" in delivery.detail
    assert fake.requests == []


# --- Aliyun voice -------------------------------------------------------------------------------------------


def test_aliyun_voice_calls_each_number_with_a_short_title(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    [delivery] = run(aliyun_voice(fake), sending(alert(PHONE)))
    assert delivery.ok and "^" in delivery.detail  # the CallId
    call = fake.accepted[0]
    assert call.action == "SingleCallByTts" and call.params["TtsCode"] == "TTS_100"
    assert call.params["_variables"] == {"title": "郑州市中原区某化工厂发生爆炸，现场浓烟…", "grade": "II级（重大）"}
    assert call.out_id == f"42:{PHONE}" and "CalledShowNumber" not in call.params  # 公共模式


def test_aliyun_ivr_call_has_a_key_menu(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    [delivery] = run(aliyun_voice(fake, ivr=IvrMenu("TTS_START", "TTS_ACKED")), sending(alert(PHONE)))
    assert delivery.ok, delivery
    params = fake.accepted[0].params
    assert fake.accepted[0].action == "IvrCall"
    assert (params["StartCode"], params["MenuKeyMap.1.Key"], params["MenuKeyMap.1.Code"]) == ("TTS_START", "1", "TTS_ACKED")
    assert params["CalledShowNumber"] == "057100000000" and params["OutId"] == f"42:{PHONE}"


def test_voice_per_number_limits_hold_before_the_service_is_asked(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    steps = [sending(alert(PHONE, key="a")), sending(alert(PHONE, key="b"), timedelta(seconds=20))]
    steps += [sending(alert(PHONE, key=f"c{n}"), timedelta(minutes=1 + n)) for n in range(5)]
    first, second, *later = run(aliyun_voice(fake), *steps)
    assert first.ok
    # inside the minute: held, to come back (merged) when the window frees
    assert second.reason == "rate_limited" and second.retryable and second.retry_after == pytest.approx(40)
    assert [d.ok for d in later] == [True, True, True, True, False]  # 5 an hour
    assert later[-1].reason == "rate_limited" and not later[-1].retryable  # an hour away: next person
    assert "5/小时" in later[-1].detail
    assert len(fake.accepted) == 5


def test_a_partly_accepted_message_is_not_retried(http_server: LoopbackServer) -> None:
    fake = FakeAliyun(http_server, now=NOW)
    fake.throttled = {OTHER}
    [delivery] = run(aliyun_voice(fake), sending(alert(PHONE, OTHER)))
    assert not delivery.ok and not delivery.retryable and delivery.reason == "rate_limited"
    assert "accepted: 138****0001" in delivery.detail and "139****0002" in delivery.detail


# --- Tencent --------------------------------------------------------------------------------------------------


def test_tencent_sms_is_signed_and_ok_per_number(http_server: LoopbackServer) -> None:
    fake = FakeTencent(http_server, service="sms", now=NOW)
    [delivery] = run(tencent_sms(fake), sending(alert(PHONE)))
    assert delivery.ok, delivery
    sent = fake.accepted[0]
    assert sent.phone == "+8613800000001"
    assert sent.params["TemplateParamSet"] == ["郑州市中原区某化工厂发…", "II级（重大）", "K0X7"]
    assert sent.params["SmsSdkAppId"] == "1400000001" and sent.params["SessionContext"]


def test_tencent_wrong_key_is_a_refused_signature(http_server: LoopbackServer) -> None:
    fake = FakeTencent(http_server, service="sms", now=NOW)
    [delivery] = run(tencent_sms(fake, key="wrong"), sending(alert(PHONE)))
    assert delivery.reason == "bad_signature" and not delivery.retryable
    assert "AuthFailure.SignatureFailure" in delivery.detail and fake.accepted == []


def test_tencent_per_number_limit_in_an_http_200(http_server: LoopbackServer) -> None:
    fake = FakeTencent(http_server, service="sms", now=NOW)
    fake.throttled = {"+8613800000001"}
    [delivery] = run(tencent_sms(fake), sending(alert(PHONE)))
    assert delivery.reason == "rate_limited" and not delivery.retryable
    assert "LimitExceeded.PhoneNumberDailyLimit" in delivery.detail


def test_tencent_sms_timeout_is_not_sent_again(http_server: LoopbackServer) -> None:
    fake = FakeTencent(http_server, service="sms", now=NOW)
    fake.accept_then_delay = 1.0
    [delivery] = run(tencent_sms(fake, timeout=0.3), sending(alert(PHONE)))
    assert delivery.reason == "timeout" and not delivery.retryable
    assert fake.requests == ["SendSms"] and len(fake.accepted) == 1  # no lookup by SessionContext: no blind resend


def test_tencent_internal_error_is_retried_once(http_server: LoopbackServer) -> None:
    fake = FakeTencent(http_server, service="sms", now=NOW)
    fake.fail_next = 1
    [delivery] = run(tencent_sms(fake), sending(alert(PHONE)))
    assert delivery.ok and fake.requests == ["SendSms", "SendSms"]


def test_tencent_voice_call(http_server: LoopbackServer) -> None:
    fake = FakeTencent(http_server, service="vms", now=NOW)
    [delivery] = run(tencent_voice(fake), sending(alert(PHONE)))
    assert delivery.ok, delivery
    sent = fake.accepted[0]
    assert sent.params["CalledNumber"] == "+8613800000001" and sent.params["VoiceSdkAppid"] == "1400000002"
    assert sent.params["TemplateParamSet"] == ["郑州市中原区某化工厂发…", "II级（重大）"]
    fake.throttled = {"+8613900000002"}
    [refused] = run(tencent_voice(fake), sending(alert(OTHER)))
    assert refused.reason == "rate_limited" and "PhoneNumberOneHourLimit" in refused.detail


def test_unreachable_service_is_retried_once_then_fails(http_server: LoopbackServer) -> None:
    from tests.notify.conftest import closed_port_url

    def make(client: httpx.AsyncClient) -> Sender:
        return AliyunVoiceSender("ali-voice", closed_port_url("/"), client, key_id=ALIYUN_KEY_ID,
                                 key_secret=ALIYUN_SECRET, tts_code="TTS_1", called_show_number=None,
                                 limits=PhoneLimits.parse(VOICE_LIMITS))

    [delivery] = run(make, sending(alert(PHONE)))
    assert delivery.reason == "connection" and not delivery.retryable
    assert ALIYUN_SECRET not in delivery.detail and "127.0.0.1" not in delivery.detail


def test_fake_refuses_a_replayed_nonce(http_server: LoopbackServer) -> None:
    """The fake checks what the service checks: a captured request sent again is refused."""
    fake = FakeAliyun(http_server, now=NOW)
    run(aliyun_sms(fake), sending(alert(PHONE)))
    request = next(r for r in http_server.requests if r.path == fake.path)
    replay = httpx.post(fake.url() + "?" + "&".join(f"{k}={v[0]}" for k, v in request.query.items()),
                        headers={k: v for k, v in request.headers.items() if k != "content-length"})
    assert json.loads(replay.text)["Code"] in ("SignatureNonceUsed", "SignatureDoesNotMatch")
    assert len(fake.accepted) == 1
