"""What the office enters besides the requests: the reviews and lawsuits over them (section 四), the
counts of section 二 (主动公开), the texts of sections 一, 五 and 六, and the report's publication.

Section 二's counts are entered as the office keeps them (规章 and 行政规范性文件 made, repealed and in
force; 许可, 处罚 and 强制 decisions; fees in 万元). A published report keeps its figures: next
year's 上年结转 row is read from them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.disclosure.models import AppealKind, AppealResult
from sentinel.errors import NotFoundError
from sentinel.escalation.actions import ActionError
from sentinel.store.disclosure import AnnualEntry, DisclosureAppeal, DisclosureRequest
from sentinel.store.models import TimelineEvent

__all__ = ["T2_KEYS", "add_appeal", "decide_appeal", "entry", "mark_published", "set_t2", "set_text"]

#: Section 二's entries: (key, label, kind), the schema's keys.
T2_KEYS: tuple[tuple[str, str, str], ...] = (
    ("regulations.made", "规章 本年制发件数", "count"),
    ("regulations.repealed", "规章 本年废止件数", "count"),
    ("regulations.valid", "规章 现行有效件数", "count"),
    ("normative_docs.made", "行政规范性文件 本年制发件数", "count"),
    ("normative_docs.repealed", "行政规范性文件 本年废止件数", "count"),
    ("normative_docs.valid", "行政规范性文件 现行有效件数", "count"),
    ("licensing", "行政许可 本年处理决定数量", "count"),
    ("penalty", "行政处罚 本年处理决定数量", "count"),
    ("coercion", "行政强制 本年处理决定数量", "count"),
    ("fees_wan_yuan", "行政事业性收费 本年收费金额（万元）", "amount"),
)
_T2 = {key: kind for key, _, kind in T2_KEYS}
TEXTS = {"s1": "一、总体情况", "s5": "五、存在的主要问题及改进情况", "s6": "六、其他需要报告的事项"}


def _who(value: str) -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ActionError("--by: 需要填写操作人 / who did it must be given")
    return name[:128]


def _year(year: int) -> int:
    if not 2008 <= year <= 9999:  # the 条例 took effect in 2008
        raise ActionError(f"--year: {year} is not a report year")
    return year


def entry(session: Session, year: int, unit: str | None, *, by: str, now: datetime) -> AnnualEntry:
    """The year's entry for ``unit`` ("" for the whole office), created empty when there is none."""
    row = session.get(AnnualEntry, (year, unit or ""))
    if row is None:
        row = AnnualEntry(year=year, unit=unit or "", t2={}, updated_at=now, updated_by=by)
        session.add(row)
    return row


def _value(key: str, value: str | int | float | Decimal) -> int | str:
    if _T2[key] == "count":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ActionError(f"--{key}: 应为非负整数 / expected a whole number, got {value!r}") from None
        if number < 0:
            raise ActionError(f"--{key}: 不能为负 / must not be negative")
        return number
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ActionError(f"--{key}: 应为金额（万元），如 20.3 / expected an amount in 万元, got {value!r}") from None
    if amount < 0 or not amount.is_finite():
        raise ActionError(f"--{key}: 不能为负 / must not be negative")
    return str(amount)  # kept as text: 万元 with the decimals the office gave, never a float's


def set_t2(engine: Engine, year: int, values: dict[str, Any], *, by: str, now: datetime,
           unit: str | None = None) -> AnnualEntry:
    """Enter section 二's counts (any of :data:`T2_KEYS`); the others keep what they had."""
    by, year = _who(by), _year(year)
    unknown = sorted(set(values) - set(_T2))
    if unknown:
        raise ActionError(f"--{unknown[0]}: unknown entry; known: {', '.join(_T2)}")
    checked = {key: _value(key, value) for key, value in values.items()}
    with Session(engine) as session:
        row = entry(session, year, unit, by=by, now=now)
        row.t2 = {**row.t2, **checked}
        row.updated_at, row.updated_by = now, by
        session.commit()
        session.refresh(row)
        return row


def set_text(engine: Engine, year: int, section: str, text: str, *, by: str, now: datetime,
             unit: str | None = None) -> AnnualEntry:
    """The office's text for section 一, 五 or 六 (``s1``, ``s5``, ``s6``)."""
    by, year = _who(by), _year(year)
    if section not in TEXTS:
        raise ActionError(f"--section: one of {', '.join(TEXTS)}")
    if len(text) > 50_000:
        raise ActionError("--text: too long (at most 50,000 characters)")
    with Session(engine) as session:
        row = entry(session, year, unit, by=by, now=now)
        setattr(row, f"{section}_text", text.strip() or None)
        row.updated_at, row.updated_by = now, by
        session.commit()
        session.refresh(row)
        return row


def mark_published(engine: Engine, year: int, figures: dict[str, Any], *, on: date, by: str, now: datetime,
                   unit: str | None = None) -> AnnualEntry:
    """The report of ``year`` is published on ``on``: its figures are kept (next year's 上年结转) and
    the January reminder stops."""
    by, year = _who(by), _year(year)
    with Session(engine) as session:
        row = entry(session, year, unit, by=by, now=now)
        row.published_on, row.published_by, row.figures = on, by, figures
        row.updated_at, row.updated_by = now, by
        session.commit()
        session.refresh(row)
        return row


def add_appeal(engine: Engine, *, kind: str, filed_on: date, by: str, now: datetime, result: str = "pending",
               decided_on: date | None = None, request_id: int | None = None, reference: str | None = None,
               unit: str | None = None, note: str | None = None) -> DisclosureAppeal:
    """A review (行政复议) or lawsuit (行政诉讼) filed over a request, with its result if known."""
    by = _who(by)
    try:
        chosen, outcome = AppealKind(kind), AppealResult(result)
    except ValueError as exc:
        raise ActionError(f"--kind/--result: {exc}") from None
    if (decided_on is None) != (outcome is AppealResult.PENDING):
        raise ActionError("--decided: 有结果的须填写审结日期，尚未审结的不填 / a result needs the day it was decided")
    if decided_on is not None and decided_on < filed_on:
        raise ActionError("--decided: 早于提起之日 / before it was filed")
    with Session(engine) as session:
        if request_id is not None:
            request = session.get(DisclosureRequest, request_id)
            if request is None:
                raise NotFoundError(f"没有编号为 {request_id} 的申请 / no request {request_id}")
            unit = unit or request.unit
        row = DisclosureAppeal(request_id=request_id, kind=chosen.value, filed_on=filed_on, result=outcome.value,
                               decided_on=decided_on, reference=reference, unit=unit, note=note, recorded_by=by,
                               recorded_at=now)
        session.add(row)
        session.flush()
        if request_id is not None:
            _on_timeline(session, request_id, "appeal_recorded", by=by, now=now, appeal=row.id, kind=chosen.value,
                         result=outcome.value, filed_on=filed_on.isoformat())
        session.commit()
        session.refresh(row)
        return row


def _on_timeline(session: Session, request_id: int, event: str, /, *, by: str, now: datetime, **data: Any) -> None:
    """The request's case records what happened to it (a review or lawsuit filed or decided)."""
    request = session.get(DisclosureRequest, request_id)
    if request is not None:
        session.add(TimelineEvent(incident_id=request.incident_id, at=now, kind=event, actor=by, data=data))


def decide_appeal(engine: Engine, appeal_id: int, *, result: str, decided_on: date, by: str,
                  now: datetime) -> DisclosureAppeal:
    """The review or lawsuit was decided: 维持, 纠正 or another result."""
    by = _who(by)
    try:
        outcome = AppealResult(result)
    except ValueError as exc:
        raise ActionError(f"--result: {exc}") from None
    if outcome is AppealResult.PENDING:
        raise ActionError("--result: upheld, corrected or other")
    with Session(engine) as session:
        row = session.scalars(select(DisclosureAppeal).where(col(DisclosureAppeal.id) == appeal_id)).first()
        if row is None:
            raise NotFoundError(f"没有编号为 {appeal_id} 的复议或诉讼 / no appeal {appeal_id}")
        if decided_on < row.filed_on:
            raise ActionError("--decided: 早于提起之日 / before it was filed")
        row.result, row.decided_on = outcome.value, decided_on
        if row.request_id is not None:
            _on_timeline(session, row.request_id, "appeal_decided", by=by, now=now, appeal=row.id, result=outcome.value,
                         decided_on=decided_on.isoformat())
        session.commit()
        session.refresh(row)
        return row
