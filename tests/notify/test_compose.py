"""Composing messages from the templates: every kind, the sentences duty officers rely on, escaping
of feed text, and errors for an unknown kind or a missing context key."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from jinja2 import UndefinedError

from sentinel.analyse.grading import Grade
from sentinel.escalation.roster import Recipient
from sentinel.notify.compose import KINDS, compose
from sentinel.notify.console import ConsoleSender

SHANGHAI = ZoneInfo("Asia/Shanghai")
LINK_BASE = "https://sentinel.example.gov.cn/"
CLOCK_START = datetime(2026, 11, 23, 1, 5, tzinfo=UTC)     # 09:05 in Shanghai
NOW = CLOCK_START + timedelta(hours=3, minutes=58)        # 13:03: 1h02m before the 5-hour deadline

HOSTILE_TITLE = '**粗体** [x](javascript:alert(1)) <at user_id="all"> \u202e反转 标题'


def incident(**changes: Any) -> dict[str, Any]:
    return {"id": 42, "title": "郑州市中原区某化工厂发生爆炸", "grade": "II", "department": "应急管理局",
            "category": "accident", "emerged_at": CLOCK_START, "detected_at": CLOCK_START + timedelta(minutes=7),
            **changes}


def obligation(kind: str = "authoritative_info", hours: float = 5, **changes: Any) -> dict[str, Any]:
    return {"kind": kind, "due_at": CLOCK_START + timedelta(hours=hours), "started_at": CLOCK_START,
            "state": "open", **changes}


RECIPIENTS = [{"name": "张伟", "phone": "13800000001", "role": "duty_officer"},
              {"name": "孙主任", "phone": "13800000030", "role": "department"},
              {"name": "部门联系人", "phone": None, "role": "department"}]


def context(kind: str, **changes: Any) -> dict[str, Any]:
    """A realistic context for ``kind``, as the engine builds it."""
    base = {"incident": incident(), "obligations": [obligation(), obligation("press_conference", 24)],
            "now": NOW, "recipients": RECIPIENTS, "idempotency_key": f"incident:42:{kind}"}
    contexts: dict[str, dict[str, Any]] = {
        "new_incident": {**base, "sources": ["微博 @郑州发布", "大河网"], "excerpt": "现场浓烟滚滚，已有3人死亡。"},
        "reminder": {**base, "obligation": obligation(), "offset": 3600},
        "breach": {**base, "obligation": obligation(), "now": CLOCK_START + timedelta(hours=5, minutes=12)},
        "escalation": {**base, "roles": ["section_chief"]},
        "reescalation": {**base, "roles": ["section_chief", "leader"],
                         "acknowledged_at": CLOCK_START + timedelta(minutes=20), "acknowledged_by": "张伟"},
        "evidence": {**base, "item": {"title": "关于中原区某化工厂爆炸事故的情况通报", "source": "郑州发布",
                                      "url": "https://www.zhengzhou.gov.cn/xwfb/1001.jhtml",
                                      "published_at": NOW - timedelta(minutes=5)}},
        "verification": {**base, "verification": {
            "reason": "仅有自媒体来源 / only self-media sources，热度3.2低于14 / heat below 14",
            "evidence": {"tiers": ["self_media"], "sources": 1, "items": 2, "heat": 3.2, "official": False},
            "wait": 3600}, "excerpt": "#郑州爆炸# 现场浓烟滚滚"},
        "hotlist": {**base, "hotlist": {
            "title": "郑州一化工厂爆炸", "list": "weibo", "list_zh": "微博热搜", "rank": 7, "heat": 1315270, "top": 10,
            "top_at": NOW - timedelta(minutes=2),
            "history": [{"at": NOW - timedelta(hours=2), "rank": 34, "heat": 241912, "gone": False},
                        {"at": NOW - timedelta(hours=1), "rank": None, "heat": None, "gone": True},
                        {"at": NOW - timedelta(minutes=2), "rank": 7, "heat": 1315270, "gone": False}]}},
        "phone_call": base,
        "grade_raised": {**base, "raised": {"from": "IV", "to": "II", "at": NOW - timedelta(minutes=1)}},
        "source_blind": {"now": NOW, "source": {"id": "zz-gov", "kind": "rss"}, "blind_after": 6 * 3600,
                         "last_item_at": NOW - timedelta(hours=7)},
        "source_blocked": {"now": NOW, "source": {"id": "wb-city", "kind": "weibo"}, "detail": "HTTP 432",
                           "since": NOW - timedelta(minutes=30), "retry_at": NOW + timedelta(minutes=30)},
        "daily_digest": {"now": NOW, "day": NOW.date(), "new_incidents": [incident()],
                         "open_incidents": [{**incident(), "obligations": [obligation()]}],
                         "breaches": [{"incident": incident(id=7, title="某小区供水中断"),
                                       "obligation": obligation("response", 0, state="breached",
                                                                started_at=CLOCK_START - timedelta(hours=48))}]},
        "test": {"now": NOW, "channel": "duty-ding"},
        "correction_window": {"now": NOW, "recipients": RECIPIENTS, "due_at": NOW + timedelta(hours=20),
                              "request": {"id": 3, "content": "申请公开某项目环评报告", "unit": "住建局",
                                          "received_on": NOW.date() - timedelta(days=9)}},
        "calendar_missing": {"now": NOW, "recipients": RECIPIENTS, "year": 2027, "provisional": 4},
        "annual_report_due": {"now": NOW, "recipients": RECIPIENTS, "year": 2026, "deadline": NOW.date()},
        "channel_down": {"now": NOW, "recipients": RECIPIENTS, "channel": {"id": "duty-ding", "kind": "dingtalk"},
                         "since": NOW - timedelta(minutes=20), "reason": "server_error", "threshold": 900,
                         "pending": 3},
    }
    return {**contexts[kind], **changes}


def make(kind: str, link_base: str | None = LINK_BASE, **changes: Any) -> Any:
    return compose(kind, context(kind, **changes), zone=SHANGHAI, link_base=link_base)


# ------------------------------------------------------------------------------------ every kind

@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_chinese_text_in_both_forms(kind: str) -> None:
    message = make(kind)
    assert message.kind == kind
    assert message.title and "\n" not in message.title and message.title.startswith("【")
    for text in (message.text_plain, message.text_markdown):
        assert message.title.split("｜")[0] in text.replace("＊", "*").replace("＃", "#")
        assert "None" not in text and "Undefined" not in text
        assert "\n\n\n" not in text
    assert message.text_markdown.startswith("**【")
    assert message.idempotency_key == context(kind).get("idempotency_key", "")


@pytest.mark.parametrize("kind", ["new_incident", "reminder", "breach", "escalation", "reescalation", "evidence",
                                  "verification"])
def test_incident_messages_carry_link_grade_department_and_open_deadlines(kind: str) -> None:
    message = make(kind)
    assert message.incident_id == "42"
    assert message.grade is Grade.II
    assert message.department == "应急管理局"
    assert message.link == "https://sentinel.example.gov.cn/incidents/42"
    assert message.mentions == ("13800000001", "13800000030")  # the placeholder has no phone
    for text in (message.text_plain, message.text_markdown):
        assert "II级（重大）" in text
        assert "应急管理局" in text
        assert "事故灾难" in text
        assert "张伟（值班员）、孙主任（部门联系人）" in text
        assert "新闻发布会（24小时）：11月24日 09:05到期" in text
    # the link is the message's, not its text's: each sender writes it once (see below)
    assert "incidents/42" not in message.text_plain and "incidents/42" not in message.text_markdown


@pytest.mark.parametrize("kind", ["new_incident", "reminder", "breach", "escalation", "reescalation", "evidence",
                                  "verification", "hotlist"])
def test_every_sender_writes_the_details_link_once(kind: str) -> None:
    """An alert ended with its 详情 link twice: once from the template's footer, once from the sender."""
    import io
    import json

    from sentinel.notify import dingtalk, smtp, wecom

    message = make(kind)
    url = "https://sentinel.example.gov.cn/incidents/42"
    assert message.link == url
    outputs = {
        "smtp plain": smtp.plain_body(message), "smtp html": smtp.html_body(message),
        "dingtalk": json.dumps(dingtalk.payload(message, message.text_markdown), ensure_ascii=False),
        "wecom markdown": json.dumps(wecom.markdown_payload(message), ensure_ascii=False),
        "wecom text": json.dumps(wecom.text_payload(message), ensure_ascii=False),
    }
    stream = io.StringIO()
    asyncio.run(ConsoleSender("console", stream=stream).send(message, now=datetime(2026, 11, 23, 8, tzinfo=UTC)))
    outputs["console"] = stream.getvalue()
    for name, text in outputs.items():
        assert text.count(url) == 1, (name, text)
        assert text.count("详情") == 1, (name, text)


def test_the_verification_request_gives_the_evidence_and_the_step_to_confirm_or_dismiss() -> None:
    message = make("verification")
    assert message.title == "【待研判】II级（重大）｜郑州市中原区某化工厂发生爆炸"
    for text in (message.text_plain, message.text_markdown):
        assert "仅有自媒体来源" in text and "自媒体，1个来源，2条信息，热度3.2" in text
        assert "sentinel verify 42 --by 姓名" in text and "sentinel dismiss 42 --reason 不实 --by 姓名" in text
        assert "1小时内无人研判，按规定继续升级" in text
        assert "权威信息发布（5小时）：11月23日 14:05到期" in text  # the deadlines run all the same


@pytest.mark.parametrize(("place", "shown"), [
    ("地点不明（未能判断是否属本辖区，按本辖区处置）", "地点：地点不明（未能判断是否属本辖区，按本辖区处置）"),
    ("河南省郑州市中原区", "地点：河南省郑州市中原区"),
])
def test_the_new_incident_alert_says_where_it_happened_or_that_nobody_knows(place: str, shown: str) -> None:
    message = make("new_incident", incident=incident(place=place))
    assert shown in message.text_plain and shown in message.text_markdown
    assert "地点" not in make("new_incident").text_plain  # a context without a place says nothing of it


def test_deadlines_list_only_open_obligations_with_time_left() -> None:
    message = make("new_incident", obligations=[obligation(), obligation("press_conference", 24, state="met")])
    assert "- 权威信息发布（5小时）：11月23日 14:05到期，还剩1小时02分" in message.text_plain
    assert "**还剩1小时02分**" in message.text_markdown
    assert "新闻发布会" not in message.text_plain


def test_without_a_link_base_there_is_no_link() -> None:
    message = make("new_incident", link_base=None)
    assert message.link is None
    assert "详情" not in message.text_plain and "](" not in message.text_markdown
    assert make("new_incident", link_base="javascript:alert(1)//").link is None


# ------------------------------------------------------------------------------------- sentences

def test_reminder_says_the_time_left_on_the_clock() -> None:
    message = make("reminder")
    sentence = "距5小时权威信息发布时限还剩1小时02分"
    assert sentence in message.text_plain
    assert f"**{sentence}**" in message.text_markdown
    assert message.title == "【时限提醒】权威信息发布还剩1小时02分｜郑州市中原区某化工厂发生爆炸"
    assert "补发" not in message.text_plain and "合并" not in message.text_plain


def test_reminder_of_a_working_day_deadline_counts_working_days() -> None:
    started = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)            # Fri 10:00 in Shanghai
    due = datetime(2026, 11, 25, 15, 59, 59, tzinfo=UTC)          # Wed 23:59:59: Mon, Tue, Wed
    interpretation = {"kind": "policy_interpretation", "due_at": due, "started_at": started, "state": "open"}
    now = due - timedelta(days=1, hours=2)
    message = make("reminder", obligation=interpretation, obligations=[interpretation], now=now)
    assert "距3个工作日政策解读时限还剩1天2小时" in message.text_plain
    reply = {**interpretation, "kind": "disclosure_reply", "working_days": 40}
    assert "距40个工作日依申请公开答复时限" in make("reminder", obligation=reply, obligations=[reply], now=now).text_plain


def test_reminder_after_downtime_says_it_is_late_and_collapsed() -> None:
    message = make("reminder", late_by=1500, collapsed=["obligation:7:reminder:2h", "obligation:7:reminder:1h"])
    for text in (message.text_plain, message.text_markdown):
        assert "（系统停机补发，晚25分）" in text
        assert "另有2次提醒未能按时发出，已合并为本条" in text
    assert "补发" not in make("reminder", late_by=45).text_plain  # a tick a few seconds late is on time
    assert "另有3次" in make("reminder", collapsed=3).text_plain


def test_breach_says_the_deadline_passed_and_by_how_much() -> None:
    message = make("breach")
    assert message.title == "【超时】权威信息发布已超时12分｜郑州市中原区某化工厂发生爆炸"
    assert "5小时权威信息发布时限已于11月23日 14:05届满" in message.text_plain
    assert "已超时12分" in message.text_plain
    assert "- 权威信息发布（5小时）：11月23日 14:05到期，已超时12分" in message.text_plain
    late = make("breach", late_by=3 * 3600, now=CLOCK_START + timedelta(hours=8))
    assert "（系统停机补发，晚3小时）" in late.text_plain and "已超时3小时" in late.text_plain


def test_escalation_says_why_and_to_whom() -> None:
    message = make("escalation")
    assert "本事件发现已3小时51分，仍无人确认，现升级报送科室负责人。" in message.text_plain
    assert message.title.startswith("【升级】报送科室负责人｜")
    on_breach = make("escalation", roles=["leader"], reason="breach")
    assert "本事件处置时限已超，现升级报送领导。" in on_breach.text_plain


def test_reescalation_says_who_acknowledged_and_how_long_ago() -> None:
    message = make("reescalation")
    assert ("本事件已于11月23日 09:25由张伟确认，至今3小时38分仍无回应记录，现再次报送科室负责人、领导督办。"
            in message.text_plain)
    assert "由" not in make("reescalation", acknowledged_by=None).text_plain.split("确认")[0]


def test_evidence_asks_the_duty_officer_to_confirm() -> None:
    message = make("evidence")
    assert "官方渠道“郑州发布”于11月23日 12:58发布：关于中原区某化工厂爆炸事故的情况通报" in message.text_plain
    assert "可能是本事件的权威信息发布或新闻发布会" in message.text_plain
    assert "请值班员核实" in message.text_plain
    assert ("sentinel respond 42 --kind authoritative_info --at 2026-11-23T12:58+08:00 "
            "--url https://www.zhengzhou.gov.cn/xwfb/1001.jhtml --by 姓名") in message.text_plain
    assert "[查看原文](https://www.zhengzhou.gov.cn/xwfb/1001.jhtml)" in message.text_markdown
    narrowed = make("evidence", candidates=["sustained_release"])
    assert "可能是本事件的持续发布。" in narrowed.text_plain


def test_hotlist_alert_names_the_list_rank_heat_and_rank_history() -> None:
    message = make("hotlist")
    assert message.title == "【上热搜】#郑州一化工厂爆炸# 进入微博热搜第7位"
    for text in (message.text_plain, message.text_markdown):
        assert "前10" in text and "1,315,270" in text
        # the rank history in order: rank 34, off the list, rank 7
        assert text.index("第34位") < text.index("落榜") < text.rindex("第7位")
        assert "241,912" in text
    assert message.incident_id == "42" and message.link is not None


def test_source_alerts() -> None:
    blind = make("source_blind")
    assert blind.title == "【采集盲区】采集源 zz-gov 无新内容"
    assert "自11月23日 06:03起已7小时未采集到新内容（阈值6小时）" in blind.text_plain
    assert blind.incident_id is None and blind.link is None and blind.grade is None
    assert "启用以来未采集到任何内容" in make("source_blind", last_item_at=None).text_plain
    blocked = make("source_blocked")
    assert "自11月23日 12:33起被目标站点拒绝访问（HTTP 432）" in blocked.text_plain
    assert "系统将于11月23日 13:33重试" in blocked.text_plain
    assert "重试" not in make("source_blocked", retry_at=None).text_plain


def test_daily_digest_counts_and_lists() -> None:
    message = make("daily_digest")
    assert message.title == "【舆情日报】11月23日：新增1起，未结1起，超时1项"
    assert "- II级（重大）｜郑州市中原区某化工厂发生爆炸（应急管理局） https://sentinel.example.gov.cn/incidents/42" \
        in message.text_plain
    assert "  · 权威信息发布：11月23日 14:05到期，还剩1小时02分" in message.text_plain
    assert "- 某小区供水中断（应急管理局）：回应11月23日 09:05到期，至今未完成，已超时3小时58分" in message.text_plain
    assert "[郑州市中原区某化工厂发生爆炸](https://sentinel.example.gov.cn/incidents/42)" in message.text_markdown
    empty = make("daily_digest", new_incidents=[], open_incidents=[], breaches=[])
    assert empty.title == "【舆情日报】11月23日：新增0起，未结0起，超时0项"
    assert empty.text_plain.count("- 无") == 3


def test_test_message() -> None:
    message = make("test")
    assert message.title == "【测试】sentinel 通知通道测试"
    assert "经由通道 duty-ding 发送，发送时间11月23日 13:03" in message.text_plain
    assert message.mentions == ()


def test_times_may_be_iso_strings_and_recipients_roster_objects() -> None:
    iso = {**obligation(), "due_at": "2026-11-23T14:05:00+08:00", "started_at": "2026-11-23T09:05:00+08:00"}
    officer = Recipient("张伟", "13800000001", ("duty-ding",), "duty_officer")
    message = make("reminder", obligation=iso, obligations=[iso], now="2026-11-23T05:03:00+00:00",
                   recipients=[officer])
    assert "距5小时权威信息发布时限还剩1小时02分" in message.text_plain
    assert message.mentions == ("13800000001",)


def test_an_ungraded_incident_without_department() -> None:
    message = make("new_incident", incident=incident(grade=None, department=None, category=None))
    assert message.grade is None and message.department is None
    assert "等级：未定级" in message.text_plain
    assert "责任单位：未指定" in message.text_plain
    assert "类别：未分类" in message.text_plain


# -------------------------------------------------------------------------------------- escaping

def hostile_context(kind: str) -> dict[str, Any]:
    return context(
        kind,
        incident=incident(title=HOSTILE_TITLE + "\n# 假标题\n> 假引用", department="<at user_id=\"all\">局",
                          category="**类别**"),
        sources=[HOSTILE_TITLE], excerpt=HOSTILE_TITLE + "\n===",
        item={"title": HOSTILE_TITLE, "source": "[官方](javascript:alert(1))",
              "url": "javascript:alert(1)", "published_at": NOW},
        recipients=[{"name": "**张伟**", "phone": None, "role": "duty_officer"}],
    )


@pytest.mark.parametrize("kind", ["new_incident", "reminder", "breach", "escalation", "reescalation", "evidence",
                                  "verification"])
def test_feed_text_comes_out_inert(kind: str) -> None:
    message = compose(kind, hostile_context(kind), zone=SHANGHAI, link_base=LINK_BASE)
    markdown = message.text_markdown
    for forbidden in ("**粗体**", "[x](", "](javascript", "<at", "\u202e", "**张伟**", "**类别**", "[官方]"):
        assert forbidden not in markdown, forbidden
    assert "＊＊粗体＊＊" in markdown and "［x］(javascript:alert(1))" in markdown
    assert "＜at user＿id=\"all\"＞" in markdown
    for line in markdown.splitlines():  # no feed text starts a heading, a quote or a setext underline
        assert not line.startswith(("#", "===")), line
        assert not line.startswith(">") or kind in ("new_incident", "evidence", "verification"), line
    assert "\u202e" not in message.text_plain and "\u202e" not in message.title
    assert "\n" not in message.title
    assert '<at user_id="all">' in message.title  # titles are raw: each sender escapes them for itself
    # the link sentinel builds is still a working link, carried beside the text
    assert message.link == "https://sentinel.example.gov.cn/incidents/42"


def test_a_hostile_item_url_is_not_linked() -> None:
    message = compose("evidence", hostile_context("evidence"), zone=SHANGHAI, link_base=LINK_BASE)
    assert "查看原文" not in message.text_markdown
    assert "原文：（链接无效）" in message.text_plain
    assert "sentinel respond" not in message.text_plain


def test_quotes_hold_only_one_line_of_feed_text() -> None:
    message = compose("new_incident", hostile_context("new_incident"), zone=SHANGHAI, link_base=None)
    [quote] = [line for line in message.text_markdown.splitlines() if line.startswith(">")]
    assert "＊＊粗体＊＊" in quote and "===" in quote


# ---------------------------------------------------------------------------------------- errors

def test_unknown_kind_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown message kind 'fire_drill'"):
        compose("fire_drill", {}, zone=SHANGHAI)


@pytest.mark.parametrize(("kind", "drop"), [
    ("new_incident", "incident"),
    ("new_incident", "obligations"),
    ("reminder", "obligation"),
    ("reminder", "now"),
    ("escalation", "roles"),
    ("reescalation", "acknowledged_at"),
    ("evidence", "item"),
    ("source_blind", "source"),
    ("source_blocked", "since"),
])
def test_a_missing_context_key_is_an_error(kind: str, drop: str) -> None:
    values = context(kind)
    del values[drop]
    with pytest.raises(UndefinedError):
        compose(kind, values, zone=SHANGHAI)


@pytest.mark.parametrize("drop", ["due_at", "started_at", "state", "kind"])
def test_a_missing_obligation_key_is_an_error(drop: str) -> None:
    broken = obligation()
    del broken[drop]
    with pytest.raises(UndefinedError):
        compose("reminder", context("reminder", obligation=broken, obligations=[broken]), zone=SHANGHAI)


def test_a_missing_incident_key_is_an_error() -> None:
    broken = incident()
    del broken["department"]
    with pytest.raises(UndefinedError, match="department"):
        compose("new_incident", context("new_incident", incident=broken), zone=SHANGHAI)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        compose("test", context("test", now=datetime(2026, 11, 23, 13, 3)), zone=SHANGHAI)  # noqa: DTZ001


def test_a_breach_at_its_moment_says_the_deadline_came_not_zero_minutes_late() -> None:
    message = make("breach", now=CLOCK_START + timedelta(hours=5))
    assert message.title.startswith("【超时】权威信息发布时限已到｜")
    assert "0分" not in message.title


def test_a_breach_with_late_evidence_says_when_it_came() -> None:
    late = obligation()
    late["met_at"] = CLOCK_START + timedelta(hours=5, minutes=30)
    message = make("breach", obligation=late, now=CLOCK_START + timedelta(hours=6))
    assert "尚无" not in message.text_plain and "超时30分" in message.text_plain


def test_a_provisional_deadline_says_so_in_the_alert() -> None:
    reason = "暂定：2027年放假安排（国务院办公厅通知）尚未录入，按法定节假日推算、未计调休，公布后重新计算 / provisional: …"
    pending = obligation(provisional=reason)
    message = make("reminder", obligation=pending, obligations=[pending], offset=3600)
    for text in (message.text_plain, message.text_markdown):
        assert "（暂定：2027年放假安排" in text and "provisional:" not in text
    assert "暂定" not in make("reminder", offset=3600).text_plain
