"""The reply clock (政府信息公开条例 第三十条至第三十五条), table-driven on real holiday notices
(2026 from chinese_calendar) and a year without one (2027, counted by rule until a made-up notice is
given). Expected days are counted by hand: the receipt day is not counted; holidays and ordinary
weekends are not; 调休 weekends are."""

from __future__ import annotations

from datetime import date

import pytest

from sentinel.disclosure.clock import (
    ClockRules,
    Pause,
    ReplyClock,
    correction_due,
    counted_days,
    receipt_day,
    reply_due,
)
from sentinel.disclosure.models import Channel, Party
from sentinel.escalation import workdays
from sentinel.escalation.workdays import WorkdayCalendar

RULES = ClockRules()
THIRD, AGENCY = Party.THIRD_PARTY, Party.AGENCY
# a made-up 2027 notice (not the State Council's): 元旦 Fri Jan 1; 春节 Thu Feb 4 – Wed Feb 10 off,
# Sun Jan 31 and Sat Feb 20 worked
NOTICE_2027 = WorkdayCalendar.model_validate({"2027": {
    "holidays": ["2027-01-01", "2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10"],
    "workdays": ["2027-01-31", "2027-02-20"]}})


@pytest.fixture(autouse=True)
def package_as_released(monkeypatch: pytest.MonkeyPatch) -> None:
    """chinese_calendar 1.11 (2004–2026), whatever newer release is installed."""
    monkeypatch.setattr(workdays, "package_years", lambda: frozenset(range(2004, 2027)))


CASES = [
    # (id, clock, calendar, rules, due, provisional)
    ("plain-march", ReplyClock(date(2026, 3, 10)), None, RULES, date(2026, 4, 8), False),  # 清明 Mon 04-06 off
    # 国庆 2026: Sep 25 (not counted); Sep 28–30 are 1–3; Oct 1–7 off; Oct 8–9 4–5; Sat Oct 10 (调休) 6;
    # Oct 12–16 7–11, 19–23 12–16, 26–29 17–20
    ("across-national-day", ReplyClock(date(2026, 9, 25)), None, RULES, date(2026, 10, 29), False),
    # 春节 2026: Feb 6 (not counted); Feb 9–13 are 1–5; Sat Feb 14 (调休) 6; Feb 15–23 off; Feb 24–27 7–10;
    # Sat Feb 28 (调休) 11; Mar 2–6 12–16; Mar 9–12 17–20
    ("across-spring-festival", ReplyClock(date(2026, 2, 6)), None, RULES, date(2026, 3, 12), False),
    # counting the receipt day itself (a working Friday) moves it one working day earlier
    ("count-from-receipt-day", ReplyClock(date(2026, 2, 6)), None, ClockRules(count_from="receipt_day"),
     date(2026, 3, 11), False),
    # the 2026/2027 boundary: Dec 15 (not counted); Dec 16–31 are 1–12; 元旦 off by rule; Jan 4–8 13–17;
    # Jan 11–13 18–20. 2027 has no notice: provisional
    ("into-2027-by-rule", ReplyClock(date(2026, 12, 15)), None, RULES, date(2027, 1, 13), True),
    # …and the same once the notice is given: no 调休 near it, so the day stands, no longer provisional
    ("into-2027-with-notice", ReplyClock(date(2026, 12, 15)), NOTICE_2027, RULES, date(2027, 1, 13), False),
    # 春节 2027 by rule (除夕 Feb 5 to 初三 Feb 8, 补假 Feb 9–10) and by the notice (its 调休 Sunday counts):
    # Jan 20 (not counted); Jan 21–22 1–2; Jan 25–29 3–7; Feb 1–4 8–11; Feb 11–12 12–13; Feb 15–19 14–18;
    # Feb 22–23 19–20 by rule
    ("2027-festival-by-rule", ReplyClock(date(2027, 1, 20)), None, RULES, date(2027, 2, 23), True),
    # with the notice: Jan 21–22 1–2; Jan 25–29 3–7; Sun Jan 31 8; Feb 1–3 9–11; Feb 4–10 off; Feb 11–12
    # 12–13; Feb 15–19 14–18; Sat Feb 20 19; Mon Feb 22 20
    ("2027-festival-with-notice", ReplyClock(date(2027, 1, 20)), NOTICE_2027, RULES, date(2027, 2, 22), False),
    # a third party consulted from Mon Mar 16 (counted) to Fri Mar 20: Mar 17–20 not counted (4 days)
    ("third-party-pause", ReplyClock(date(2026, 3, 10), (Pause(THIRD, date(2026, 3, 16), date(2026, 3, 20)),)),
     None, RULES, date(2026, 4, 14), False),
    # an opinion still awaited: assumed to take its whole 15 working days (Mar 17 – Apr 7, 清明 off)
    ("consultation-awaited", ReplyClock(date(2026, 3, 10), (Pause(AGENCY, date(2026, 3, 16)),)), None, RULES,
     date(2026, 4, 29), False),
    # an answer after the 15 days excludes the 15 only
    ("late-answer-capped", ReplyClock(date(2026, 3, 10), (Pause(AGENCY, date(2026, 3, 16), date(2026, 5, 1)),)),
     None, RULES, date(2026, 4, 29), False),
    # an extension of 20 working days: Apr 9–10 21–22, Apr 13–30 23–36, 劳动节 May 1–5 off, May 6–8 37–39,
    # and the 40th is Sat May 9, a 调休 working day
    ("extended", ReplyClock(date(2026, 3, 10), extension=20), None, RULES, date(2026, 5, 9), False),
    # 第三十五条: the day set by hand replaces the count
    ("delayed", ReplyClock(date(2026, 3, 10), extension=20, delayed_to=date(2026, 6, 30)), None, RULES,
     date(2026, 6, 30), False),
    # after a 补正 the clock starts again from the corrected request's day (Mar 20): Mar 23 – Apr 20
    ("restart-after-correction", ReplyClock(date(2026, 3, 20)), None, RULES, date(2026, 4, 20), False),
]


@pytest.mark.parametrize(("clock", "calendar", "rules", "due", "provisional"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_reply_deadline(clock: ReplyClock, calendar: WorkdayCalendar | None, rules: ClockRules, due: date,
                        provisional: bool) -> None:
    result = reply_due(clock, rules, calendar)
    assert (result.on, result.provisional) == (due, provisional)
    if provisional:
        assert result.reason is not None and "2027年放假安排" in result.reason


def test_the_correction_window_is_seven_working_days() -> None:
    # received Fri 2026-09-25: Sep 28–30 are 1–3; 国庆 off; Oct 8, 9 are 4, 5; Sat Oct 10 (调休) 6; Mon Oct 12 7
    assert correction_due(date(2026, 9, 25), RULES).on == date(2026, 10, 12)
    late = correction_due(date(2026, 12, 24), RULES)
    assert (late.on, late.provisional) == (date(2027, 1, 5), True)  # Dec 25, 28–31; 元旦 by rule; Jan 4, 5


@pytest.mark.parametrize(("channel", "submitted", "confirmed", "received"), [
    (Channel.IN_PERSON, date(2026, 3, 2), None, date(2026, 3, 2)),
    (Channel.POST_SIGNED, date(2026, 3, 2), None, date(2026, 3, 2)),
    (Channel.POST_UNSIGNED, date(2026, 3, 2), None, None),  # not received until confirmed
    (Channel.POST_UNSIGNED, date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 4)),
    (Channel.ONLINE, date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 3)),
    (Channel.FAX, date(2026, 3, 2), None, None),
])
def test_receipt_day_by_channel(channel: Channel, submitted: date, confirmed: date | None,
                                received: date | None) -> None:
    assert receipt_day(channel, submitted_on=submitted, confirmed_on=confirmed) == received


def test_days_used_leave_out_the_pause() -> None:
    clock = ReplyClock(date(2026, 3, 10), (Pause(THIRD, date(2026, 3, 16), date(2026, 3, 20)),))
    assert counted_days(clock, date(2026, 3, 13), RULES) == 3  # Mar 11, 12, 13
    assert counted_days(clock, date(2026, 3, 20), RULES) == 4  # + Mar 16; Mar 17–20 paused
    assert counted_days(clock, date(2026, 4, 14), RULES) == 20
