"""The response policy in force: the ``policy:`` section of the configuration.

Every deadline, reminder offset and escalation step the engine uses comes from here, with the
regulations' values as defaults. Each key can be overridden alone: a section given in the file is
merged over its defaults, so ``authoritative_info: {within: 4h}`` keeps the default reminders.
Lists (reminders, escalation steps) are replaced whole, and so is ``calendar``, the supplement to the
working-day calendar (:class:`~sentinel.escalation.workdays.WorkdayCalendar`, empty by default).
Unknown keys are errors.

Defaults, and where they come from:

====================== ====================================== =========================================
obligation             deadline                               basis
====================== ====================================== =========================================
authoritative_info     5h after the clock starts (grade I/II)  国办发〔2016〕80号: 最迟5小时内发布权威信息
press_conference       24h after the clock starts (I/II)       国办发〔2016〕80号: 24小时内举行新闻发布会
sustained_release      24h after the last release (I/II)       国办发〔2016〕80号: 持续发布权威信息
response               48h after the clock starts (III/IV)     国办发〔2016〕61号: 48小时内予以回应
policy_interpretation  3 working days after publication        政策解读 at the latest 3 working days after
disclosure_reply       20 working days, +20 once               政府信息公开条例 第三十三条
====================== ====================================== =========================================

The policy is snapshotted into an incident when its first clock starts (:meth:`Policy.snapshot`)
and read back with :meth:`Policy.from_snapshot`, so a later configuration change never moves the
deadlines or reminders of an incident already running.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sentinel.analyse.grading import Grade
from sentinel.configtypes import Duration, Strict, format_duration
from sentinel.escalation.workdays import END_OF_DAY, WorkdayCalendar

__all__ = [
    "ClockRule",
    "ClockStart",
    "DisclosureRule",
    "EscalationChain",
    "EscalationRole",
    "EscalationStep",
    "HotlistRule",
    "PhoneRule",
    "Policy",
    "ResponseRule",
    "SustainedRule",
    "VerificationRule",
    "WorkdayRule",
]

SNAPSHOT_VERSION = 1


class ClockStart(StrEnum):
    """When an incident's clocks start."""

    EMERGENCE = "emergence"  # the earliest publication time among its items (the default)
    DETECTION = "detection"  # when sentinel opened the incident


class EscalationRole(StrEnum):
    """Who is told, in the order the chain widens."""

    DUTY_OFFICER = "duty_officer"
    SECTION_CHIEF = "section_chief"
    LEADER = "leader"

    @property
    def name_zh(self) -> str:
        return {"duty_officer": "值班员", "section_chief": "科室负责人", "leader": "领导"}[self.value]


def _check_reminders(reminders: list[timedelta], limit: timedelta | None) -> list[timedelta]:
    """Positive, distinct, shorter than the clock; sorted so the earliest moment comes first."""
    for offset in reminders:
        if offset <= timedelta(0):
            raise ValueError(f"a reminder offset must be positive, got {format_duration(offset)}")
        if limit is not None and offset >= limit:
            raise ValueError(f"reminder T-{format_duration(offset)} is not inside the {format_duration(limit)} clock")
    if len(set(reminders)) != len(reminders):
        # offsets are part of the reminders' idempotency keys: two equal ones would be one reminder
        raise ValueError("reminder offsets appear twice")
    return sorted(reminders, reverse=True)


class ClockRule(Strict):
    """A deadline a fixed time after the clock starts."""

    within: Duration
    reminders: list[Duration]

    @field_validator("within")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("within must be positive")
        return value

    @field_validator("reminders")
    @classmethod
    def _inside(cls, value: list[timedelta], info: ValidationInfo) -> list[timedelta]:
        return _check_reminders(value, info.data.get("within"))


class SustainedRule(Strict):
    """持续发布: while the incident is active, a further release at most ``every`` after the last."""

    every: Duration
    reminders: list[Duration]

    @field_validator("every")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("every must be positive")
        return value

    @field_validator("reminders")
    @classmethod
    def _inside(cls, value: list[timedelta], info: ValidationInfo) -> list[timedelta]:
        return _check_reminders(value, info.data.get("every"))


class ResponseRule(ClockRule):
    """回应 for grade III/IV 政务舆情 that need one: marked by hand, or both thresholds reached."""

    negative_share: float = Field(ge=0, le=1)  # share of negative items in news or in posts, inclusive
    heat: float = Field(ge=0)  # incident heat (see sentinel.incidents.heat), inclusive


class WorkdayRule(Strict):
    """A deadline at the end of the N-th working day after the start day."""

    working_days: int = Field(ge=1, le=60)
    reminders: list[Duration]

    @field_validator("reminders")
    @classmethod
    def _valid(cls, value: list[timedelta]) -> list[timedelta]:
        # the length of N working days in hours depends on the calendar; only check the shape here
        return _check_reminders(value, None)


class DisclosureRule(WorkdayRule):
    """依申请公开 (政府信息公开条例 第三十条至第三十五条): answered within ``working_days``,
    extendable once by up to ``extension`` (第三十三条); a 补正 notice within ``correction_days`` of
    receipt, reminded ``correction_reminders`` before that runs out (第三十条); a consultation with a
    third party or another agency (第三十二条, 第三十四条) excluded from the count, at most
    ``consultation_days`` each.

    ``count_from`` is an assumption the 条例 does not spell out: ``next_day`` (the default, as
    practice and the courts count, 民法典 第二百零一条) starts counting the day after receipt;
    ``receipt_day`` counts the receipt day itself when it is a working day."""

    extension: int = Field(ge=0, le=60)
    count_from: Literal["next_day", "receipt_day"] = "next_day"
    correction_days: int = Field(default=7, ge=1, le=60)
    correction_reminders: list[Duration] = Field(default_factory=lambda: [timedelta(days=1)])
    consultation_days: int = Field(default=15, ge=1, le=60)
    # the 政务公开 office: its contacts under roster.departments hear of 补正 windows closing and are
    # reminded in January of the annual report (政府信息公开工作年度报告, due 31 January)
    office: str | None = None

    @field_validator("correction_reminders")
    @classmethod
    def _correction_reminders(cls, value: list[timedelta]) -> list[timedelta]:
        return _check_reminders(value, None)


class EscalationStep(Strict):
    """Tell ``role`` when nobody has acknowledged ``after`` the incident opened, or on a breach."""

    role: EscalationRole
    after: Duration | None = None
    on_breach: bool = False

    @model_validator(mode="after")
    def _valid(self) -> EscalationStep:
        if self.after is None and not self.on_breach:
            raise ValueError(f"step {self.role.value} needs after, on_breach or both")
        if self.after is not None and self.after < timedelta(0):
            raise ValueError("after must not be negative")
        return self


class EscalationChain(Strict):
    """How one grade's incidents escalate, and re-escalate once acknowledged without a response."""

    steps: list[EscalationStep] = Field(min_length=1)
    reescalate_after: Duration  # after the acknowledgment, while no response is on record
    reescalate_every: Duration | None = None  # repeat at this interval; None: re-escalate once
    reescalate_to: list[EscalationRole] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> EscalationChain:
        roles = [step.role for step in self.steps]
        if len(set(roles)) != len(roles):
            raise ValueError("a role appears twice in steps")
        if self.reescalate_after <= timedelta(0):
            raise ValueError("reescalate_after must be positive")
        if self.reescalate_every is not None and self.reescalate_every <= timedelta(0):
            raise ValueError("reescalate_every must be positive")
        return self


class PhoneRule(Strict):
    """电话通知: an incident of ``grades`` nobody has acknowledged ``after`` its clocks started is
    called in, one person at a time along ``chain`` (roles; each role's people in roster order, those
    with a phone), the next ``interval`` after the last call or at once when the last call went
    unanswered (a ``call_result`` with ``answered: false``). The first acknowledgment (or response)
    stops every further call. See :mod:`sentinel.escalation.phone`."""

    enabled: bool = True
    after: Duration = timedelta(minutes=10)
    grades: list[Grade] = Field(default_factory=lambda: [Grade.I, Grade.II])
    chain: list[EscalationRole] = Field(default_factory=lambda: [
        EscalationRole.DUTY_OFFICER, EscalationRole.SECTION_CHIEF, EscalationRole.LEADER])
    interval: Duration = timedelta(minutes=10)

    @field_validator("after")
    @classmethod
    def _after(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("after must not be negative")
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: timedelta) -> timedelta:
        if value < timedelta(minutes=1):
            # a callee needs time to answer: an interval under a minute would ring the next person first
            raise ValueError("interval must be at least 1m")
        return value

    @field_validator("chain")
    @classmethod
    def _chain(cls, value: list[EscalationRole]) -> list[EscalationRole]:
        if len(set(value)) != len(value):
            raise ValueError("a role appears twice in chain")
        return value


Tier = Literal["central", "provincial", "local", "commercial", "self_media"]
_AUTHORITATIVE: tuple[Tier, ...] = ("central", "provincial", "local")


class VerificationRule(Strict):
    """研判: a machine grade in ``grades`` resting on weak evidence waits, before anyone beyond the duty
    officer hears of it, until a person confirms it, it is corroborated, or ``wait`` passes.

    Corroborated: an item from an ``official: true`` source or from a source of one of
    ``authorities``, or items from ``sources`` independent sources (a self-media source counts each
    author apart), or heat at least ``heat``. The deadlines are never moved by it.
    """

    enabled: bool = True
    grades: list[Grade] = Field(default_factory=lambda: [Grade.I, Grade.II])
    authorities: list[Tier] = Field(default_factory=lambda: list(_AUTHORITATIVE))
    sources: int = Field(default=3, ge=1, le=100)
    heat: float = Field(default=14.0, ge=0)
    wait: Duration = timedelta(hours=1)

    @field_validator("wait")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("wait must be positive")
        return value


def _chain(reescalate_to: list[str]) -> dict[str, Any]:
    return {
        "steps": [
            {"role": "duty_officer", "after": "0s"},
            {"role": "section_chief", "after": "15m"},
            {"role": "leader", "after": "30m", "on_breach": True},
        ],
        "reescalate_after": "2h",
        "reescalate_every": None,
        "reescalate_to": reescalate_to,
    }


class HotlistRule(Strict):
    """What entering the top of a national hot list (热搜榜) does to an incident.

    Reaching the top ``top`` of a list named in ``national`` (a rank at or above ``top``), the
    first time for an entry of the incident: ``raise_intensity`` raises the opinion-intensity grade a
    step (never above ``max_raised_grade``); ``start_response_clock`` marks a grade III/IV incident as
    needing a response, which starts its 48 h clock; ``alert`` sends the duty officer an alert of
    its own ("#…# 进入微博热搜第7位"), once per entry and incident, with the entry's rank history.
    """

    top: int = Field(ge=1, le=100)
    national: list[str]
    raise_intensity: bool
    max_raised_grade: Grade
    start_response_clock: bool
    alert: bool


_Rule = TypeVar("_Rule", bound=Strict)

#: The defaults, written as they would be in the configuration file.
DEFAULTS: dict[str, Any] = {
    "clock_start": "emergence",
    "end_of_day": "23:59:59.999999",  # 24:00 (民法典 第二百零三条); "17:30" for the close of business
    "authoritative_info": {"within": "5h", "reminders": ["2h", "1h", "30m", "10m"]},
    "press_conference": {"within": "24h", "reminders": ["12h", "4h", "1h"]},
    "sustained_release": {"every": "24h", "reminders": ["12h", "4h", "1h"]},
    "response": {"within": "48h", "reminders": ["12h", "2h"], "negative_share": 0.5, "heat": 6.0},
    # T-1d before a 24:00 deadline is the start of its last day (a calendar day, not a working day)
    "policy_interpretation": {"working_days": 3, "reminders": ["1d"]},
    "disclosure_reply": {"working_days": 20, "extension": 20, "reminders": ["1d"]},
    # years chinese_calendar does not know yet, copied from the State Council's holiday notice
    "calendar": {},
    # see Policy.official_evidence
    "official_evidence": "confirm",
    # 研判 (VerificationRule): I/II on self-media or one source waits up to 1h for a person, or for an
    # authoritative source, 3 independent sources or heat 14 (the heat that alone makes grade II)
    "verification": {"enabled": True, "grades": ["I", "II"], "authorities": ["central", "provincial", "local"],
                     "sources": 3, "heat": 14.0, "wait": "1h"},
    # see HotlistRule: the top 10 of the platforms' own national lists
    "hotlist": {"top": 10, "national": ["weibo", "baidu", "douyin", "zhihu", "toutiao"], "raise_intensity": True,
                "max_raised_grade": "II", "start_response_clock": True, "alert": True},
    # 电话通知 (PhoneRule): an unacknowledged I/II incident rings the duty officer 10 minutes after its
    # clocks start, then the section chief and the leader 10 minutes apart
    "phone": {"enabled": True, "after": "10m", "grades": ["I", "II"],
              "chain": ["duty_officer", "section_chief", "leader"], "interval": "10m"},
    # a leader hears of an unanswered I/II incident 2h after acknowledgment; III/IV have 48h to answer
    "escalation": {
        "I": _chain(["section_chief", "leader"]),
        "II": _chain(["section_chief", "leader"]),
        "III": _chain(["section_chief"]),
        "IV": _chain(["section_chief"]),
    },
}


def _default(model: type[_Rule], name: str) -> _Rule:
    return model.model_validate(DEFAULTS[name])


#: Sections given whole rather than merged over their defaults. A year of the calendar is one notice;
#: merging would also fold the keys 2027 and "2027" into one before the calendar could object.
_WHOLE = frozenset({"calendar"})


def _merge(defaults: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``given`` over ``defaults``, mappings recursively; anything else (lists too) replaces."""
    merged = dict(defaults)
    for key, value in given.items():
        name = str(key)  # Grade keys given as enums merge with the defaults' "I" … "IV"
        if isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = _merge(merged[name], value)
        else:
            merged[name] = value
    return merged


class Policy(Strict):
    """Deadlines, reminders and escalation, with the regulations' values as defaults."""

    # the defaults below are what DEFAULTS says; the "before" validator merges a partial section
    clock_start: ClockStart = ClockStart.EMERGENCE
    end_of_day: time = END_OF_DAY
    authoritative_info: ClockRule = Field(default_factory=lambda: _default(ClockRule, "authoritative_info"))
    press_conference: ClockRule = Field(default_factory=lambda: _default(ClockRule, "press_conference"))
    sustained_release: SustainedRule = Field(default_factory=lambda: _default(SustainedRule, "sustained_release"))
    response: ResponseRule = Field(default_factory=lambda: _default(ResponseRule, "response"))
    policy_interpretation: WorkdayRule = Field(
        default_factory=lambda: _default(WorkdayRule, "policy_interpretation"))
    disclosure_reply: DisclosureRule = Field(default_factory=lambda: _default(DisclosureRule, "disclosure_reply"))
    escalation: dict[Grade, EscalationChain] = Field(default_factory=lambda: {
        Grade(grade): EscalationChain.model_validate(chain) for grade, chain in DEFAULTS["escalation"].items()})
    calendar: WorkdayCalendar = Field(default_factory=lambda: WorkdayCalendar.model_validate(DEFAULTS["calendar"]))
    # an item from an `official: true` source that joins an open incident is candidate evidence of
    # authoritative information (权威信息): "confirm" asks the duty officer to confirm it as the
    # release, "count" records it as the release at once
    official_evidence: Literal["confirm", "count"] = "confirm"
    verification: VerificationRule = Field(default_factory=lambda: _default(VerificationRule, "verification"))
    hotlist: HotlistRule = Field(default_factory=lambda: _default(HotlistRule, "hotlist"))
    phone: PhoneRule = Field(default_factory=lambda: _default(PhoneRule, "phone"))

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if data is None:
            data = {}
        if isinstance(data, Mapping):
            merged = _merge(DEFAULTS, data)
            merged.update({name: data[name] for name in _WHOLE if name in data})
            return merged
        return data  # not a mapping: let pydantic say so

    @field_validator("end_of_day")
    @classmethod
    def _local(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("end_of_day is local wall time in the configured timezone; drop the offset")
        return value

    @field_validator("escalation")
    @classmethod
    def _every_grade(cls, value: dict[Grade, EscalationChain]) -> dict[Grade, EscalationChain]:
        missing = [grade.value for grade in Grade if grade not in value]
        if missing:
            raise ValueError(f"no escalation chain for grade {', '.join(missing)}")
        return value

    def chain(self, grade: Grade | str | None) -> EscalationChain:
        """The escalation chain for ``grade``; an ungraded incident escalates like grade IV."""
        return self.escalation[Grade(grade) if grade else Grade.IV]

    def snapshot(self) -> dict[str, Any]:
        """The policy in force as plain JSON-able data, for the incident's record."""
        return {"version": SNAPSHOT_VERSION, **self.model_dump(mode="json")}

    @classmethod
    def from_snapshot(cls, data: Mapping[str, Any]) -> Policy:
        """The policy an incident ran under, from :meth:`snapshot`'s output."""
        body = dict(data)
        version = body.pop("version", None)
        if version != SNAPSHOT_VERSION:
            raise ValueError(f"unknown policy snapshot version {version!r}")
        return cls.model_validate(body)
