"""Working days (工作日) in China: statutory holidays and adjusted working weekends (调休).

Two deadlines are counted in working days, not hours: a policy document's interpretation (政策解读,
at the latest 3 working days after the document) and the answer to a disclosure request (依申请公开,
20 working days, 政府信息公开条例 第三十三条). Which days are working days is decided each year by the
State Council's holiday notice; the maintained ``chinese_calendar`` package carries those notices.
A weekday can be a holiday (国庆 Oct 1–7) and a weekend day can be a working day (the 调休 Saturday
or Sunday before or after 春节 and 国庆), so plain weekdays are wrong around every long holiday.

``chinese_calendar`` only knows the years whose notices it ships, and raises ``NotImplementedError``
for any other year. That is turned into :class:`WorkdayCalendarError`: a deadline is never guessed
from weekdays for a year whose holidays are not known (upgrade the package when the State Council
publishes next year's notice, usually in October or November).

Counting (:func:`add_working_days`) follows the general rule for legal periods, 民法典 第二百零一条
and 第二百零三条: the day of the start is not counted, counting begins the next day; the period ends
at the end (24:00) of its last day, or at the close of business where there are business hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from sentinel.clock import require_aware
from sentinel.errors import SentinelError

__all__ = [
    "END_OF_DAY",
    "WorkdayCalendarError",
    "add_working_days",
    "covered_years",
    "is_working_day",
]

#: The last representable moment of a day: 民法典 第二百零三条 ends a period at 24:00 of its last day.
END_OF_DAY = time(23, 59, 59, 999999)


class WorkdayCalendarError(SentinelError):
    """A date outside the years whose holiday notices ``chinese_calendar`` carries."""

    def __init__(self, day: date) -> None:
        first, last = covered_years()
        self.day = day
        super().__init__(
            f"工作日日历不含 {day.year} 年 / no working-day calendar for {day.isoformat()}: "
            f"chinese_calendar {chinese_calendar.__version__} covers {first}–{last}; "
            "upgrade it once the State Council publishes that year's holiday notice"
        )


def covered_years() -> tuple[int, int]:
    """The first and last year whose holidays the installed ``chinese_calendar`` knows."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def is_working_day(day: date) -> bool:
    """Whether people work on ``day`` in China (调休 weekend days are working days)."""
    if isinstance(day, datetime):
        # a datetime's date depends on its zone: the caller must convert first, not us silently
        raise TypeError("is_working_day takes a date; convert the datetime to the local zone first")
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise WorkdayCalendarError(day) from None


def add_working_days(
    start: datetime, days: int, zone: ZoneInfo, *, end_of_day: time = END_OF_DAY
) -> datetime:
    """The deadline "within ``days`` working days" of ``start``, as an aware UTC datetime.

    ``start`` is converted to ``zone`` and its local date is the start day, which is not counted,
    whatever the time of day and whether or not it is a working day. The deadline is ``end_of_day``
    (default 23:59:59.999999, i.e. 24:00) local time on the ``days``-th working day after it.
    Raises :class:`WorkdayCalendarError` when a day to be counted lies outside the calendar's data,
    and ``ValueError`` for a naive ``start``, ``days`` < 1 or a zone-aware ``end_of_day``.
    """
    require_aware(start)
    if days < 1:
        raise ValueError(f"expected at least 1 working day, got {days}")
    if end_of_day.tzinfo is not None:
        raise ValueError("end_of_day is a local wall time: it must not carry a zone")
    day = start.astimezone(zone).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, end_of_day, tzinfo=zone).astimezone(UTC)
