"""Working days on real holiday notices (国务院办公厅关于部分节假日安排的通知, 2024–2026), and on a
made-up 2027 supplement (the 2027 notice is not out yet: its dates below are invented for the tests).

Expected deadlines are counted by hand from the notices: the start day does not count, holidays and
ordinary weekends do not count, 调休 weekend days do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from pydantic import ValidationError

from sentinel.escalation import workdays
from sentinel.escalation.workdays import (
    DaySource,
    WorkdayCalendar,
    add_working_days,
    covered_years,
    is_working_day,
    rule_holidays,
    working_deadline,
    year_source,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def package_as_released(monkeypatch: pytest.MonkeyPatch) -> None:
    """chinese_calendar 1.11 ships 2004–2026: pinned, so that a newer release knowing 2027 leaves the
    cases about a year without its notice as they are."""
    monkeypatch.setattr(workdays, "package_years", lambda: frozenset(range(2004, 2027)))


def local(y: int, mo: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SHANGHAI)


def end_of(y: int, mo: int, d: int) -> datetime:
    """The end of a local day, as UTC: 23:59:59.999999 +08:00 is 15:59:59.999999Z."""
    return datetime(y, mo, d, 23, 59, 59, 999999, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # 国庆 2024: Oct 1–7 off, Sun Sep 29 and Sat Oct 12 worked
        pytest.param(local(2024, 9, 30), 3, end_of(2024, 10, 10), id="2024-national-day-mon-before"),
        pytest.param(local(2024, 9, 27), 3, end_of(2024, 10, 8), id="2024-friday-before-national-day"),
        pytest.param(local(2024, 10, 5), 3, end_of(2024, 10, 10), id="2024-published-during-holiday"),
        pytest.param(local(2024, 10, 9), 3, end_of(2024, 10, 12), id="2024-adjusted-saturday-oct-12"),
        # 国庆+中秋 2025: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked
        pytest.param(local(2025, 9, 30), 3, end_of(2025, 10, 11), id="2025-national-day-ends-on-saturday"),
        pytest.param(local(2025, 9, 26), 1, end_of(2025, 9, 28), id="2025-friday-then-adjusted-sunday"),
        # 春节 2024: Feb 10–17 off, Sun Feb 4 and Sun Feb 18 worked
        pytest.param(local(2024, 2, 2), 3, end_of(2024, 2, 6), id="2024-spring-festival-sunday-feb-4"),
        pytest.param(local(2024, 2, 8), 3, end_of(2024, 2, 19), id="2024-spring-festival-across"),
        # 春节 2025: Jan 28–Feb 4 off, Sun Jan 26 and Sat Feb 8 worked
        pytest.param(local(2025, 2, 7), 3, end_of(2025, 2, 11), id="2025-spring-festival-saturday-feb-8"),
        pytest.param(local(2025, 1, 24), 3, end_of(2025, 2, 5), id="2025-friday-before-spring-festival"),
        # 春节 2026: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked
        pytest.param(local(2026, 2, 13), 3, end_of(2026, 2, 25), id="2026-friday-then-adjusted-saturday"),
        pytest.param(local(2026, 2, 26), 2, end_of(2026, 2, 28), id="2026-adjusted-saturday-feb-28"),
        # 清明: 2024 Apr 4–6 off with Sun Apr 7 worked; 2025 Apr 4–6 off
        pytest.param(local(2024, 4, 3), 3, end_of(2024, 4, 9), id="2024-qingming"),
        pytest.param(local(2025, 4, 3), 3, end_of(2025, 4, 9), id="2025-qingming"),
        # 劳动节 2025: May 1–5 off, Sun Apr 27 worked
        pytest.param(local(2025, 4, 25), 3, end_of(2025, 4, 29), id="2025-labour-day-sunday-apr-27"),
        pytest.param(local(2025, 4, 30), 3, end_of(2025, 5, 8), id="2025-labour-day-across"),
        # 劳动节 2026: May 1–5 off, Sat May 9 worked
        pytest.param(local(2026, 4, 30), 4, end_of(2026, 5, 9), id="2026-labour-day-saturday-may-9"),
        # the year boundary: 元旦 2026 Jan 1–3 off, Sun Jan 4 worked; 元旦 2025 Jan 1 off
        pytest.param(local(2025, 12, 31), 3, end_of(2026, 1, 6), id="2025-2026-new-year"),
        pytest.param(local(2025, 12, 31), 1, end_of(2026, 1, 4), id="2026-adjusted-sunday-jan-4"),
        pytest.param(local(2024, 12, 31), 3, end_of(2025, 1, 6), id="2024-2025-new-year"),
        # 20 working days (第三十三条) across 国庆 2025 with both adjusted days
        pytest.param(local(2025, 9, 15), 20, end_of(2025, 10, 17), id="2025-disclosure-20-days"),
        pytest.param(local(2025, 9, 15), 40, end_of(2025, 11, 14), id="2025-disclosure-extended-40"),
        # an ordinary week: Wednesday + 3 = Monday
        pytest.param(local(2025, 3, 12), 3, end_of(2025, 3, 17), id="ordinary-week"),
    ],
)
def test_add_working_days(start: datetime, days: int, due: datetime) -> None:
    result = add_working_days(start, days, SHANGHAI)
    assert result == due
    assert result.tzinfo is UTC


def test_the_start_day_is_the_local_date_not_the_utc_date() -> None:
    # 2025-04-29 16:30Z is Wed Apr 30 00:30 in Shanghai: counting starts on May 1 (a holiday), not Apr 30
    start = datetime(2025, 4, 29, 16, 30, tzinfo=UTC)
    assert add_working_days(start, 3, SHANGHAI) == end_of(2025, 5, 8)
    # the same instant seen from UTC would start on Apr 30 and end on May 7
    assert add_working_days(start, 3, ZoneInfo("UTC")) == datetime(2025, 5, 7, 23, 59, 59, 999999, tzinfo=UTC)


def test_time_of_day_of_the_start_does_not_matter() -> None:
    assert add_working_days(local(2025, 3, 12, 0, 1), 3, SHANGHAI) == add_working_days(
        local(2025, 3, 12, 23, 59), 3, SHANGHAI)


def test_end_of_day_is_configurable() -> None:
    due = add_working_days(local(2024, 9, 27), 3, SHANGHAI, end_of_day=time(17, 30))
    assert due == datetime(2024, 10, 8, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "working"),
    [(date(2024, 9, 29), True), (date(2024, 10, 12), True), (date(2025, 2, 8), True),
     (date(2026, 2, 14), True), (date(2024, 10, 7), False), (date(2025, 10, 8), False),
     (date(2025, 5, 5), False), (date(2025, 3, 15), False), (date(2025, 3, 14), True)],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_is_working_day_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        is_working_day(local(2025, 3, 12))


@pytest.mark.parametrize(
    ("start", "days", "due", "by_rule"),
    [
        # Wed 2026-12-30: Thu Dec 31; 元旦 Fri 2027-01-01 off by rule; Mon Jan 4, Tue Jan 5
        pytest.param(local(2026, 12, 30), 3, end_of(2027, 1, 5), (2027,), id="runs-into-2027"),
        # Fri 2027-02-05 (除夕, off by rule, not counted anyway): 春节 Feb 6–8 and its 补假 Feb 9–10 off,
        # then Thu Feb 11, Fri Feb 12, Mon Feb 15
        pytest.param(local(2027, 2, 5), 3, end_of(2027, 2, 15), (2027,), id="spring-festival-by-rule"),
        # Wed 2027-09-29: Thu Sep 30; 国庆 Oct 1–3 and 补假 Mon Oct 4, Tue Oct 5 off; Wed Oct 6, Thu Oct 7
        pytest.param(local(2027, 9, 29), 3, end_of(2027, 10, 7), (2027,), id="national-day-by-rule"),
        # Sun 2003-06-01, before the package: Mon–Wed
        pytest.param(local(2003, 6, 1), 3, end_of(2003, 6, 4), (2003,), id="before-2004"),
        # Mon 2026-12-28 + 3 = Thu Dec 31: nothing by rule, final
        pytest.param(local(2026, 12, 28), 3, end_of(2026, 12, 31), (), id="last-known-days"),
    ],
)
def test_a_year_without_its_notice_is_counted_by_rule_and_marked(start: datetime, days: int, due: datetime,
                                                                 by_rule: tuple[int, ...]) -> None:
    deadline = working_deadline(start, days, SHANGHAI)
    assert (deadline.at, deadline.by_rule, deadline.provisional) == (due, by_rule, bool(by_rule))
    assert add_working_days(start, days, SHANGHAI) == due
    if by_rule:
        assert deadline.reason is not None and f"{by_rule[0]}年放假安排" in deadline.reason and "未计调休" in deadline.reason
    else:
        assert deadline.reason is None


def test_the_rule_is_the_2024_holiday_law() -> None:
    """全国年节及纪念日放假办法 (2024): 元旦 1, 春节 4 from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3,
    with 补假 on the next working day for those on a weekend; no 调休."""
    days = rule_holidays(2027)
    statutory = {d for d, name in days.items() if "补假" not in name}
    assert len(statutory) == 13
    assert {date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)} <= statutory  # 除夕 to 初三
    assert {date(2027, 5, 1), date(2027, 5, 2), date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)} <= statutory
    assert {d for d, name in days.items() if "补假" in name} == {
        date(2027, 2, 9), date(2027, 2, 10), date(2027, 5, 3), date(2027, 5, 4), date(2027, 10, 4), date(2027, 10, 5)}
    assert year_source(2027) is DaySource.RULE and year_source(2026) is DaySource.PACKAGE
    assert year_source(2027, CALENDAR) is DaySource.NOTICE
    # a year with a notice never falls back to the rule's weekend days: the notice's 调休 Saturday works
    assert is_working_day(date(2027, 2, 20), CALENDAR) and not is_working_day(date(2027, 2, 20))


@pytest.mark.parametrize("days", [0, -1])
def test_days_must_be_positive(days: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(local(2025, 3, 12), days, SHANGHAI)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_working_days(datetime(2025, 3, 12, 10, 0), 3, SHANGHAI)  # noqa: DTZ001 - on purpose


def test_agrees_with_the_calendar_everywhere() -> None:
    """Every start in 2024–2026: the due day is a working day, exactly N working days after."""
    first, last = date(2024, 1, 1), date(2026, 12, 31)
    calendar = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    working = [day for day in calendar if chinese_calendar.is_workday(day)]
    for index, day in enumerate(calendar[:-40]):
        start = datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI)
        for days in (1, 3, 20) if index % 5 == 0 else (1, 3):
            due_day = add_working_days(start, days, SHANGHAI).astimezone(SHANGHAI).date()
            assert due_day in working
            assert bisect_right(working, due_day) - bisect_right(working, day) == days


# A made-up 2027 notice: 元旦 on Fri Jan 1; 春节 off Mon Feb 8 – Fri Feb 12; Sat Feb 20 worked.
SUPPLEMENT_2027 = {
    "2027": {
        "holidays": ["2027-02-12", "2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11"],
        "workdays": ["2027-02-20"],
    }
}
CALENDAR = WorkdayCalendar.model_validate(SUPPLEMENT_2027)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # a Friday listed as a holiday
        (date(2027, 1, 2), False),  # an ordinary Saturday
        (date(2027, 1, 4), True),  # an ordinary Monday
        (date(2027, 2, 10), False),
        (date(2027, 2, 20), True),  # the adjusted Saturday
        (date(2027, 2, 21), False),
        # other years still come from chinese_calendar: 国庆 2026, and the 调休 Saturday of 春节 2026
        (date(2026, 10, 1), False),
        (date(2026, 2, 14), True),
    ],
)
def test_the_supplement_decides_its_year(day: date, working: bool) -> None:
    assert is_working_day(day, CALENDAR) is working


def test_twenty_working_days_into_2027() -> None:
    # from Thu 2026-12-10 (not counted): Fri Dec 11 is 1; Dec 14–18 are 2–6, Dec 21–25 are 7–11,
    # Dec 28–31 are 12–15; Fri Jan 1 is off; Jan 4–7 are 16–19; Fri Jan 8 is the 20th
    start = local(2026, 12, 10, 9)
    assert add_working_days(start, 20, SHANGHAI, calendar=CALENDAR) == end_of(2027, 1, 8)
    # without Jan 1 listed as a holiday it would be the working day the 20th falls on: Thu Jan 7
    no_new_year = WorkdayCalendar.model_validate({2027: {"holidays": ["2027-02-08"], "workdays": []}})
    assert add_working_days(start, 20, SHANGHAI, calendar=no_new_year) == end_of(2027, 1, 7)
    # without any supplement 2027 is counted by rule (元旦 is a statutory day, no 调休 near it): the
    # same day, but provisional until the notice is known
    by_rule = working_deadline(start, 20, SHANGHAI)
    assert (by_rule.at, by_rule.provisional) == (end_of(2027, 1, 8), True)
    assert working_deadline(start, 20, SHANGHAI, calendar=CALENDAR).provisional is False


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Fri Feb 5 (not counted); Feb 8–12 off; Mon Feb 15, Tue 16, Wed 17
        pytest.param(local(2027, 2, 5), 3, end_of(2027, 2, 17), id="across-spring-festival"),
        # Thu Feb 18 (not counted); Fri Feb 19, Sat Feb 20 (调休), Mon Feb 22
        pytest.param(local(2027, 2, 18), 3, end_of(2027, 2, 22), id="adjusted-saturday"),
        # Wed 2026-12-30 (not counted); Thu Dec 31, then Mon Jan 4 and Tue Jan 5
        pytest.param(local(2026, 12, 30), 3, end_of(2027, 1, 5), id="across-new-year"),
    ],
)
def test_add_working_days_with_the_supplement(start: datetime, days: int, due: datetime) -> None:
    assert add_working_days(start, days, SHANGHAI, calendar=CALENDAR) == due


def test_a_year_in_neither_is_counted_by_rule() -> None:
    # Tue 2027-12-28: Dec 29, 30, 31 are 1–3; 2028-01-01 (元旦, Sat) gives its 补假 on Mon Jan 3;
    # Tue Jan 4 and Wed Jan 5 are 4–5
    deadline = working_deadline(local(2027, 12, 28), 5, SHANGHAI, calendar=CALENDAR)
    assert (deadline.at, deadline.by_rule) == (end_of(2028, 1, 5), (2028,))
    assert is_working_day(date(2003, 6, 2), CALENDAR) is True


def test_the_supplement_replaces_the_package_for_a_year_it_gives() -> None:
    # a year given is decided by its lists alone, even one chinese_calendar knows
    only_new_year = WorkdayCalendar.model_validate({"2026": {"holidays": ["2026-01-01"], "workdays": []}})
    assert chinese_calendar.is_workday(date(2026, 2, 16)) is False  # 春节 2026
    assert is_working_day(date(2026, 2, 16), only_new_year) is True
    assert is_working_day(date(2026, 2, 14), only_new_year) is False  # no longer an adjusted Saturday
    assert is_working_day(date(2025, 2, 3), only_new_year) is False  # 2025 still from the package


def test_a_supplement_copied_from_the_package_agrees_with_it() -> None:
    """The supplement's rule is the package's: every day of 2024–2026 gets the same answer."""
    years = (2024, 2025, 2026)
    copied = WorkdayCalendar.model_validate({
        year: {"holidays": [d for d in chinese_calendar.holidays if d.year == year and d.weekday() < 5],
               "workdays": [d for d in chinese_calendar.workdays if d.year == year]}
        for year in years})
    day = date(2024, 1, 1)
    while day.year in years:
        assert is_working_day(day, copied) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_covered_years_include_the_supplement() -> None:
    assert covered_years(CALENDAR) == (*range(2004, 2027), 2027)
    assert covered_years(WorkdayCalendar()) == covered_years()
    assert WorkdayCalendar().years() == ()


def test_the_supplement_reads_back_from_json() -> None:
    dumped = CALENDAR.model_dump(mode="json")
    # years as string keys, dates as ISO strings, each list sorted whatever the order given
    assert dumped == {"2027": {
        "holidays": ["2027-01-01", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"],
        "workdays": ["2027-02-20"]}}
    assert WorkdayCalendar.model_validate(json.loads(json.dumps(dumped))) == CALENDAR
    year = CALENDAR.year(2027)
    assert year is not None and year.workdays == (date(2027, 2, 20),)
    assert CALENDAR.year(2028) is None


def _year(holidays: list[str], workdays: list[str]) -> dict[str, object]:
    return {"2027": {"holidays": holidays, "workdays": workdays}}


@pytest.mark.parametrize(
    ("data", "where", "problem"),
    [
        pytest.param(_year(["2026-12-31"], []), "", "2027.holidays: 2026-12-31 not in 2027", id="holiday-year"),
        pytest.param(_year(["2027-01-01"], ["2028-01-08"]), "", "2027.workdays: 2028-01-08 not in 2027",
                     id="workday-year"),
        pytest.param(_year(["2027-01-01", "2027-02-20"], ["2027-02-20"]), "2027",
                     "2027-02-20 in both holidays and workdays", id="both-lists"),
        pytest.param(_year(["2027-01-01"], ["2027-02-19"]), "2027", "workdays: 2027-02-19 is a Friday",
                     id="weekday-in-workdays"),
        pytest.param(_year(["2027-01-01", "2027-01-02"], []), "2027", "holidays: 2027-01-02 is a Saturday",
                     id="weekend-in-holidays"),
        pytest.param(_year([], []), "2027", "holidays is empty", id="no-holidays"),
        pytest.param(_year(["2027-01-01", "2027-01-01"], []), "2027.holidays", "2027-01-01 appears twice",
                     id="twice"),
        pytest.param(_year(["2027-1-1"], []), "2027.holidays.0", "valid date", id="not-a-date"),
        pytest.param({"2027": {"holidays": ["2027-01-01"]}}, "2027.workdays", "Field required",
                     id="workdays-forgotten"),
        pytest.param({"2027": {"holidays": ["2027-01-01"], "workdays": [], "note": "x"}}, "2027.note", "Extra",
                     id="unknown-key"),
        pytest.param({2027: {"holidays": ["2027-01-01"], "workdays": []}, "2027": {}}, "", "year 2027 is given twice",
                     id="year-twice"),
        pytest.param({"next year": {}}, "", "years such as 2027, got 'next year'", id="not-a-year"),
        pytest.param({True: {}}, "", "years such as 2027, got True", id="bool-is-not-a-year"),
        pytest.param(["2027-01-01"], "", "valid dictionary", id="not-a-mapping"),
    ],
)
def test_bad_supplement_says_what_is_wrong(data: object, where: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        WorkdayCalendar.model_validate(data)
    found = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in caught.value.errors()]
    assert any(loc == where and problem in msg for loc, msg in found), found


def test_holidays_is_imported_only_for_a_year_chinese_calendar_does_not_know() -> None:
    """10 MB (18 with China's data) the daemon holds only once a deadline reaches such a year."""
    probe = ("import sys; from datetime import date; from sentinel.escalation import workdays; "
             "year = max(workdays.package_years()); workdays.is_working_day(date(year, 3, 2)); "
             "print('holidays' in sys.modules); workdays.rule_holidays(year + 5); "
             "print('holidays' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["False", "True"]
