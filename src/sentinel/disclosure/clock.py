"""The reply clock of a disclosure request (政府信息公开条例 第三十条至第三十五条), as pure functions.

Everything here takes plain values (days, counts, the working-day calendar) and returns plain values;
the flows store what they return. Days are local dates in the configured zone.

The model (see the reference notes in the module's tests):

- **Receipt** (第三十一条): the day handed in, or signed for; by ordinary post, online or by fax the
  day the receipt is confirmed (:func:`receipt_day`). No receipt day, no clock.
- **Counting**: working days (:mod:`~sentinel.escalation.workdays`), from the day after receipt by
  default (``count_from: next_day``, as practice and the courts count; the 条例 does not say), or the
  receipt day itself (``receipt_day``). The reply is due at the end of the 20th counted day.
- **补正** (第三十条): a notice, at most once, within 7 working days counted the same way
  (:func:`correction_due`). It *discards* the clock: counting starts again from the day the
  corrected request arrives, as a new receipt day; the days before are not carried over.
- **Consultation** (第三十二条 third party, 第三十四条 another agency): the days from the day after
  the letter went out up to and including the day the opinion came back are not counted
  (第三十三条第三款). A consultation still awaited is assumed to run its full 15 working days, the
  time the other side has; so the deadline is always a day, and moves earlier when the answer comes
  sooner. An answer later than that excludes 15 days only: silence after them lets the office decide.
- **Extension** (第三十三条第二款): once, at most 20 working days more, added to the count.
- **Delay** (第三十五条): a later day set by hand replaces the computed one.

A deadline counted through a year whose holiday notice is not known is provisional (:class:`Due`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sentinel.disclosure.models import Channel, Party
from sentinel.escalation.policy import Policy
from sentinel.escalation.workdays import (
    END_OF_DAY,
    WorkdayCalendar,
    count_working_days,
    is_working_day,
    provisional_reason,
)

__all__ = [
    "ClockRules",
    "Due",
    "Pause",
    "ReplyClock",
    "correction_due",
    "counted_days",
    "pause_windows",
    "receipt_day",
    "reply_due",
]

CountFrom = Literal["next_day", "receipt_day"]


@dataclass(frozen=True, slots=True)
class ClockRules:
    """The numbers the clock runs on (from ``policy.disclosure_reply``)."""

    days: int = 20
    extension: int = 20  # the most an extension may add
    count_from: CountFrom = "next_day"
    correction_days: int = 7
    consultation_days: int = 15

    @classmethod
    def from_policy(cls, policy: Policy) -> ClockRules:
        rule = policy.disclosure_reply
        return cls(rule.working_days, rule.extension, rule.count_from, rule.correction_days, rule.consultation_days)


@dataclass(frozen=True, slots=True)
class Pause:
    """A consultation: the letter went out on ``start``; the answer came on ``end`` (None: awaited)."""

    party: Party
    start: date
    end: date | None = None


@dataclass(frozen=True, slots=True)
class ReplyClock:
    """What the deadline depends on. ``received_on`` is the receipt day, or, after a 补正, the day
    the corrected request arrived."""

    received_on: date
    pauses: tuple[Pause, ...] = ()
    extension: int = 0
    delayed_to: date | None = None


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline's last day, and the years counted by rule (then it is provisional)."""

    on: date
    by_rule: tuple[int, ...] = field(default=())

    @property
    def provisional(self) -> bool:
        return bool(self.by_rule)

    @property
    def reason(self) -> str | None:
        return provisional_reason(self.by_rule) if self.by_rule else None

    def at(self, zone: ZoneInfo, end_of_day: time = END_OF_DAY) -> datetime:
        """The moment it runs out: ``end_of_day`` local time on its last day, in UTC."""
        return datetime.combine(self.on, end_of_day, tzinfo=zone).astimezone(UTC)


def receipt_day(channel: Channel | str, *, submitted_on: date | None, confirmed_on: date | None) -> date | None:
    """The day of receipt (第三十一条): the day handed in or signed for; for ordinary post, online and
    fax the day of confirmation (None until it is confirmed)."""
    chosen = Channel(channel)
    if chosen.needs_confirmation:
        return confirmed_on
    return submitted_on


def _first_day(received_on: date, rules: ClockRules) -> date:
    return received_on if rules.count_from == "receipt_day" else received_on + timedelta(days=1)


def pause_windows(pauses: Sequence[Pause], rules: ClockRules, calendar: WorkdayCalendar | None
                  ) -> tuple[list[tuple[date, date]], tuple[int, ...]]:
    """Each consultation's excluded days as ``(start, last)``: the days after ``start`` up to and
    including ``last``, the day the answer came or, if it is awaited or came later, the day the
    other side's 15 working days ran out. Also the years counted by rule on the way."""
    windows: list[tuple[date, date]] = []
    by_rule: set[int] = set()
    for pause in pauses:
        limit, years = count_working_days(pause.start + timedelta(days=1), rules.consultation_days, calendar)
        by_rule.update(years)
        last = limit if pause.end is None else min(pause.end, limit)
        if last > pause.start:
            windows.append((pause.start, last))
    return windows, tuple(sorted(by_rule))


def _skipper(windows: Sequence[tuple[date, date]]) -> Callable[[date], bool]:
    def skip(day: date) -> bool:
        return any(start < day <= last for start, last in windows)
    return skip


def reply_due(clock: ReplyClock, rules: ClockRules, calendar: WorkdayCalendar | None = None) -> Due:
    """The reply's last day: ``rules.days`` plus the extension, counted from the receipt day without
    the consultations' days; or the delayed day (第三十五条) when one is set."""
    if clock.delayed_to is not None:
        return Due(clock.delayed_to)
    windows, paused_years = pause_windows(clock.pauses, rules, calendar)
    day, by_rule = count_working_days(_first_day(clock.received_on, rules), rules.days + clock.extension, calendar,
                                      skip=_skipper(windows))
    # a consultation that ended before its limit makes the limit's year irrelevant: keep only the
    # years the count itself went through, plus those of a consultation still awaited
    awaited = tuple(y for y in paused_years if any(p.end is None for p in clock.pauses))
    return Due(day, tuple(sorted(set(by_rule) | set(awaited))))


def correction_due(received_on: date, rules: ClockRules, calendar: WorkdayCalendar | None = None) -> Due:
    """The last day a 补正 notice may go out (第三十条: within 7 working days of receipt)."""
    day, by_rule = count_working_days(_first_day(received_on, rules), rules.correction_days, calendar)
    return Due(day, by_rule)


def counted_days(clock: ReplyClock, through: date, rules: ClockRules, calendar: WorkdayCalendar | None = None) -> int:
    """How many working days of the clock have been used by the end of ``through``."""
    windows, _ = pause_windows(clock.pauses, rules, calendar)
    skip = _skipper(windows)
    day, used = _first_day(clock.received_on, rules), 0
    while day <= through:
        if is_working_day(day, calendar) and not skip(day):
            used += 1
        day += timedelta(days=1)
    return used
