"""What the alerts say: one :class:`~sentinel.notify.message.Message` per kind, from Jinja2 templates.

``compose(kind, context, zone=..., link_base=...)`` renders ``templates/{kind}.txt.j2`` (plain text
for email and the console; its ``{% set title %}`` is the message title) and ``templates/{kind}.md.j2``
(the markdown the chat robots share). All wording is Chinese and lives in the templates; this module
supplies the filters they use and the escaping they cannot forget.

Escaping is structural. Every ``{{ … }}`` in a markdown template passes through the environment's
``finalize``, which runs :func:`~sentinel.notify.message.escape_markdown` on it, so feed text
(titles, departments, source names, item text) is inert whatever the template does; only URLs that
went through :func:`~sentinel.notify.message.safe_url` (the ``incident_link`` and ``safe_link``
globals) are written as they are. In the plain environment ``finalize`` drops control and bidi
characters (:func:`~sentinel.notify.message.clean`). ``None`` renders as nothing. Markup belongs in
the template text, never in an expression: a macro called as ``{{ m() }}`` would have its own
markup escaped, so shared pieces are ``{% include %}``\\ d. Templates use ``StrictUndefined``: a key
missing from the context raises :class:`jinja2.UndefinedError` (so does one missing from an
``incident`` or ``obligation`` dict read by a filter). An unknown kind is a :class:`ValueError`.

Context (plain dicts, built by the engine; datetimes aware, or ISO 8601 strings with an offset;
durations in seconds, or timedeltas; grades ``"I"``–``"IV"`` or None; obligation kinds as in
:class:`~sentinel.escalation.obligations.ObligationKind`)::

    every kind     now                  datetime       when the message is composed (time left is from it)
                   recipients           [{name, phone, role}]  optional; phones become @mentions, the
                                                       names are listed; role as in roster.RecipientRole
                   late_by              seconds        optional, 0; over 60 adds "（系统停机补发，晚X）"
                   idempotency_key      str            optional, ""; copied to the message

    incident       {id, title, grade, department, category, emerged_at, detected_at}
                   department and category may be None; category is a code (accident, ...) or text;
                   optional place (str: where it happened, as the alert should say it)
    obligation     {kind, due_at, started_at, state}  state: open/met/breached/waived; optional
                   working_days (int, for the working-day kinds; else counted from the calendar),
                   met_at and provisional (why the deadline is not final: shown with it)

    new_incident   incident, obligations [obligation] (only open ones are listed),
                   sources [str] (optional), excerpt str|None (optional: the first item's text)
    reminder       incident, obligations, obligation (the one reminded of), offset (seconds before
                   due_at: T-offset), collapsed (optional: int, or the list of folded keys)
    breach         incident, obligations, obligation
    escalation     incident, obligations, roles [role], reason ("unacknowledged" (default) or "breach")
    reescalation   incident, obligations, roles [role], acknowledged_at, acknowledged_by (optional)
    verification   incident, obligations, verification {reason, evidence {tiers, sources, items, heat},
                   wait (seconds)}, excerpt (optional): 待研判, confirm or dismiss
    evidence       incident, obligations, item {title, url, source, published_at},
                   candidates [obligation kind] (optional: the kinds it may meet; default the open ones)
    phone_call     incident, obligations: 电话通知, the text a voice channel reads out (an
                   unacknowledged incident; "签收请按1")
    grade_raised   incident, obligations, raised {from, to, at}: the grade was raised to I or II
    hotlist        incident, obligations, hotlist {title, list_zh, rank, heat (int or None), top (the
                   policy's N), top_at, history [{at, rank, heat, gone}]}: an entry entered the top N
    source_blind   source {id, kind}, blind_after (seconds), last_item_at (optional, None: never)
    source_blocked source {id, kind}, since, detail (optional str, e.g. "HTTP 432"), retry_at (optional)
    daily_digest   day (date), new_incidents [incident], open_incidents [incident + obligations],
                   breaches [{incident, obligation}] (all optional, empty)
    test           channel (optional: the channel id tested)
    correction_window  request {id, content, unit, received_on}, due_at (the last moment for a 补正
                   notice), provisional (optional str)
    calendar_missing   year, provisional (optional: open deadlines counted by rule)
    annual_report_due  year, deadline (date: 31 January)
    channel_down   channel {id, kind}, since (when its sends began failing), reason, threshold
                   (seconds: delivery.channel_down_after), pending (optional: messages waiting on it)

Incident messages carry the incident's link (``link_base + "/incidents/{id}"``, None without a
``link_base``) in ``Message.link``, not in their text: every sender writes it once, as its channel
shows links (a 详情 line, a button); the text carries its grade, department and every open deadline with its due time in ``zone``
("11月23日 14:05") and the time left (:func:`~sentinel.escalation.reminders.format_time_left`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, Undefined, UndefinedError

from sentinel.analyse.grading import Grade
from sentinel.clock import require_aware
from sentinel.escalation.obligations import ObligationKind
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.reminders import format_time_left
from sentinel.escalation.roster import DEPARTMENT_NAME_ZH
from sentinel.escalation.workdays import is_working_day
from sentinel.notify.message import Message, clean, escape_markdown, grade_label, one_line, safe_url

__all__ = ["INCIDENT_KINDS", "KINDS", "compose", "incident_url"]

INCIDENT_KINDS = ("new_incident", "reminder", "breach", "escalation", "reescalation", "evidence", "verification",
                  "hotlist", "phone_call", "grade_raised")
KINDS = (*INCIDENT_KINDS, "source_blind", "source_blocked", "daily_digest", "test", "correction_window",
         "calendar_missing", "annual_report_due", "channel_down")

#: Context keys a kind may leave out, and what they mean then.
_OPTIONAL: dict[str, dict[str, Any]] = {
    "new_incident": {"sources": [], "excerpt": None},
    "reminder": {"collapsed": 0},
    "breach": {},
    "escalation": {"reason": "unacknowledged"},
    "reescalation": {"acknowledged_by": None},
    "evidence": {"candidates": None},
    "verification": {"excerpt": None},
    "hotlist": {},
    "phone_call": {},
    "grade_raised": {},
    "source_blind": {"last_item_at": None},
    "source_blocked": {"detail": "", "retry_at": None},
    "daily_digest": {"new_incidents": [], "open_incidents": [], "breaches": []},
    "test": {"channel": None},
    "correction_window": {"provisional": None},
    "calendar_missing": {"provisional": 0},
    "annual_report_due": {},
    "channel_down": {"pending": 0},
}
_COMMON: dict[str, Any] = {"recipients": [], "late_by": 0, "idempotency_key": ""}

LATE_NOTE_AFTER = timedelta(seconds=60)  # a tick a few seconds late is not "late"

_CATEGORIES_ZH = {
    "natural_disaster": "自然灾害", "accident": "事故灾难", "public_health": "公共卫生事件",
    "social_safety": "社会安全事件", "policy_misreading": "政策误解误读", "public_interest": "涉及公众切身利益",
    "moral_livelihood": "冲击道德底线的民生问题", "social_hotspot": "社会热点", "superior_request": "上级要求回应",
}
#: What meets each obligation, as "请尽快…" goes on.
_TODO = {
    ObligationKind.AUTHORITATIVE_INFO: "发布权威信息",
    ObligationKind.PRESS_CONFERENCE: "举行新闻发布会",
    ObligationKind.SUSTAINED_RELEASE: "发布最新权威信息",
    ObligationKind.RESPONSE: "回应",
    ObligationKind.POLICY_INTERPRETATION: "发布政策解读",
    ObligationKind.DISCLOSURE_REPLY: "答复申请人",
}
_TIERS_ZH = {"central": "中央媒体", "provincial": "省级媒体", "local": "地方媒体", "commercial": "商业门户",
             "self_media": "自媒体"}
_ROLES_ZH = {**{role.value: role.name_zh for role in EscalationRole}, "department": DEPARTMENT_NAME_ZH}
_MISSING = object()


class _Trusted(str):
    """Text the markdown environment writes as it is: a URL that passed :func:`safe_url`."""


def _get(obj: Any, key: str, default: Any = _MISSING) -> Any:
    """``obj[key]`` (or its attribute); a missing key fails like the templates' StrictUndefined."""
    if isinstance(obj, Undefined):
        obj._fail_with_undefined_error()
    if isinstance(obj, Mapping):
        if key in obj:
            return obj[key]
    elif hasattr(obj, key):
        return getattr(obj, key)
    if default is _MISSING:
        raise UndefinedError(f"{type(obj).__name__} has no key {key!r}")
    return default


def _defined(value: Any) -> Any:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


def _datetime(value: Any) -> datetime:
    value = _defined(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime or an ISO 8601 string, got {value!r}")
    return require_aware(value)


def _span(value: Any) -> timedelta:
    value = _defined(value)
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(f"expected seconds or a timedelta, got {value!r}")


def _hours(span: timedelta) -> str:
    """A rule's allowed time: ``5小时``, ``48小时``, ``90分钟``, ``4小时30分钟``."""
    minutes = round(span.total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}分钟"
    return f"{hours}小时{rest}分钟" if rest else f"{hours}小时"


def _make_filters(zone: ZoneInfo, link_base: str | None) -> dict[str, Callable[..., Any]]:
    def local(value: Any) -> datetime:
        return _datetime(value).astimezone(zone)

    def when(value: Any) -> str:
        """``11月23日 14:05`` in the configured zone; empty for None."""
        if _defined(value) is None:
            return ""
        moment = local(value)
        return f"{moment.month}月{moment.day}日 {moment:%H:%M}"

    def iso(value: Any) -> str:
        """ISO 8601 in the configured zone, as ``sentinel respond --at`` takes it."""
        return local(value).isoformat(timespec="minutes")

    def date_zh(value: Any) -> str:
        """``11月23日`` for a date (or a datetime, in the configured zone)."""
        value = _defined(value)
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        if isinstance(value, datetime):
            value = value.astimezone(zone).date()
        return f"{value.month}月{value.day}日"

    def left(due: Any, now: Any) -> str:
        """``还剩1小时02分`` before the deadline, ``已超时12分`` after it."""
        text = format_time_left(_datetime(due) - _datetime(now))
        return text if text.startswith("已超时") else "还剩" + text

    def overdue(due: Any, until: Any) -> str:
        """How far past ``due`` ``until`` is: ``12分``, ``1天3小时``."""
        return format_time_left(max(_datetime(until) - _datetime(due), timedelta(0)))

    def overdue_phrase(due: Any, until: Any) -> str:
        """``已超时12分``, or ``时限已到`` in the first minute (never "已超时0分")."""
        past = _datetime(until) - _datetime(due)
        return "已超时" + format_time_left(past) if past >= timedelta(minutes=1) else "时限已到"

    def since(start: Any, now: Any) -> str:
        return format_time_left(max(_datetime(now) - _datetime(start), timedelta(0)))

    def allowed(obligation: Any) -> str:
        """The time the rule allows: ``5小时`` from due_at − started_at, or ``3个工作日``."""
        kind = ObligationKind(_get(obligation, "kind"))
        due, started = _datetime(_get(obligation, "due_at")), _datetime(_get(obligation, "started_at"))
        if kind.working_days:
            days = _get(obligation, "working_days", None)
            if days is None:
                first, last = started.astimezone(zone).date(), due.astimezone(zone).date()
                # 民法典 第二百零一条: the start day is not counted
                days = sum(is_working_day(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))
            if days:
                return f"{days}个工作日"
        return _hours(due - started)

    def provisional(obligation: Any) -> str:
        """``（暂定：…）`` for a deadline counted through a year whose holiday notice is not known; else empty."""
        reason = _get(obligation, "provisional", None)
        return f"（{str(reason).split(' / ')[0]}）" if reason else ""

    def duration(value: Any) -> str:
        return format_time_left(_span(value))

    def late_note(value: Any) -> str:
        late = _span(value or 0)
        return f"（系统停机补发，晚{format_time_left(late)}）" if late > LATE_NOTE_AFTER else ""

    def count(value: Any) -> int:
        value = _defined(value)
        if isinstance(value, int):
            return value
        return len(value) if value else 0

    def open_only(obligations: Any) -> list[Any]:
        return [ob for ob in _defined(obligations) if _get(ob, "state") == "open"]

    def incident_link(incident_id: Any) -> _Trusted | None:
        url = incident_url(link_base, _defined(incident_id))
        return _Trusted(url) if url else None

    def safe_link(url: Any) -> _Trusted | None:
        checked = safe_url(_defined(url))
        return _Trusted(checked) if checked else None

    return {
        "when": when, "iso": iso, "date_zh": date_zh, "left": left, "overdue": overdue, "overdue_phrase": overdue_phrase, "since": since, "allowed": allowed,
        "provisional": provisional,
        "duration": duration, "late_note": late_note, "count": count, "open_only": open_only,
        "thousands": lambda value: f"{int(_defined(value)):,}",
        "kind_zh": lambda kind: ObligationKind(_defined(kind)).name_zh,
        "todo": lambda kind: _TODO[ObligationKind(_defined(kind))],
        "grade": lambda grade: grade_label(Grade(grade)) if _defined(grade) else "未定级",
        "category": lambda code: _CATEGORIES_ZH.get(code, code) if _defined(code) else "未分类",
        "role_zh": lambda role: _ROLES_ZH.get(str(_defined(role)), str(role)),
        "tier_zh": lambda tier: _TIERS_ZH.get(str(_defined(tier)), str(tier)),
        "names": lambda people: "、".join(str(_get(person, "name")) for person in _defined(people)),
        "line": lambda text: one_line(str(_defined(text))) if text is not None else "",
        "incident_link": incident_link, "safe_link": safe_link,
    }


def incident_url(link_base: str | None, incident_id: Any) -> str | None:
    """``{link_base}/incidents/{id}`` when there is a link base and it is an http(s) URL."""
    if not link_base or incident_id is None:
        return None
    return safe_url(f"{link_base.rstrip('/')}/incidents/{quote(str(incident_id), safe='')}")


def _finalize_markdown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, _Trusted):
        return value
    # str() of a StrictUndefined raises, naming the missing key. A value never breaks a line, so feed
    # text cannot start a quote, a list or a setext heading; markup characters become inert twins.
    return escape_markdown(" ".join(str(value).split()))


def _finalize_plain(value: Any) -> str:
    return "" if value is None else clean(str(value))


@lru_cache(maxsize=16)
def _environments(zone: ZoneInfo, link_base: str | None) -> tuple[Environment, Environment]:
    """The (plain, markdown) environments for one zone and link base; templates compile once each."""
    filters = _make_filters(zone, link_base)
    environments = []
    for finalize in (_finalize_plain, _finalize_markdown):
        environment = Environment(
            loader=PackageLoader("sentinel.notify", "templates"),
            undefined=StrictUndefined,
            finalize=finalize,
            autoescape=False,  # markdown, not HTML: finalize escapes instead
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,  # an included piece ends with its line break
            auto_reload=False,  # templates are package data: never re-read them per message
        )
        environment.filters.update(filters)
        environment.globals.update(incident_link=filters["incident_link"], safe_link=filters["safe_link"])
        environments.append(environment)
    return environments[0], environments[1]


def _templates(kind: str, zone: ZoneInfo, link_base: str | None) -> tuple[Template, Template]:
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}; known: {', '.join(KINDS)}")
    plain, markdown = _environments(zone, link_base)
    return plain.get_template(f"{kind}.txt.j2"), markdown.get_template(f"{kind}.md.j2")


def _mentions(recipients: Iterable[Any]) -> tuple[str, ...]:
    phones = (_get(person, "phone", None) for person in recipients)
    return tuple(dict.fromkeys(str(phone) for phone in phones if phone))


def compose(
    kind: str, context: Mapping[str, Any], *, zone: ZoneInfo, link_base: str | None = None
) -> Message:
    """The message of ``kind`` for ``context`` (see the module docstring for each kind's keys).

    Raises :class:`ValueError` for an unknown kind and :class:`jinja2.UndefinedError` for a
    context without a key the kind needs.
    """
    plain_template, markdown_template = _templates(kind, zone, link_base)
    values = {**_COMMON, **_OPTIONAL[kind], **context}
    module = plain_template.make_module(values)
    title = one_line(str(getattr(module, "title", "")))
    if not title:
        raise ValueError(f"template {kind}.txt.j2 sets no title")
    text_plain = str(module).strip()
    text_markdown = markdown_template.render({**values, "title": title}).strip()

    incident = values.get("incident") if kind in INCIDENT_KINDS else None
    incident_id = grade = department = link = None
    if incident is not None:
        incident_id = str(_get(incident, "id"))
        grade = Grade(_get(incident, "grade")) if _get(incident, "grade") else None
        raw_department = _get(incident, "department")
        department = one_line(str(raw_department)) if raw_department else None
        link = incident_url(link_base, incident_id)
    return Message(
        kind=kind,
        title=title,
        text_markdown=text_markdown,
        text_plain=text_plain,
        incident_id=incident_id,
        grade=grade,
        department=department,
        link=link,
        mentions=_mentions(values["recipients"]),
        idempotency_key=str(values["idempotency_key"] or ""),
    )
