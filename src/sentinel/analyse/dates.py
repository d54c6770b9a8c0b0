"""The day an item says its event happened: "3月5日凌晨", "5日下午", "昨天清晨", "今晨".

``event_days(title, text, published_at, zone)`` reads the title and the lead (the first
:data:`LEAD_SENTENCES` sentences, at most :data:`LEAD_CHARS` characters: where a report says when
it happened) and returns the calendar days named there, resolved against the item's publication
time in the office's zone:

- ``2008年5月12日`` → that day; ``5月12日`` → that day of the publication's year, or of the year
  before when that day would lie more than a day after the publication;
- ``12日凌晨`` / ``伊拉克12日一座检查站…`` (a day without a month, not a span such as 7日内 or
  近3日) → the latest day 12 not after the publication;
- 今天/今日/今晨/今早/今晚 → the publication day; 昨天/昨日/昨晚/昨夜/昨晨 → the day before;
  前天/前日/前晚 → two days before.

A wire dateline ("新华网合肥8月1日电", "本报讯 3月5日") dates the report, not the event, and is skipped.
Clustering uses the days to keep apart two events of one kind that happened on different days.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sentinel.analyse.numerals import parse_number

__all__ = ["LEAD_SENTENCES", "event_days"]

LEAD_SENTENCES = 3
LEAD_CHARS = 200

_N = r"(?:[0-9]{1,4}|[零〇○一二两三四五六七八九十]{1,4})"
# Datelines and report dates: "合肥8月1日电", "3月31日报道", "5日消息", "昨天宣布".
_DATELINE = re.compile(rf"(?:(?:{_N}年)?{_N}月)?{_N}日(?:电|讯|报道|消息|发布|宣布|表示|称|晚间报道|援引)"
                       r"|(?:今天|今日|昨天|昨日)(?:报道|宣布|表示|称|发布)")
_FULL = re.compile(rf"(?:({_N})年)?({_N})月({_N})[日号]")
# A day without its month: "28日凌晨", "伊拉克30日一座检查站…"; not a span or a count of days
# ("近3日", "7日内", "3日游") and not a report's own date ("30日电", "30日报道", handled above).
_DAY_ONLY = re.compile(rf"(?<![月0-9零〇○一二两三四五六七八九十近前后第每逾超这那共])({_N})[日号](?![内元前后起至到止电讯报游天期间以左])")
_RELATIVE = {
    "今天": 0, "今日": 0, "今晨": 0, "今早": 0, "今晚": 0, "今天凌晨": 0,
    "昨天": 1, "昨日": 1, "昨晚": 1, "昨夜": 1, "昨晨": 1,
    "前天": 2, "前日": 2, "前晚": 2,
}
_RELATIVE_RE = re.compile("|".join(sorted(_RELATIVE, key=len, reverse=True)))
_SENTENCE_END = re.compile(r"[。！？!?\n]")


def _int(text: str | None) -> int | None:
    if not text:
        return None
    quantity = parse_number(text)
    if quantity is None or quantity.approximate:
        return None
    value = int(quantity.value)
    return value if value == quantity.value else None


def _lead(text: str) -> str:
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    lead = text[: ends[LEAD_SENTENCES - 1]] if len(ends) >= LEAD_SENTENCES else text
    return lead[:LEAD_CHARS]


def event_days(title: str | None, text: str, published_at: datetime | None, zone: ZoneInfo
               ) -> tuple[date, ...]:
    """The days the title and lead name as the event's, ascending; () when they name none."""
    if published_at is None:
        return ()
    published = published_at.astimezone(zone).date()
    window = _DATELINE.sub("", f"{title or ''}\n{_lead(text)}")
    days: set[date] = set()
    for match in _FULL.finditer(window):
        year, month, day = _int(match.group(1)), _int(match.group(2)), _int(match.group(3))
        if year is not None and year < 100:
            year = None  # "08年" and the like: too ambiguous to trust
        found = _resolve(year, month, day, published)
        if found is not None:
            days.add(found)
    for match in _DAY_ONLY.finditer(window):
        day = _int(match.group(1))
        if day is None or not 1 <= day <= 31:
            continue
        month, year = published.month, published.year
        for _ in range(3):  # this month, else the latest earlier month that has the day
            found = _resolve(year, month, day, published)
            if found is not None and found <= published:
                days.add(found)
                break
            month, year = (month - 1, year) if month > 1 else (12, year - 1)
    for match in _RELATIVE_RE.finditer(window):
        days.add(published - timedelta(days=_RELATIVE[match.group(0)]))
    return tuple(sorted(days))


def _resolve(year: int | None, month: int | None, day: int | None, published: date) -> date | None:
    if month is None or day is None:
        return None
    try:
        if year is not None:
            return date(year, month, day)
        found = date(published.year, month, day)
        if found > published + timedelta(days=1):
            found = date(published.year - 1, month, day)
        return found
    except ValueError:
        return None
