"""Dates as Chinese news sites and feeds write them, to aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from sentinel.normalise.times import check_future, in_utc, parse_date, parse_iso, parse_timestamp, to_utc

SHANGHAI = ZoneInfo("Asia/Shanghai")
CST = timezone(timedelta(hours=8))
# 2024-06-03 12:00 in Beijing
REFERENCE = datetime(2024, 6, 3, 4, 0, tzinfo=UTC)


def naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - the expected value is a zone-less wall time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01 10:20", naive(2024, 6, 1, 10, 20)),
        ("2024-06-01 10:20:35", naive(2024, 6, 1, 10, 20, 35)),
        ("2024-6-1 9:05", naive(2024, 6, 1, 9, 5)),
        ("2024年6月1日 10:20", naive(2024, 6, 1, 10, 20)),
        ("2024年06月01日10时20分", naive(2024, 6, 1, 10, 20)),
        ("2024年6月1日", naive(2024, 6, 1)),
        ("2024/06/01", naive(2024, 6, 1)),
        ("2024/06/01 10:20", naive(2024, 6, 1, 10, 20)),
        ("2024.06.01", naive(2024, 6, 1)),
        ("2024-06-01-10:20:30", naive(2024, 6, 1, 10, 20, 30)),
        ("20240601", naive(2024, 6, 1)),
        ("20240601102000", naive(2024, 6, 1, 10, 20)),
        ("发布时间：2024-06-01 10:20　来源：郑州市人民政府", naive(2024, 6, 1, 10, 20)),
        ("[2024-06-01]", naive(2024, 6, 1)),
        # RFC 822 (RSS)
        ("Sat, 01 Jun 2024 10:20:00 +0800", datetime(2024, 6, 1, 10, 20, tzinfo=CST)),
        ("Sat, 01 Jun 2024 02:20:00 GMT", datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        ("01 Jun 2024 10:20 +0800", datetime(2024, 6, 1, 10, 20, tzinfo=CST)),
        ("Sat, 01 Jun 2024 10:20:00", naive(2024, 6, 1, 10, 20)),
        # "CST" on a Chinese feed is China Standard Time: left zone-less, read in the source's zone
        ("Sun, 02 Jun 2024 07:05:00 CST", naive(2024, 6, 2, 7, 5)),
        # ISO 8601 / RFC 3339
        ("2024-06-01T10:20:00+08:00", datetime(2024, 6, 1, 10, 20, tzinfo=CST)),
        ("2024-06-01T02:20:00Z", datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        ("2024-06-01T02:20:00z", datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        ("2024-06-01T10:20:00.250+08:00", datetime(2024, 6, 1, 10, 20, 0, 250000, tzinfo=CST)),
        ("2024-06-01T10:20:00", naive(2024, 6, 1, 10, 20)),
        ("2024-06-01 10:20:00 +0800", datetime(2024, 6, 1, 10, 20, tzinfo=CST)),
        ("2024-06-01 10:20:00 +08:00", datetime(2024, 6, 1, 10, 20, tzinfo=CST)),
        # not dates
        ("2024-13-01", None),
        ("2024-02-30 10:00", None),
        ("", None),
        (None, None),
        ("   ", None),
        ("明天上午", None),
        ("第12345号", None),
        ("06-01 10:20", None),  # needs a reference year: parse_date reads it
    ],
)
def test_parse_timestamp(text: str | None, expected: datetime | None) -> None:
    found = parse_timestamp(text)
    assert found == expected
    if expected is not None:
        assert found is not None and (found.tzinfo is None) == (expected.tzinfo is None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01 10:20", datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        ("2024-06-01T10:20:00Z", datetime(2024, 6, 1, 10, 20, tzinfo=UTC)),
        ("Sat, 01 Jun 2024 10:20:00 +0800", datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        # month and day only: this year, or last year when this year's would be in the future
        ("06-01 10:20", datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        ("6月1日", datetime(2024, 5, 31, 16, 0, tzinfo=UTC)),
        ("06/02", datetime(2024, 6, 1, 16, 0, tzinfo=UTC)),
        ("12-31 23:00", datetime(2023, 12, 31, 15, 0, tzinfo=UTC)),
        # relative forms, in the zone
        ("今天 10:20", datetime(2024, 6, 3, 2, 20, tzinfo=UTC)),
        ("昨天 23:10", datetime(2024, 6, 2, 15, 10, tzinfo=UTC)),
        ("前天", datetime(2024, 5, 31, 16, 0, tzinfo=UTC)),
        ("3分钟前", datetime(2024, 6, 3, 3, 57, tzinfo=UTC)),
        ("2小时前", datetime(2024, 6, 3, 2, 0, tzinfo=UTC)),
        ("1天前", datetime(2024, 6, 2, 4, 0, tzinfo=UTC)),
        ("刚刚", REFERENCE),
        # up to a day ahead is clamped to the reference; further ahead is rejected
        ("2024-06-03 20:00", REFERENCE),
        ("2024-06-05 10:00", None),
        ("2025-06-01", None),
        # placeholder dates are rejected
        ("1970-01-01 08:00", None),
        ("nonsense", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text, SHANGHAI, REFERENCE) == expected


def test_parse_date_month_day_across_new_year() -> None:
    # 2025-01-01 00:30 in Beijing; "12-31 23:50" is the evening before, not next December
    reference = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)
    assert parse_date("12-31 23:50", SHANGHAI, reference) == datetime(2024, 12, 31, 15, 50, tzinfo=UTC)
    assert parse_date("01-01 00:10", SHANGHAI, reference) == datetime(2024, 12, 31, 16, 10, tzinfo=UTC)


def test_parse_date_reads_naive_times_in_the_given_zone() -> None:
    assert parse_date("2024-06-01 10:20", ZoneInfo("UTC"), REFERENCE) == datetime(
        2024, 6, 1, 10, 20, tzinfo=UTC
    )
    assert parse_date("2024-06-01 10:20", ZoneInfo("Asia/Urumqi"), REFERENCE) == datetime(
        2024, 6, 1, 4, 20, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("dt", "zone", "expected"),
    [
        (naive(2024, 6, 1, 10, 20), SHANGHAI, datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        (datetime(2024, 6, 1, 10, 20, tzinfo=CST), ZoneInfo("UTC"), datetime(2024, 6, 1, 2, 20, tzinfo=UTC)),
        # a naive summer time in New York is EDT (UTC-4), a winter one EST (UTC-5)
        (naive(2024, 7, 1, 12, 0), ZoneInfo("America/New_York"), datetime(2024, 7, 1, 16, 0, tzinfo=UTC)),
        (naive(2024, 1, 1, 12, 0), ZoneInfo("America/New_York"), datetime(2024, 1, 1, 17, 0, tzinfo=UTC)),
    ],
)
def test_to_utc(dt: datetime, zone: ZoneInfo, expected: datetime) -> None:
    result = to_utc(dt, zone)
    assert result == expected and result.tzinfo is UTC


@pytest.mark.parametrize(
    ("offset", "expected_offset"),
    [
        (timedelta(hours=-5), timedelta(hours=-5)),
        (timedelta(0), timedelta(0)),
        (timedelta(hours=3), timedelta(0)),
        (timedelta(hours=24), timedelta(0)),
        (timedelta(hours=24, seconds=1), None),
    ],
)
def test_check_future(offset: timedelta, expected_offset: timedelta | None) -> None:
    found = check_future(REFERENCE + offset, REFERENCE)
    assert found == (None if expected_offset is None else REFERENCE + expected_offset)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_time_beyond_the_calendar_in_utc_is_a_value_error_not_an_overflow(text: str) -> None:
    with pytest.raises(ValueError, match="beyond the calendar"):
        parse_iso(text)
    with pytest.raises(ValueError, match="beyond the calendar"):
        in_utc(datetime.fromisoformat(text))
    assert parse_iso("0001-01-01T00:00:00+00:00") == datetime(1, 1, 1, tzinfo=UTC)  # the very edge is inside
