"""Times as Chinese news sites and feeds write them, turned into aware UTC.

:func:`parse_timestamp` reads absolute forms and returns a naive datetime when the text named no
zone; :func:`parse_date` also reads forms that need a reference time (``06-01 10:20``, ``昨天 10:20``,
``3小时前``), reads naive times in the source's zone and returns aware UTC.

The future rule (:func:`check_future`): a time up to :data:`FUTURE_SLACK` (one day) after the
reference is clamped to the reference: it is clock skew or a zone mistake, and a publication time
later than the fetch would start response clocks late. A time further ahead is rejected (None): it
is a typo, a scheduled item or a wrong year, and callers then use the fetch time and mark it as an
estimate. Times before :data:`EARLIEST` (epoch-zero and placeholder dates) are rejected as well.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

FUTURE_SLACK = timedelta(days=1)
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)

_TIME = (
    r"(?:[\sT_-]*(?P<hour>\d{1,2})\s*[:：时]\s*(?P<minute>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<second>\d{1,2})(?:\.(?P<fraction>\d{1,6})\d*)?)?\s*秒?)?"
)
_ZONE = r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
_FULL = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d{2})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})(?!\d)\s*日?"
    + _TIME
    + _ZONE,
    re.IGNORECASE,
)
_COMPACT = re.compile(
    r"^(?P<year>(?:19|20)\d{2})(?P<month>\d{2})(?P<day>\d{2})(?:(?P<hour>\d{2})(?P<minute>\d{2})(?P<second>\d{2})?)?$"
)
_MONTH_DAY = re.compile(r"(?<![\d.:/-])(?P<month>\d{1,2})\s*[-/月]\s*(?P<day>\d{1,2})(?![\d:])\s*日?" + _TIME)
_DAY_WORD = re.compile(r"(?P<word>今天|今日|昨天|昨日|前天)\s*" + _TIME.replace(r"[\sT_-]*", r"\s*", 1))
_AGO = re.compile(r"(?P<count>\d+)\s*(?P<unit>秒|分钟|小时|天|周)前")
_JUST_NOW = re.compile(r"刚刚|刚才")
_RFC822_HINT = re.compile(r"[A-Za-z]{3},?\s+\d|\d\s+[A-Za-z]{3}\s+\d{2,4}")

_CST = re.compile(r"\s+CST$", re.IGNORECASE)

_AGO_UNITS = {"秒": "seconds", "分钟": "minutes", "小时": "hours", "天": "days", "周": "weeks"}
_DAY_OFFSETS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def parse_iso(value: object, *, zone: ZoneInfo | None = None) -> datetime:
    """An ISO 8601 time (``Z`` accepted) as an aware datetime. Without an offset it is read in
    ``zone`` when one is given, else refused. ValueError says what was wrong, for the caller to
    prefix with the field's name."""
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 time with an offset, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        if zone is None:
            raise ValueError(f"needs a UTC offset, got {value!r}")
        parsed = parsed.replace(tzinfo=zone)
    in_utc(parsed)  # refused here, with the value, rather than an OverflowError wherever it is compared
    return parsed


def in_utc(dt: datetime) -> datetime:
    """An aware ``dt`` in UTC. ValueError, not OverflowError, when that is past either end of the
    calendar (``0001-01-01T00:00+14:00``, ``9999-12-31T23:59-14:00``)."""
    try:
        return dt.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{dt.isoformat()} is beyond the calendar once in UTC") from None


def to_utc(dt: datetime, zone: ZoneInfo) -> datetime:
    """``dt`` in UTC; a naive ``dt`` is read as wall time in ``zone``."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=zone)
    return dt.astimezone(UTC)


def check_future(dt: datetime, reference: datetime) -> datetime | None:
    """Apply the future rule and the earliest bound (module docstring) to an aware ``dt``."""
    if dt < EARLIEST:
        return None
    if dt > reference:
        return reference if dt - reference <= FUTURE_SLACK else None
    return dt


def parse_timestamp(text: str | None) -> datetime | None:
    """An absolute date or date-time in ``text``: ISO 8601 / RFC 3339, RFC 822 (RSS), and the Chinese
    forms ``2024-06-01 10:20``, ``2024/06/01``, ``2024.06.01``, ``2024年6月1日 10时20分``.

    The result is aware when the text named a zone or offset, naive when it did not. The date may be
    embedded in other text (``发布时间：2024-06-01 10:20 来源：...``). None when nothing fits.
    """
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    if text[:4].isdigit() and len(text) <= 40:
        try:
            return datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            pass
        compact = _COMPACT.match(text)
        if compact:
            return _build(compact)
    if _RFC822_HINT.search(text):
        try:
            # "CST" on Chinese feeds means China Standard Time, which email.utils reads as US
            # Central: drop it, and the time is read in the source's zone like any zone-less time.
            parsed = parsedate_to_datetime(_CST.sub("", text))
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is not None:
            return parsed
    match = _FULL.search(text)
    if match:
        return _build(match)
    return None


def parse_date(text: str | None, zone: ZoneInfo, reference: datetime) -> datetime | None:
    """A publication time in ``text`` as aware UTC, or None.

    Besides :func:`parse_timestamp`'s forms, reads ``06-01 10:20`` / ``6月1日`` (the year that puts it
    not after ``reference``), ``今天/昨天/前天 10:20``, ``3分钟前``/``2小时前``/``刚刚``. Naive
    times are read in ``zone``; ``reference`` (aware, usually the fetch time) anchors relative forms
    and the future rule (module docstring).
    """
    if not text:
        return None
    text = text.strip()
    local_ref = reference.astimezone(zone)
    found = parse_timestamp(text)
    if found is None:
        found = _parse_relative(text, local_ref)
    if found is None:
        found = _parse_month_day(text, local_ref)
    if found is None:
        return None
    return check_future(to_utc(found, zone), reference)


def _parse_relative(text: str, local_ref: datetime) -> datetime | None:
    if _JUST_NOW.search(text):
        return local_ref
    ago = _AGO.search(text)
    if ago:
        return local_ref - timedelta(**{_AGO_UNITS[ago.group("unit")]: int(ago.group("count"))})
    day = _DAY_WORD.search(text)
    if day:
        date = (local_ref - timedelta(days=_DAY_OFFSETS[day.group("word")])).date()
        hour = int(day.group("hour") or 0)
        minute = int(day.group("minute") or 0)
        second = int(day.group("second") or 0)
        try:
            return datetime(date.year, date.month, date.day, hour, minute, second, tzinfo=local_ref.tzinfo)
        except ValueError:
            return None
    return None


def _parse_month_day(text: str, local_ref: datetime) -> datetime | None:
    match = _MONTH_DAY.search(text)
    if match is None:
        return None
    for year in (local_ref.year, local_ref.year - 1):
        found = _build(match, year=year, tzinfo=local_ref.tzinfo)
        if found is None:
            continue  # 02-29 in a year without it: try the year before
        if found - local_ref <= FUTURE_SLACK:
            return found
    return None


def _build(match: re.Match[str], *, year: int | None = None, tzinfo: tzinfo | None = None) -> datetime | None:
    """A datetime from a match's groups: aware when the text named a zone or ``tzinfo`` is given."""
    groups = match.groupdict()
    fraction = groups.get("fraction") or ""
    zone = groups.get("zone")
    try:
        return datetime(
            year if year is not None else int(groups["year"]),
            int(groups["month"]),
            int(groups["day"]),
            int(groups.get("hour") or 0),
            int(groups.get("minute") or 0),
            int(groups.get("second") or 0),
            int(fraction.ljust(6, "0")) if fraction else 0,
            tzinfo=_offset(zone) if zone else tzinfo,  # None: the text named no zone, read it later
        )
    except ValueError:
        return None


def _offset(zone: str) -> timezone:
    zone = zone.upper()
    if zone in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))
