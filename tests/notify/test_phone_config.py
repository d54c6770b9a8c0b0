"""The SMS/voice channels' configuration: required and stray keys named, keys only from the
environment and never shown, and ``sentinel notify test CHANNEL --to PHONE`` against a loopback fake."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError

from sentinel.cli import main
from sentinel.errors import ConfigError
from sentinel.notify.registry import build_sender
from sentinel.settings import ChannelConfig, Settings
from sentinel.web.config_view import config_view
from tests.notify.phone_fakes import ALIYUN_KEY_ID, ALIYUN_SECRET, FakeAliyun
from tests.support.server import LoopbackServer

SMS = {"id": "night-sms", "kind": "aliyun_sms", "access_key_id_env": "ALI_ID", "access_key_secret_env": "ALI_SK",
       "sign_name": "某市网信办", "template_code": "SMS_1"}


def test_missing_and_stray_keys_are_named() -> None:
    with pytest.raises(ValidationError, match="needs template_code"):
        ChannelConfig.model_validate({k: v for k, v in SMS.items() if k != "template_code"})
    with pytest.raises(ValidationError, match="does not use tts_code"):
        ChannelConfig.model_validate({**SMS, "tts_code": "TTS_1"})
    with pytest.raises(ValidationError, match="needs called_show_number"):
        ChannelConfig.model_validate({"id": "v", "kind": "aliyun_voice", "access_key_id_env": "A",
                                      "access_key_secret_env": "B", "tts_code": "T",
                                      "ivr": {"start_code": "S", "ack_code": "K", "callback_token_env": "C"}})
    with pytest.raises(ValidationError, match="per_number"):
        ChannelConfig.model_validate({**SMS, "per_number": ["1/w"]})


def test_keys_come_from_the_environment_and_are_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALI_SK", raising=False)
    monkeypatch.setenv("ALI_ID", ALIYUN_KEY_ID)
    channel = ChannelConfig.model_validate(SMS)
    with pytest.raises(ConfigError) as missing:
        build_sender(channel, httpx.AsyncClient())
    assert missing.value.key == "channels[night-sms].access_key_secret_env"
    monkeypatch.setenv("ALI_SK", ALIYUN_SECRET)
    sender = build_sender(channel, httpx.AsyncClient())
    assert ALIYUN_SECRET not in repr(sender) and ALIYUN_KEY_ID not in repr(sender)
    view = json.dumps(config_view(Settings.model_validate({"channels": [SMS]})), ensure_ascii=False)
    assert ALIYUN_SECRET not in view and '"env": "ALI_SK", "set": true' in view


def test_notify_test_to_a_phone_exits_1_with_the_services_code(tmp_path: Path, http_server: LoopbackServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAliyun(http_server, now=datetime.now(UTC))
    monkeypatch.setenv("ALI_ID", ALIYUN_KEY_ID)
    monkeypatch.setenv("ALI_SK", ALIYUN_SECRET)
    config = tmp_path / "sentinel.yaml"
    config.write_text(yaml.safe_dump({"channels": [{**SMS, "url": fake.url()}]}, allow_unicode=True), encoding="utf-8")
    runner = CliRunner()
    sent = runner.invoke(main, ["--config", str(config), "notify", "test", "night-sms", "--to", "13800000001"])
    assert sent.exit_code == 0, sent.output
    assert [s.phone for s in fake.accepted] == ["13800000001"]
    fake.throttled = {"13800000009"}
    refused = runner.invoke(main, ["--config", str(config), "notify", "test", "night-sms", "--to", "13800000009"])
    assert refused.exit_code == 1 and "isv.BUSINESS_LIMIT_CONTROL" in refused.output
    assert ALIYUN_SECRET not in refused.output
    nobody = runner.invoke(main, ["--config", str(config), "notify", "test", "night-sms"])
    assert nobody.exit_code == 1 and "phone" in nobody.output
