"""The day an item says its event happened (sentinel.analyse.dates), from real report leads."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sentinel.analyse.dates import event_days

ZONE = ZoneInfo("Asia/Shanghai")
PUBLISHED = datetime(2026, 3, 5, 4, 0, tzinfo=UTC)  # 12:00 on 5 March in Shanghai


@pytest.mark.parametrize(("title", "text", "expected"), [
    # The wire dateline dates the report (8月1日), the lead the crash (7月31日 of the year before).
    (None, "新华网合肥８月１日电（记者程士华）记者从安徽省合肥市交警部门获悉，７月３１日凌晨，合宁高速３５公里处发生一起三辆车连环相撞",
     [date(2025, 7, 31)]),
    (None, "前天凌晨3点左右，通州区通燕高速出京方向宋庄出口处，一辆面包车在超车时侧翻", [date(2026, 3, 3)]),
    (None, "昨天清晨6时许，一辆乘坐12人的超载面包车行驶至京承高速进京方向时突然起火", [date(2026, 3, 4)]),
    (None, "中新社昆明八月三十日电(记者甘娜刘子倩)八月三十日十六时三十分，四川省攀枝花市仁和区发生六点一级地震",
     [date(2025, 8, 30)]),
    (None, "2008年5月12日14时27分57.9秒，在汶川县漩口和卧龙之间发生了7.8级地震。", [date(2008, 5, 12)]),
    # "3月31日报道" is when a magazine reported it, not when it happened.
    (None, "据美国《时代》周刊3月31日报道，伊拉克警方日前证实，拉马迪市一桥梁遭自杀式汽车炸弹袭击", []),
    # A day without a month, followed by a time of day: the latest such day not after publication.
    (None, "3日下午2时许，一辆货车在国道上侧翻。", [date(2026, 3, 3)]),
    (None, "28日凌晨，一民房起火。", [date(2026, 2, 28)]),
    ("今晨一化工厂爆炸", "据悉，爆炸发生后消防赶到现场。", [date(2026, 3, 5)]),
    # Days named only after the lead (a recalled earlier event) are not the event's.
    (None, "今天上午，某地发生地震。震中位于山区。专家介绍，余震还将持续。2004年12月26日的印度洋地震曾造成20余万人死亡。",
     [date(2026, 3, 5)]),
    (None, "伊拉克警方日前证实，伊拉克30日发生连环袭击。", [date(2026, 1, 30)]),
    (None, "好想吃火锅啊", []),
])
def test_event_days(title: str | None, text: str, expected: list[date]) -> None:
    text = unicodedata.normalize("NFKC", text)  # as the normalise stage hands it over
    assert list(event_days(title, text, PUBLISHED, ZONE)) == expected


def test_no_publication_time_no_days() -> None:
    assert event_days(None, "昨天上午发生车祸", None, ZONE) == ()
