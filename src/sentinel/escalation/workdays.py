"""Working days (工作日) in China: statutory holidays and adjusted working weekends (调休).

Two deadlines are counted in working days, not hours: a policy document's interpretation (政策解读,
at the latest 3 working days after the document) and the answer to a disclosure request (依申请公开,
20 working days, 政府信息公开条例 第三十三条). Which days are working days is decided each year by the
State Council's holiday notice; the maintained ``chinese_calendar`` package carries those notices.
A weekday can be a holiday (国庆 Oct 1–7) and a weekend day can be a working day (the 调休 Saturday
or Sunday before or after 春节 and 国庆), so plain weekdays are wrong around every long holiday.

``chinese_calendar`` only knows the years whose notices it ships. The State Council publishes next
year's notice in October or November, and a 20-working-day deadline started in December reaches into
that year before a new release of the package does; so an office can copy the notice into the
configuration (:class:`WorkdayCalendar`, ``policy.calendar``) the day it is published. A year listed
there is decided by the list alone; any other year by ``chinese_calendar``.

A year neither knows never stops a deadline: its days off come from the rule
(:func:`rule_holidays`), the statutory holidays of the 全国年节及纪念日放假办法 as amended in 2024
(元旦 1 day, 春节 4 days from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3) with the 补假 its
article 6 gives when one falls on a weekend, as the maintained ``holidays`` package computes them.
Only the adjusted working weekends (调休) are missing, since only the yearly notice fixes them, so a
deadline counted through such a year is *provisional* (:class:`WorkingDeadline`): it says so and why
wherever it shows, and is counted again once the year is known.

Counting (:func:`add_working_days`) follows the general rule for legal periods, 民法典 第二百零一条
and 第二百零三条: the day of the start is not counted, counting begins the next day; the period ends
at the end (24:00) of its last day, or at the close of business where there are business hours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from pydantic import ConfigDict, Field, RootModel, field_validator, model_validator

from sentinel.clock import require_aware
from sentinel.configtypes import Strict

__all__ = [
    "END_OF_DAY",
    "DaySource",
    "WorkdayCalendar",
    "WorkingDeadline",
    "YearDays",
    "add_working_days",
    "count_working_days",
    "covered_spans",
    "covered_years",
    "is_working_day",
    "package_years",
    "provisional_reason",
    "rule_holidays",
    "working_deadline",
    "year_source",
]

#: The last representable moment of a day: 民法典 第二百零三条 ends a period at 24:00 of its last day.
END_OF_DAY = time(23, 59, 59, 999999)

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


class YearDays(Strict):
    """One year of the State Council's holiday notice (国务院办公厅关于部分节假日安排的通知).

    ``holidays`` are the days off that fall Monday to Friday (the statutory days and the rest of
    each holiday; a Saturday or Sunday off is one anyway, so listing it is refused as a likely
    mistake). ``workdays`` are the adjusted working weekend days (调休上班). Both keys must be given,
    ``workdays: []`` when the notice has none: a forgotten list would move every deadline near it.
    """

    holidays: tuple[date, ...]
    workdays: tuple[date, ...]

    @field_validator("holidays", "workdays")
    @classmethod
    def _once_each(cls, value: tuple[date, ...]) -> tuple[date, ...]:
        seen: set[date] = set()
        for day in value:
            if day in seen:
                raise ValueError(f"{day.isoformat()} appears twice")
            seen.add(day)
        return tuple(sorted(value))  # sorted, so that a snapshot reads the same however the file did

    @model_validator(mode="after")
    def _valid(self) -> YearDays:
        # checked in this order so that a day in both lists is reported as that, not as a weekday
        both = sorted(set(self.holidays) & set(self.workdays))
        if both:
            raise ValueError(f"{', '.join(d.isoformat() for d in both)} in both holidays and workdays")
        if not self.holidays:
            # every notice gives weekdays off (春节 at the least): an empty list is a mistake
            raise ValueError("holidays is empty: list the notice's days off that fall Monday to Friday")
        for day in self.holidays:
            if _is_weekend(day):
                raise ValueError(
                    f"holidays: {day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}, a day off anyway; "
                    "list only the days off that fall Monday to Friday")
        for day in self.workdays:
            if not _is_weekend(day):
                raise ValueError(
                    f"workdays: {day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}, a working day "
                    "anyway; list only the Saturdays and Sundays worked (调休上班)")
        return self

    def is_working_day(self, day: date) -> bool:
        """The notice's answer for ``day``, which the caller has checked lies in this year."""
        if day in self.workdays:
            return True
        return day not in self.holidays and not _is_weekend(day)


def _year(key: Any) -> int:
    # YAML reads `2027:` as an int and `"2027":` as a string; a JSON snapshot always has strings
    if isinstance(key, int) and not isinstance(key, bool):
        year = key
    elif isinstance(key, str) and key.strip().isdigit():
        year = int(key)
    else:
        raise ValueError(f"calendar keys are years such as 2027, got {key!r}")
    if not 1000 <= year <= 9999:
        raise ValueError(f"calendar keys are years such as 2027, got {key!r}")
    return year


class WorkdayCalendar(RootModel[dict[int, YearDays]]):
    """The working-day supplement: holiday notices by year, for years ``chinese_calendar`` lacks.

    Configured as ``policy.calendar``, years as keys::

        calendar:
          "2027":
            holidays: [2027-01-01, ...]   # days off falling Monday to Friday
            workdays: [2027-02-20, ...]   # adjusted working Saturdays and Sundays (调休上班)

    Empty by default. A year given here replaces ``chinese_calendar`` for that year entirely.
    """

    # a RootModel so that the file and the snapshot have the years directly under `calendar`;
    # extra keys cannot arise (every key is a year) so Strict's extra="forbid" has nothing to add
    model_config = ConfigDict(frozen=True)

    root: dict[int, YearDays] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _years(cls, data: Any) -> Any:
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            return data  # not a mapping: let pydantic say so
        years: dict[int, Any] = {}
        for key, value in data.items():
            year = _year(key)
            if year in years:
                raise ValueError(f"year {year} is given twice")
            years[year] = value
        return years

    @model_validator(mode="after")
    def _in_their_year(self) -> WorkdayCalendar:
        for year, days in self.root.items():
            for name, listed in (("holidays", days.holidays), ("workdays", days.workdays)):
                strays = [day.isoformat() for day in listed if day.year != year]
                if strays:
                    raise ValueError(f"{year}.{name}: {', '.join(strays)} not in {year}")
        return self

    def years(self) -> tuple[int, ...]:
        """The years given, in order."""
        return tuple(sorted(self.root))

    def year(self, year: int) -> YearDays | None:
        """The notice for ``year``, or None when it is not given."""
        return self.root.get(year)

    def over(self, older: WorkdayCalendar) -> WorkdayCalendar:
        """This calendar's years, and ``older``'s for the years this one does not give: a notice
        entered since a deadline started counts for it (a notice is a fact, not a policy choice)."""
        return WorkdayCalendar.model_validate({**older.root, **self.root})


class DaySource(StrEnum):
    """Where a year's working days come from, the surest first."""

    NOTICE = "notice"  # policy.calendar: the State Council's notice as the office entered it
    PACKAGE = "package"  # chinese_calendar, which ships the notices
    RULE = "rule"  # the statutory holidays by rule, without 调休: deadlines are provisional


@lru_cache(maxsize=1)
def package_years() -> frozenset[int]:
    """The years whose notices ``chinese_calendar`` ships."""
    return frozenset(day.year for day in chinese_calendar.holidays)


def _spans(years: Iterable[int]) -> str:
    """``2004–2026, 2028`` for the years given; ``none`` for no year."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in runs) or "none"


def covered_years(calendar: WorkdayCalendar | None = None) -> tuple[int, ...]:
    """Every year whose working days are known from a notice, the package's or the supplement's."""
    given = calendar.years() if calendar is not None else ()
    return tuple(sorted(package_years() | set(given)))


def covered_spans(calendar: WorkdayCalendar | None = None) -> str:
    """What :func:`covered_years` says, as ``2004–2026, 2028``."""
    return _spans(covered_years(calendar))


def year_source(year: int, calendar: WorkdayCalendar | None = None) -> DaySource:
    """Where ``year``'s working days come from: the supplement, the package, else the rule."""
    if calendar is not None and calendar.year(year) is not None:
        return DaySource.NOTICE
    return DaySource.PACKAGE if year in package_years() else DaySource.RULE


@lru_cache(maxsize=64)
def rule_holidays(year: int) -> dict[date, str]:
    """The days off in ``year`` by rule, with their names: the statutory holidays and the 补假 for
    those on a weekend (全国年节及纪念日放假办法, 2024 text, 第二条 and 第六条), Saturdays and
    Sundays included. The days a notice substitutes (调休) are left out: no rule fixes them."""
    import holidays  # only for a year chinese_calendar does not know: 10 MB imported, 18 MB with China's

    found = holidays.country_holidays("CN", years=year, language="zh_CN")
    return {day: name for day, name in sorted(found.items()) if "调休" not in name and "延长" not in name}


def is_working_day(day: date, calendar: WorkdayCalendar | None = None) -> bool:
    """Whether people work on ``day`` in China (调休 weekend days are working days).

    A year given in ``calendar`` is decided by it, one ``chinese_calendar`` ships by the package, any
    other by the rule (:func:`rule_holidays`, no 调休): the answer never fails for want of a year.
    """
    if isinstance(day, datetime):
        # a datetime's date depends on its zone: the caller must convert first, not us silently
        raise TypeError("is_working_day takes a date; convert the datetime to the local zone first")
    source = year_source(day.year, calendar)
    if source is DaySource.NOTICE:
        notice = calendar.year(day.year) if calendar is not None else None
        assert notice is not None
        return notice.is_working_day(day)
    if source is DaySource.PACKAGE:
        return bool(chinese_calendar.is_workday(day))
    return not _is_weekend(day) and day not in rule_holidays(day.year)


def provisional_reason(years: Iterable[int]) -> str:
    """Why a deadline counted through ``years`` (by rule) is provisional, in Chinese and English."""
    listed = "、".join(str(year) for year in sorted(set(years)))
    spans = _spans(years)
    return (f"暂定：{listed}年放假安排（国务院办公厅通知）尚未录入，按法定节假日推算、未计调休，公布后重新计算 / "
            f"provisional: the holiday notice for {spans} is not known yet; counted on the statutory holidays "
            "without adjusted working weekends, and counted again once it is")


@dataclass(frozen=True, slots=True)
class WorkingDeadline:
    """A working-day deadline and the years it was counted through by rule (none: it is final)."""

    at: datetime
    by_rule: tuple[int, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.by_rule)

    @property
    def reason(self) -> str | None:
        """Why it is provisional; None when it is not."""
        return provisional_reason(self.by_rule) if self.by_rule else None


def count_working_days(
    first: date, days: int, calendar: WorkdayCalendar | None = None, *,
    skip: Callable[[date], bool] | None = None,
) -> tuple[date, tuple[int, ...]]:
    """The ``days``-th working day counting ``first`` itself, leaving out days ``skip`` says, and
    the years it went through by rule. ``days`` must be at least 1."""
    if days < 1:
        raise ValueError(f"expected at least 1 working day, got {days}")
    day = first - timedelta(days=1)
    counted = 0
    by_rule: set[int] = set()
    while counted < days:
        day += timedelta(days=1)
        if year_source(day.year, calendar) is DaySource.RULE:
            by_rule.add(day.year)
        if is_working_day(day, calendar) and not (skip is not None and skip(day)):
            counted += 1
    return day, tuple(sorted(by_rule))


def working_deadline(
    start: datetime,
    days: int,
    zone: ZoneInfo,
    *,
    end_of_day: time = END_OF_DAY,
    calendar: WorkdayCalendar | None = None,
) -> WorkingDeadline:
    """The deadline "within ``days`` working days" of ``start``, as an aware UTC datetime, with the
    years counted by rule when the notice of one is not known (then it is provisional).

    ``start`` is converted to ``zone`` and its local date is the start day, which is not counted,
    whatever the time of day and whether or not it is a working day. The deadline is ``end_of_day``
    (default 23:59:59.999999, i.e. 24:00) local time on the ``days``-th working day after it.
    Raises ``ValueError`` for a naive ``start``, ``days`` < 1 or a zone-aware ``end_of_day``.
    """
    require_aware(start)
    if end_of_day.tzinfo is not None:
        raise ValueError("end_of_day is a local wall time: it must not carry a zone")
    first = start.astimezone(zone).date() + timedelta(days=1)
    day, by_rule = count_working_days(first, days, calendar)
    return WorkingDeadline(datetime.combine(day, end_of_day, tzinfo=zone).astimezone(UTC), by_rule)


def add_working_days(
    start: datetime,
    days: int,
    zone: ZoneInfo,
    *,
    end_of_day: time = END_OF_DAY,
    calendar: WorkdayCalendar | None = None,
) -> datetime:
    """:func:`working_deadline`'s moment alone (for callers that do not show it as provisional)."""
    return working_deadline(start, days, zone, end_of_day=end_of_day, calendar=calendar).at
