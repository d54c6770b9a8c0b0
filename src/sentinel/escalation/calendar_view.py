"""What is known of a year's working days, and from where (``sentinel calendar show YEAR``), and
whether next year's holiday notice is still missing late in the year (the operators' alert)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from sentinel.escalation.workdays import (
    DaySource,
    WorkdayCalendar,
    provisional_reason,
    rule_holidays,
    year_source,
)

__all__ = ["NOTICE_EXPECTED_BY", "next_year_missing", "year_view"]

#: After this day of the year (1 November) a missing notice for next year is an operators' alert: the
#: State Council publishes it in October or November, and December's 20-working-day deadlines reach it.
NOTICE_EXPECTED_BY = (11, 1)
_SOURCE_ZH = {DaySource.NOTICE: "国务院办公厅通知（policy.calendar 录入）", DaySource.PACKAGE: "国务院办公厅通知（chinese_calendar）",
              DaySource.RULE: "按法定节假日推算（未含调休，暂定）"}


def year_view(year: int, calendar: WorkdayCalendar | None = None) -> dict[str, Any]:
    """The year's days off falling Monday to Friday and its weekend days worked, with their source."""
    source = year_source(year, calendar)
    days = [date(year, 1, 1) + timedelta(days=n) for n in range((date(year + 1, 1, 1) - date(year, 1, 1)).days)]
    named = rule_holidays(year)
    off: list[dict[str, str]] = []
    worked: list[str] = []
    if source is DaySource.NOTICE:
        assert calendar is not None
        notice = calendar.year(year)
        assert notice is not None
        off = [{"day": d.isoformat(), "name": named.get(d, "")} for d in notice.holidays]
        worked = [d.isoformat() for d in notice.workdays]
    elif source is DaySource.PACKAGE:
        for day in days:
            holiday, name = chinese_calendar.get_holiday_detail(day)
            if day.weekday() < 5 and holiday:
                off.append({"day": day.isoformat(), "name": str(getattr(name, "value", name) or "")})
            elif day.weekday() >= 5 and not holiday:
                worked.append(day.isoformat())
    else:
        off = [{"day": d.isoformat(), "name": name} for d, name in named.items() if d.weekday() < 5]
    return {"year": year, "source": source.value, "source_zh": _SOURCE_ZH[source], "holidays": off, "workdays": worked,
            "note": provisional_reason([year]) if source is DaySource.RULE else None}


def next_year_missing(now: datetime, zone: ZoneInfo, calendar: WorkdayCalendar | None = None) -> int | None:
    """Next year, when it is on or after 1 November and its holiday notice is not known; else None."""
    today = now.astimezone(zone).date()
    if (today.month, today.day) < NOTICE_EXPECTED_BY:
        return None
    return today.year + 1 if year_source(today.year + 1, calendar) is DaySource.RULE else None
