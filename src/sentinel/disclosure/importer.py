"""An existing register from CSV: a 政务公开 desk keeps one in a spreadsheet.

One row per request, with a header. Columns (English or Chinese names; only the first three are
required)::

    content        申请内容      the information asked for
    applicant_type 申请人类型    natural_person … other_org, or 自然人, 商业企业, 科研机构, 社会公益组织,
                                法律服务机构, 其他
    submitted_on   提交日期      YYYY-MM-DD (or YYYY/MM/DD)
    channel        渠道          in_person … fax, or 当面, 邮寄（签收）, 邮寄（平常信函）, 网络, 传真 (default 当面)
    confirmed_on   确认日期      for ordinary post, online and fax (default: the day submitted, as a
                                register kept by hand seldom tells the two apart)
    reference      编号
    applicant      申请人
    form           形式要求
    unit           承办单位
    outcome        办理结果      a row key (denied.third_party) or its label (保护第三方合法权益)
    reply_type     答复类型      when the row takes several
    replied_on     答复日期      with an outcome

The file is read as UTF-8 (with or without Excel's BOM) or, failing that, GB18030 (Excel's CSV on a
Chinese Windows). Every row is checked before anything is stored; if any is wrong, the error lists
each bad row by its line number and nothing is imported.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.disclosure.flows import NewRequest, checked, conclude, insert_request
from sentinel.disclosure.models import OUTCOMES, ApplicantType, Channel, outcome_for
from sentinel.disclosure.schedule import local_midnight, today
from sentinel.escalation.actions import ActionError
from sentinel.escalation.clocks import Rules
from sentinel.store.disclosure import DisclosureRequest
from sentinel.store.models import Incident

__all__ = ["ImportRowsError", "import_csv", "parse_csv"]

_COLUMNS = {
    "content": "申请内容", "applicant_type": "申请人类型", "submitted_on": "提交日期", "channel": "渠道",
    "confirmed_on": "确认日期", "reference": "编号", "applicant": "申请人", "form": "形式要求", "unit": "承办单位",
    "outcome": "办理结果", "reply_type": "答复类型", "replied_on": "答复日期",
}
_ALIASES = {**{key: key for key in _COLUMNS}, **{zh: key for key, zh in _COLUMNS.items()}}
_APPLICANTS = {**{k.value: k.value for k in ApplicantType}, **{k.name_zh: k.value for k in ApplicantType}}
_CHANNELS = {**{c.value: c.value for c in Channel}, **{c.name_zh: c.value for c in Channel},
             "邮寄": Channel.POST_SIGNED.value, "网络/传真": Channel.ONLINE.value, "互联网": Channel.ONLINE.value}
_OUTCOME_LABELS = {re.sub(r"^[（(][一二三四五六七][）)]|^\d\.", "", row.label): key.value
                   for key, row in OUTCOMES.items()}


class ImportRowsError(ActionError):
    """Some rows are wrong: ``rows`` lists (line number, problem); nothing was imported."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        self.rows = rows
        super().__init__("导入未进行，以下行有误 / nothing was imported; these rows are wrong:\n  "
                         + "\n  ".join(f"第{line}行 / line {line}: {problem}" for line, problem in rows))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _day(value: str, name: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    try:
        year, month, day = (int(part) for part in re.split(r"[-/.]", text))
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{name}: 日期格式应为 YYYY-MM-DD，得到 {value!r}") from None


def _row(fields: dict[str, str]) -> tuple[NewRequest, dict[str, Any] | None]:
    applicant_type = _APPLICANTS.get(fields.get("applicant_type", "").strip())
    if applicant_type is None:
        raise ValueError(f"applicant_type: 未知的申请人类型 {fields.get('applicant_type', '')!r}")
    channel_text = fields.get("channel", "").strip() or Channel.IN_PERSON.value
    channel = _CHANNELS.get(channel_text)
    if channel is None:
        raise ValueError(f"channel: 未知的渠道 {channel_text!r}")
    submitted = _day(fields.get("submitted_on", ""), "submitted_on")
    if submitted is None:
        raise ValueError("submitted_on: 必填 / required")
    new = NewRequest(content=fields.get("content", ""), applicant_type=applicant_type, channel=channel,
                     applicant=fields.get("applicant"), reference=fields.get("reference"), form=fields.get("form"),
                     unit=fields.get("unit"), submitted_on=submitted,
                     confirmed_on=_day(fields.get("confirmed_on", ""), "confirmed_on")
                     or (submitted if Channel(channel).needs_confirmation else None))
    outcome = fields.get("outcome", "").strip()
    replied = _day(fields.get("replied_on", ""), "replied_on")
    if not outcome:
        if replied is not None:
            raise ValueError("replied_on: 有答复日期须填写办理结果 / a reply day needs its outcome")
        return new, None
    key = _OUTCOME_LABELS.get(outcome, outcome)
    chosen, reply_type = outcome_for(key, fields.get("reply_type", "").strip() or None)
    if replied is None:
        raise ValueError("replied_on: 有办理结果须填写答复日期 / an outcome needs its reply day")
    return new, {"outcome": chosen.value, "reply_type": reply_type.value, "replied_on": replied}


def parse_csv(data: bytes, *, today_: date) -> list[tuple[int, NewRequest, dict[str, Any] | None]]:
    """Every row checked: ``(line, request, reply or None)``; :class:`ImportRowsError` listing each
    bad row when any is wrong."""
    try:
        text = _decode(data)
    except UnicodeDecodeError:
        raise ImportRowsError([(1, "文件既不是 UTF-8 也不是 GB18030 编码 / not UTF-8 or GB18030 text")]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ImportRowsError([(1, "文件为空 / the file is empty")])
    names = [_ALIASES.get(name.strip()) for name in header]
    unknown = [h for h, n in zip(header, names, strict=True) if n is None and h.strip()]
    missing = [c for c in ("content", "applicant_type", "submitted_on") if c not in names]
    if unknown or missing:
        raise ImportRowsError([(1, f"表头：未知列 {unknown}，缺少列 {missing} / header: unknown {unknown}, "
                                   f"missing {missing}")])
    rows: list[tuple[int, NewRequest, dict[str, Any] | None]] = []
    errors: list[tuple[int, str]] = []
    references: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(names):
            errors.append((line, f"列数 {len(values)} 多于表头的 {len(names)} 列 / more columns than the header"))
            continue
        fields = {name: value for name, value in zip(names, values, strict=False) if name}
        try:
            new, reply = _row(fields)
            new = checked(new, today_=today_)
            if reply is not None and reply["replied_on"] < (new.confirmed_on or new.submitted_on or reply["replied_on"]):
                raise ValueError("replied_on: 早于收到申请之日 / before the request was received")
            if reply is not None and reply["replied_on"] > today_:
                raise ValueError("replied_on: 晚于今天 / in the future")
        except (ValueError, ActionError) as exc:
            errors.append((line, str(exc).lstrip("-")))
            continue
        if new.reference:
            if new.reference in references:
                errors.append((line, f"reference: 编号 {new.reference} 与第{references[new.reference]}行重复"))
                continue
            references[new.reference] = line
        rows.append((line, new, reply))
    if errors:
        raise ImportRowsError(errors)
    return rows


def import_csv(engine: Engine, rules: Rules, data: bytes, *, by: str, now: datetime) -> int:
    """Import a register: every row, with its reply where it has one, in one transaction, or none."""
    rows = parse_csv(data, today_=today(now, rules.zone))
    with Session(engine) as session:
        wanted = [new.reference for _, new, _ in rows if new.reference]
        taken = set(session.scalars(select(col(DisclosureRequest.reference)).where(
            col(DisclosureRequest.reference).in_(wanted))).all()) if wanted else set()
        clashes = [(line, f"reference: 编号 {new.reference} 已在登记簿中 / already in the register")
                   for line, new, _ in rows if new.reference in taken]
        if clashes:
            raise ImportRowsError(clashes)
        for line, new, reply in rows:
            request = insert_request(session, rules, new, by=by, now=now, extra={"imported": {"line": line}})
            if reply is not None:
                incident = session.get(Incident, request.incident_id)
                assert incident is not None
                conclude(session, rules, request, incident, outcome=reply["outcome"], reply_type=reply["reply_type"],
                         at=local_midnight(reply["replied_on"], rules.zone), channel=None, note=None, by=by, now=now,
                         commit=False)
        session.commit()
    return len(rows)
