"""normalise(): one RawItem to a bounded, hashed NormalItem with an aware UTC time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sentinel.collect.types import RawItem
from sentinel.normalise.item import (
    MAX_TEXT_BYTES,
    MAX_TITLE_CHARS,
    ItemRejected,
    NormalItem,
    content_hash,
    normalise,
    normalise_batch,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
FETCHED = datetime(2024, 6, 3, 4, 0, tzinfo=UTC)


def run(**fields: object) -> NormalItem:
    values: dict[str, object] = {"external_id": "id-1", "body": "正文"}
    values.update(fields)
    return normalise(RawItem(**values), zone=SHANGHAI, fetched_at=FETCHED)  # type: ignore[arg-type]


def test_a_full_item() -> None:
    item = run(
        external_id="zzgov-81234",
        title=" 郑州市召开2024年防汛工作部署会 ",
        body="<p>6月1日上午，郑州市召开防汛工作部署会。</p><p>会议要求，压实防汛责任。</p><script>x()</script>",
        body_is_html=True,
        url="https://WWW.zhengzhou.gov.cn/news/content_81234.htm?utm_source=rss&id=3#top",
        author=" 市政府办公厅 ",
        published_at=datetime(2024, 6, 1, 10, 20),  # noqa: DTZ001 - naive: Beijing wall time
        reposts=3,
        comments=0,
        likes=12,
        author_verified_type=1,
        extra={"tags": ["政务要闻"]},
    )
    assert item.external_id == "zzgov-81234"
    assert item.title == "郑州市召开2024年防汛工作部署会"
    assert item.text == "6月1日上午,郑州市召开防汛工作部署会。\n会议要求,压实防汛责任。"
    assert item.url == "https://WWW.zhengzhou.gov.cn/news/content_81234.htm?utm_source=rss&id=3#top"
    assert item.canonical_url == "https://www.zhengzhou.gov.cn/news/content_81234.htm?id=3"
    assert item.author == "市政府办公厅"
    assert item.published_at == datetime(2024, 6, 1, 2, 20, tzinfo=UTC)
    assert item.published_at.tzinfo is UTC
    assert item.published_at_estimated is False
    assert (item.reposts, item.comments, item.likes, item.author_verified_type) == (3, 0, 12, 1)
    assert item.extra == {"tags": ["政务要闻"]}
    assert len(item.content_hash) == 32 and int(item.content_hash, 16) >= 0


def test_aware_times_keep_their_offset() -> None:
    item = run(published_at=datetime(2024, 6, 1, 10, 20, tzinfo=timezone(timedelta(hours=-5))))
    assert item.published_at == datetime(2024, 6, 1, 15, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("published", "expected", "estimated"),
    [
        (None, FETCHED, True),
        # a few hours ahead of the fetch (skew, a wrong zone): clamped to the fetch time, not an estimate
        (FETCHED + timedelta(hours=5), FETCHED, False),
        # days ahead: not believed
        (FETCHED + timedelta(days=3), FETCHED, True),
        # epoch-zero placeholders: not believed
        (datetime(1970, 1, 1, tzinfo=UTC), FETCHED, True),
        (FETCHED - timedelta(days=400), FETCHED - timedelta(days=400), False),
    ],
)
def test_publication_time_fallbacks(published: datetime | None, expected: datetime, estimated: bool) -> None:
    item = run(published_at=published)
    assert item.published_at == expected
    assert item.published_at_estimated is estimated


def test_missing_title_is_the_first_line_cut() -> None:
    # (written with ASCII punctuation, which is what NFKC leaves of ：and ，)
    first = "市应急管理局发布通告:受持续强降雨影响,全市所有在建工地自6月1日18时起一律停止室外作业,各单位要做好人员转移安置工作,确保安全"
    item = run(title=None, body=f"{first}\n第二段。")
    assert len(first) > 60
    assert item.title == first[:60]
    assert run(title="   ", body="短文。\n第二段").title == "短文。"


def test_markup_in_a_title_is_removed() -> None:
    assert run(title="《河南省防汛应急预案》<b>政策解读</b>").title == "《河南省防汛应急预案》政策解读"
    assert run(title="A&amp;B 两地\n联合 执法").title == "A&B 两地 联合 执法"
    # comparison signs that are not markup stay
    assert run(title="PM2.5 < 35 为优").title == "PM2.5 < 35 为优"


def test_sizes_are_bounded() -> None:
    item = run(
        title="标" * 5000,
        body="很长的正文。" * 100_000,
        author="作者" * 1000,
        url="https://a.cn/" + "x" * 10_000,
    )
    assert len(item.title) == MAX_TITLE_CHARS
    assert 0 < len(item.text.encode("utf-8")) <= MAX_TEXT_BYTES
    assert item.text.startswith("很长的正文。")
    assert len(item.author or "") <= 200
    assert item.url is not None and len(item.url) <= 2048


def test_long_external_ids_are_hashed() -> None:
    assert run(external_id="x" * 600).external_id.startswith("sha1:")
    assert run(external_id="short").external_id == "short"


def test_negative_counts_are_unknown() -> None:
    item = run(reposts=-1, comments=None, likes=5)
    assert (item.reposts, item.comments, item.likes) == (None, None, 5)


def test_empty_url_and_author() -> None:
    item = run(url="  ", author="  ")
    assert item.url is None and item.canonical_url is None and item.author is None


def test_naive_fetch_time_is_refused() -> None:
    with pytest.raises(ValueError):
        normalise(RawItem(external_id="a", body="b"), zone=SHANGHAI, fetched_at=datetime(2024, 6, 3))  # noqa: DTZ001


def test_normal_items_are_frozen() -> None:
    item = run()
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "x"  # type: ignore[misc]


def test_syndicated_copies_share_a_hash() -> None:
    original = run(
        title="郑州市召开2024年防汛工作部署会",
        body="<p>6月1日上午，郑州市召开防汛工作部署会。</p><p>会议要求：压实防汛责任！</p>",
        body_is_html=True,
    )
    reposted = run(
        external_id="other-outlet-9",
        title="郑州市召开 2024 年防汛工作部署会",
        body="6月1日上午,郑州市召开防汛工作部署会.  会议要求: 压实防汛责任!",
        url="https://other.example.cn/x",
    )
    different = run(title="郑州市召开2024年防汛工作部署会", body="6月2日下午，郑州市召开防汛工作部署会。")
    assert original.content_hash == reposted.content_hash
    assert original.content_hash != different.content_hash


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("标题", "正文"), ("标题", "正文"), True),
        (("标题", "正文"), ("标 题", "正\n文"), True),
        (("Title", "Body"), ("TITLE", "body"), True),
        (("标题", "“正文”。"), ("标题", '"正文".'), True),
        (("标题", "正文一"), ("标题", "正文二"), False),
        (("", "正文"), ("", "正文。"), True),
    ],
)
def test_content_hash(a: tuple[str, str], b: tuple[str, str], same: bool) -> None:
    assert (content_hash(*a) == content_hash(*b)) is same


# --- hostile values: the item is rejected with a reason naming the field, or the value is made safe ---


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reposts": 10**30}, "reposts"),
        ({"comments": 2**63}, "comments"),
        ({"likes": 10**4000}, "likes"),
        ({"author_verified_type": 2**31}, "author_verified_type"),
        ({"author_verified_type": -(2**31) - 1}, "author_verified_type"),
        ({"external_id": "4646\x001323"}, "id"),
        ({"external_id": " \x00 "}, "id"),
        ({"external_id": ""}, "id"),
    ],
)
def test_values_no_database_column_can_hold_reject_the_item(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ItemRejected) as caught:
        run(**fields)
    assert caught.value.reason == "malformed"
    assert str(caught.value).startswith(f"{field}:")
    assert len(str(caught.value)) < 200  # never the 4,000-digit number itself
    assert isinstance(caught.value, ValueError)  # the push API's per-item rejection catches it


def test_the_largest_values_that_fit_are_kept() -> None:
    item = run(reposts=2**63 - 1, author_verified_type=2**31 - 1)
    assert (item.reposts, item.author_verified_type) == (2**63 - 1, 2**31 - 1)


def test_nul_never_reaches_a_stored_field() -> None:
    item = run(
        title="郑州\x00发布", body="<p>正文\x00一</p>", body_is_html=True, author="市\x00政府",
        url="https://www.zhengzhou.gov.cn/a\x00b.htm",
        extra={"tags": ["政务\x00要闻"], "na\x00me": {"deep": ["x\x00y", 10**30, float("nan")]}, "n": 2**70},
    )
    stored = dataclasses.asdict(item)
    assert "\x00" not in repr(stored)
    assert item.title == "郑州发布" and item.text == "正文一" and item.author == "市政府"
    assert item.url == "https://www.zhengzhou.gov.cn/ab.htm"
    # numbers JSON columns cannot hold exactly become their decimal text; NaN is no value at all
    assert item.extra == {"tags": ["政务要闻"], "name": {"deep": ["xy", str(10**30), None]}, "n": str(2**70)}


@pytest.mark.parametrize(
    "published",
    [
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(1, 1, 1),  # noqa: DTZ001 - naive, read in Shanghai: before year 1 in UTC
    ],
)
def test_times_at_the_ends_of_the_calendar_are_unknown_not_an_error(published: datetime) -> None:
    item = run(published_at=published)
    assert item.published_at == FETCHED and item.published_at_estimated


def test_a_batch_counts_each_rejected_item_and_keeps_the_rest() -> None:
    raws = [RawItem(external_id="a", body="一"), RawItem(external_id="b\x00", body="二"),
            RawItem(external_id="c", body="三", reposts=10**30), RawItem(external_id="d", body="四")]
    items, problems = normalise_batch(raws, SHANGHAI, FETCHED)
    assert [item.external_id for item in items] == ["a", "d"]
    assert [reason for reason, _ in problems] == ["malformed", "malformed"]
    assert "reposts" in problems[1][1]
