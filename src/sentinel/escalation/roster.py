"""Who is told: the duty roster (值班表), the escalation contacts and quiet hours.

The ``roster:`` section of the configuration::

    roster:
      duty:                                 # duty officers (值班员) by shift, local wall time
        - {name: 张伟, phone: "13800000001", channels: [duty-ding],
           weekdays: [mon, tue, wed, thu, fri], start: "08:30", end: "17:30"}
        - {name: 李娜, weekdays: [mon, tue, wed, thu, fri], start: "17:30", end: "08:30"}  # overnight
        - {name: 王强, dates: [2026-10-01, 2026-10-02], start: "00:00", end: "24:00"}      # holiday
      handover: 15m                         # the outgoing officer stays in the audience this long
      section_chiefs: [{name: 赵科长, phone: "13800000010", channels: [duty-ding]}]
      leaders: [{name: 钱局长, phone: "13800000020", channels: [leader-mail]}]
      departments:                          # 部门联系人, told with the duty officer
        应急管理局: [{name: 孙主任, phone: "13800000030"}]
      quiet_hours: {start: "22:00", end: "07:00", grades: [III, IV]}

Times are local wall time in the configured timezone, written in quotes (YAML 1.1 reads an
unquoted ``17:30`` as the number 1050). A contact's ``channels`` are channel ids; none means every
configured channel except the text-message and voice channels (kinds ``aliyun_sms``, ``tencent_sms``,
``aliyun_voice``, ``tencent_voice``). An alert goes by SMS only to the people who list an SMS channel
(and have a phone); a voice channel never carries an ordinary alert: it rings only for the phone step
(``policy.phone``, :mod:`sentinel.escalation.phone`), which calls a person on the first voice channel
they list, else on the first configured one.

Shift rules:

- A shift runs from ``start`` to ``end`` on each of its ``weekdays`` or ``dates`` (exactly one of
  the two). ``end <= start`` runs into the next day, and an overnight shift belongs to the day it
  starts on; ``"24:00"`` ends a shift at midnight, so ``00:00``–``24:00`` is the whole day.
- On a date that some shift lists in its ``dates``, only dated shifts start that day: a holiday roster
  replaces the weekday roster. A weekday shift that started the evening before still runs to its end.
- A shift ending at ``E`` keeps its officer in the audience until ``E + handover`` (交接班), so around a
  change of shift two officers are told.

Quiet hours hold messages of the listed grades (III/IV only: 特别重大 and 重大 incidents are never held)
and, unless ``ungraded: false``, messages without a grade, until the quiet period ends.

The roster in force is snapshotted into an incident when its clocks start (:meth:`Roster.snapshot`),
like the policy, so the record says who was on duty under which roster.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator, model_validator

from sentinel.analyse.grading import Grade
from sentinel.clock import require_aware
from sentinel.configtypes import Duration, Strict
from sentinel.escalation.policy import EscalationRole

__all__ = [
    "Contact",
    "QuietHours",
    "Recipient",
    "RecipientRole",
    "Roster",
    "RosterConfig",
    "Shift",
    "Weekday",
    "routes",
]

SNAPSHOT_VERSION = 1
_DAY = timedelta(days=1)
_PHONE = re.compile(r"^\+?\d{5,20}$")  # what Message.mentions accepts
_WALL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")

RecipientRole = Literal["duty_officer", "department", "section_chief", "leader"]
DEPARTMENT_NAME_ZH = "部门联系人"
_ROLES: dict[EscalationRole, RecipientRole] = {
    EscalationRole.DUTY_OFFICER: "duty_officer",
    EscalationRole.SECTION_CHIEF: "section_chief",
    EscalationRole.LEADER: "leader",
}


def _parse_wall_time(value: Any) -> timedelta:
    """``"08:30"`` to the time since midnight; ``"24:00"`` is accepted here, callers limit it."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, time):
        return timedelta(hours=value.hour, minutes=value.minute, seconds=value.second)
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"write the time in quotes, e.g. \"17:30\" (YAML read an unquoted time as the "
                         f"number {value})")
    if isinstance(value, str):
        match = _WALL.match(value)
        if match:
            hours, minutes = int(match.group(1)), int(match.group(2))
            if (hours < 24 and minutes < 60) or (hours == 24 and minutes == 0):
                return timedelta(hours=hours, minutes=minutes)
    raise ValueError(f"expected a time of day such as \"08:30\" (or \"24:00\" for an end), got {value!r}")


def _format_wall_time(value: timedelta) -> str:
    minutes = int(value.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


#: A local wall time as the time since midnight, 00:00 to 24:00; written ``"HH:MM"``.
WallTime = Annotated[timedelta, BeforeValidator(_parse_wall_time), PlainSerializer(_format_wall_time)]


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday, as :meth:`datetime.date.weekday` counts."""
        return list(Weekday).index(self)


def _weekday(value: Any) -> Any:
    if isinstance(value, str):
        name = value.strip().lower()
        if name not in {day.value for day in Weekday}:
            raise ValueError(f"unknown weekday {value!r}; use {', '.join(day.value for day in Weekday)}")
        return name
    return value


class Contact(Strict):
    """A person to tell: a name, an optional mobile number for @mentions, and their channels."""

    name: str = Field(min_length=1)
    phone: str | None = None
    channels: list[str] = Field(default_factory=list)  # channel ids; empty: every configured channel

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("name must not be blank")
        return value

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # YAML reads an unquoted 13800000001 as a number
        if isinstance(value, str):
            value = value.strip().replace(" ", "").replace("-", "")
            if not _PHONE.match(value):
                raise ValueError(f"a phone is digits, optionally with a leading +, got {value!r}")
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a channel appears twice")
        return value


class Shift(Contact):
    """A duty officer's shift on some weekdays or on some dates, ``start`` to ``end`` local time."""

    weekdays: list[Annotated[Weekday, BeforeValidator(_weekday)]] | None = None
    dates: list[date] | None = None
    start: WallTime
    end: WallTime

    @field_validator("start")
    @classmethod
    def _start(cls, value: timedelta) -> timedelta:
        if value >= _DAY:
            raise ValueError("a shift cannot start at 24:00; start it at 00:00")
        return value

    @model_validator(mode="after")
    def _valid(self) -> Shift:
        if self.weekdays is None and self.dates is None:
            raise ValueError(f"shift of {self.name}: give weekdays or dates")
        if self.weekdays is not None and self.dates is not None:
            raise ValueError(f"shift of {self.name}: give weekdays or dates, not both")
        if self.weekdays is not None and not self.weekdays:
            raise ValueError(f"shift of {self.name}: weekdays is empty")
        if self.dates is not None and not self.dates:
            raise ValueError(f"shift of {self.name}: dates is empty")
        if self.start == self.end:
            raise ValueError(f"shift of {self.name}: start equals end ({_format_wall_time(self.start)}); "
                             "write 00:00 to 24:00 for a whole day")
        return self

    @property
    def length(self) -> timedelta:
        """How long the shift runs: ``end - start``, or into the next day when ``end <= start``."""
        return self.end - self.start if self.end > self.start else self.end + _DAY - self.start

    def starts_on(self, day: date) -> bool:
        """Whether this shift starts on ``day``, ignoring holiday replacement (see :class:`Roster`)."""
        if self.dates is not None:
            return day in self.dates
        return any(weekday.number == day.weekday() for weekday in self.weekdays or ())


class QuietHours(Strict):
    """A local time window in which messages of minor grades wait until it ends (免打扰)."""

    start: WallTime
    end: WallTime
    grades: list[Grade] = Field(default_factory=lambda: [Grade.III, Grade.IV])
    ungraded: bool = True  # hold messages without a grade (source alerts, digests, ungraded incidents)

    @field_validator("grades")
    @classmethod
    def _minor(cls, value: list[Grade]) -> list[Grade]:
        major = [grade.value for grade in value if grade in (Grade.I, Grade.II)]
        if major:
            # 国办发〔2016〕80号: 特别重大/重大 incidents have a 5-hour clock; it does not stop at night
            raise ValueError(f"quiet hours may hold grades III and IV only, not {', '.join(major)}")
        return value

    @model_validator(mode="after")
    def _valid(self) -> QuietHours:
        if self.start >= _DAY:
            raise ValueError("quiet hours cannot start at 24:00; start them at 00:00")
        if self.start == self.end or (self.start == timedelta(0) and self.end == _DAY):
            raise ValueError("quiet hours must not be empty or the whole day")
        return self


class RosterConfig(Strict):
    """The ``roster:`` section: duty shifts, handover, escalation contacts, department contacts."""

    duty: list[Shift] = Field(default_factory=list)
    handover: Duration = timedelta(minutes=15)
    section_chiefs: list[Contact] = Field(default_factory=list)
    leaders: list[Contact] = Field(default_factory=list)
    departments: dict[str, list[Contact]] = Field(default_factory=dict)
    quiet_hours: QuietHours | None = None

    @field_validator("handover")
    @classmethod
    def _handover(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(hours=12):
            raise ValueError("handover must be between 0s and 12h")
        return value

    @property
    def empty(self) -> bool:
        """Nobody configured at all."""
        return not (self.duty or self.section_chiefs or self.leaders
                    or any(self.departments.values()))

    def role_contacts(self, role: EscalationRole) -> Sequence[Contact]:
        """Everyone configured for ``role``: every duty shift's officer, the section chiefs, the leaders."""
        if role is EscalationRole.DUTY_OFFICER:
            return self.duty
        return self.section_chiefs if role is EscalationRole.SECTION_CHIEF else self.leaders

    def channel_refs(self) -> Iterator[tuple[str, str]]:
        """``(key, channel id)`` for every channel the roster names, the key naming the person:
        ``roster.leaders[钱局长].channels``, for checking against the configured channels."""
        groups: list[tuple[str, Sequence[Contact]]] = [
            ("duty", self.duty), ("section_chiefs", self.section_chiefs), ("leaders", self.leaders)]
        groups += [(f"departments[{name}]", contacts) for name, contacts in self.departments.items()]
        for key, contacts in groups:
            for contact in contacts:
                for channel in contact.channels:
                    yield f"roster.{key}[{contact.name}].channels", channel


@dataclass(frozen=True, slots=True)
class Recipient:
    """One person a message is meant for. ``phone`` is None for a placeholder (nobody configured)."""

    name: str
    phone: str | None
    channels: tuple[str, ...]  # empty: every channel
    role: RecipientRole
    # named for a role with nobody configured: nobody to give a 认领 link (not part of equality)
    placeholder: bool = field(default=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, as the composer's ``recipients`` and the timeline take it."""
        return {"name": self.name, "phone": self.phone, "channels": list(self.channels), "role": self.role}


def _recipient(contact: Contact, role: RecipientRole) -> Recipient:
    return Recipient(contact.name, contact.phone, tuple(contact.channels), role)


def _unique(recipients: Sequence[Recipient]) -> list[Recipient]:
    """Drop later entries of a name already listed: one person is told once per message."""
    seen: set[str] = set()
    unique = []
    for recipient in recipients:
        if recipient.name not in seen:
            seen.add(recipient.name)
            unique.append(recipient)
    return unique


def _placeholder_channels(contacts: Sequence[Contact]) -> tuple[str, ...]:
    """The channels a role's contacts use, for its placeholder; every channel when any uses all."""
    if not contacts or any(not contact.channels for contact in contacts):
        return ()
    return tuple(dict.fromkeys(channel for contact in contacts for channel in contact.channels))


class Roster:
    """Answers "who is told" at a given moment, from a :class:`RosterConfig` and the local zone."""

    def __init__(self, config: RosterConfig, zone: ZoneInfo) -> None:
        self.config = config
        self.zone = zone
        self._dated = {day for shift in config.duty if shift.dates for day in shift.dates}
        # a shift that started this many days ago may still count (overnight, plus the handover)
        self._lookback = 1 + (config.handover + _DAY) // _DAY

    def __repr__(self) -> str:
        return f"Roster(duty={len(self.config.duty)}, zone={self.zone.key!r})"

    def shifts_starting(self, day: date) -> list[Shift]:
        """The shifts that start on local date ``day``: the dated ones if any shift lists that date
        (a holiday roster), else the weekday ones for its weekday."""
        if day in self._dated:
            return [shift for shift in self.config.duty if shift.dates is not None and day in shift.dates]
        return [shift for shift in self.config.duty if shift.weekdays is not None and shift.starts_on(day)]

    def _window(self, shift: Shift, day: date) -> tuple[datetime, datetime]:
        """The shift's start and end on ``day`` as aware datetimes (wall time, so DST-correct)."""
        midnight = datetime.combine(day, time())
        start = midnight + shift.start
        end = midnight + shift.end + (_DAY if shift.end <= shift.start else timedelta(0))
        return start.replace(tzinfo=self.zone), end.replace(tzinfo=self.zone)

    def on_duty(self, at: datetime) -> list[Recipient]:
        """The duty officers in the audience at ``at``: those whose shift is running first (in order
        of shift start), then those still in their handover period; each name once."""
        at = require_aware(at)
        today = at.astimezone(self.zone).date()
        running: list[tuple[datetime, int, Recipient]] = []
        handing_over: list[tuple[datetime, int, Recipient]] = []
        for back in range(self._lookback, -1, -1):
            day = today - timedelta(days=back)
            for order, shift in enumerate(self.shifts_starting(day)):
                start, end = self._window(shift, day)
                entry = (start, order, _recipient(shift, "duty_officer"))
                if start <= at < end:
                    running.append(entry)
                elif end <= at < end + self.config.handover:
                    handing_over.append(entry)
        ordered = sorted(running, key=lambda e: (e[0], e[1])) + sorted(handing_over, key=lambda e: (e[0], e[1]))
        return _unique([recipient for _, _, recipient in ordered])

    def recipients(self, role: EscalationRole | str, department: str | None, at: datetime) -> list[Recipient]:
        """Who is told when ``role`` is: the officers on duty and then ``department``'s contacts for
        the duty officer; the section chiefs; the leaders. Each name once, in that order.

        Nobody to tell is never an empty list: a role with nobody configured (or nobody on duty at
        ``at``) gets one placeholder named for the role (值班员, 科室负责人, 领导), without a phone, on
        the channels the role's contacts use (every channel when none are configured). With an empty
        roster the duty officer's audience also gets a 部门联系人 placeholder for ``department``.
        """
        role = EscalationRole(role)
        if role is EscalationRole.DUTY_OFFICER:
            found = self.on_duty(at)
            if not found:
                found = [Recipient(role.name_zh, None, _placeholder_channels(self.config.duty), _ROLES[role],
                                   placeholder=True)]
            contacts = self.config.departments.get(department, []) if department else []
            found += [_recipient(contact, "department") for contact in contacts]
            if department and self.config.empty:
                found.append(Recipient(DEPARTMENT_NAME_ZH, None, (), "department", placeholder=True))
            return _unique(found)
        chiefs_or_leaders = self.config.role_contacts(role)
        if not chiefs_or_leaders:
            return [Recipient(role.name_zh, None, (), _ROLES[role], placeholder=True)]
        return _unique([_recipient(contact, _ROLES[role]) for contact in chiefs_or_leaders])

    def hold_until(self, at: datetime, grade: Grade | str | None) -> datetime | None:
        """The end of the quiet period (UTC) when ``at`` falls in quiet hours and a message of
        ``grade`` may wait; None to send it now."""
        quiet = self.config.quiet_hours
        at = require_aware(at)
        if quiet is None:
            return None
        if grade:
            if Grade(grade) not in quiet.grades:
                return None
        elif not quiet.ungraded:
            return None
        today = at.astimezone(self.zone).date()
        for day in (today - _DAY, today):
            midnight = datetime.combine(day, time())
            start = midnight + quiet.start
            end = midnight + quiet.end + (_DAY if quiet.end <= quiet.start else timedelta(0))
            if start.replace(tzinfo=self.zone) <= at < end.replace(tzinfo=self.zone):
                return end.replace(tzinfo=self.zone).astimezone(UTC)
        return None

    def snapshot(self) -> dict[str, Any]:
        """The roster in force as plain JSON-able data, for the incident's record."""
        return {"version": SNAPSHOT_VERSION, **self.config.model_dump(mode="json")}

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any], zone: ZoneInfo) -> Roster:
        """The roster an incident ran under, from :meth:`snapshot`'s output."""
        body = dict(data)
        version = body.pop("version", None)
        if version != SNAPSHOT_VERSION:
            raise ValueError(f"unknown roster snapshot version {version!r}")
        return cls(RosterConfig.model_validate(body), zone)


def routes(recipients: Sequence[Recipient], channel_ids: Sequence[str], *,
           opt_in: Collection[str] = ()) -> dict[str, list[Recipient]]:
    """The recipients each channel's message is for, by channel id in ``channel_ids`` order.

    A recipient without channels is reached on every channel but those in ``opt_in`` (text-message
    and voice channels: a person is reached there only by listing the channel); channels nobody is
    reached on, and channel ids not in ``channel_ids``, are left out.
    """
    grouped: dict[str, list[Recipient]] = {}
    for channel in channel_ids:
        if channel in opt_in:
            reached = [r for r in recipients if channel in r.channels and r.phone is not None]
        else:
            reached = [r for r in recipients if not r.channels or channel in r.channels]
        if reached:
            grouped[channel] = reached
    return grouped
