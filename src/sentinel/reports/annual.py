"""The annual report on government information disclosure (政府信息公开工作年度报告), in the national
format (国办公开办函〔2021〕30号) under 政府信息公开条例 第四十九条、第五十条.

Six sections in order. 二 (主动公开) comes from the counts the office entered (with, where official
sources mark policy documents, their number as a suggestion); 三 from the register: requests received
in the year (一), carried over (二: the previous year's published report when there is one, else the
register), replies in the year by outcome row and applicant column, and those still open at the
year's end (四); 四 from the reviews and lawsuits filed in the year, with their result as of 31
December; 一, 五 and 六 are the office's text, with a draft of the facts to start from.

The format's checks (勾稽关系) run before anything is written: per column 一 + 二 = （七）总计 + 四; the
总计 column is the sum of the six applicant columns; each review and lawsuit 总计 is 维持 + 纠正 + 其他 +
尚未审结. A failing check is an :class:`AnnualReportError` naming the row and the column, never a report.
Every figure is in the returned dict under the schema's keys (``t2``, ``t3``, ``t4``).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.disclosure.entries import T2_KEYS
from sentinel.disclosure.models import (
    APPLICANT_COLUMNS,
    GROUPS,
    AppealKind,
    AppealResult,
    ApplicantType,
    Outcome,
)
from sentinel.errors import SentinelError
from sentinel.settings import Settings
from sentinel.store.disclosure import AnnualEntry, DisclosureAppeal, DisclosureRequest
from sentinel.store.models import Incident, IncidentKind, Obligation

__all__ = ["AnnualReportError", "build_annual_report", "check_report", "t3_rows"]

_SIX = APPLICANT_COLUMNS[:-1]
_COLUMN_ZH = {**{kind.value: kind.name_zh for kind in ApplicantType}, "total": "总计"}
_RESULTS = ("upheld", "corrected", "other", "pending", "total")


class AnnualReportError(SentinelError):
    """The register cannot make the report: a check of the format fails, or a reply has no outcome."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("年度报告未生成 / the annual report was not written:\n  " + "\n  ".join(problems))


def t3_rows() -> list[str]:
    """Table 三's data rows in order, as flat keys (``denied.third_party``)."""
    return ["new", "carried_in", *(outcome.value for outcome in Outcome), "total", "carried_out"]


def _zero() -> dict[str, int]:
    return dict.fromkeys(APPLICANT_COLUMNS, 0)


def _nest(flat: dict[str, dict[str, int]]) -> dict[str, Any]:
    """``denied.third_party`` → ``t3["denied"]["third_party"]``, as the schema nests them."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        group, _, leaf = key.partition(".")
        if leaf:
            out.setdefault(group, {})[leaf] = value
        else:
            out[key] = value
    return out


def _flat(t3: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {key: (t3[key.split(".")[0]][key.split(".")[1]] if "." in key else t3[key]) for key in t3_rows()}


def check_report(t3: dict[str, Any], t4: dict[str, Any]) -> list[str]:
    """The format's 勾稽关系, each failure naming its table, row and column."""
    flat = _flat(t3)
    problems = []
    for column in APPLICANT_COLUMNS:
        left = flat["new"][column] + flat["carried_in"][column]
        right = flat["total"][column] + flat["carried_out"][column]
        if left != right:
            problems.append(f"表三 {_COLUMN_ZH[column]}列（{column}）：一 + 二 = {left}，（七）总计 + 四 = {right}，不相等 / "
                            f"table 3, column {column}: new + carried_in != total + carried_out")
        outcomes = sum(flat[o.value][column] for o in Outcome)
        if outcomes != flat["total"][column]:
            problems.append(f"表三 {_COLUMN_ZH[column]}列（{column}）：（七）总计 {flat['total'][column]} ≠ 各项办理结果之和 "
                            f"{outcomes} / table 3, column {column}: total is not the sum of the outcomes")
    for row in t3_rows():
        six = sum(flat[row][column] for column in _SIX)
        if six != flat[row]["total"]:
            problems.append(f"表三 {row} 行：总计列 {flat[row]['total']} ≠ 六类申请人之和 {six} / table 3, row {row}: "
                            "the total column is not the sum of the six applicant columns")
    for group, values in t4.items():
        parts = sum(values[key] for key in _RESULTS[:-1])
        if parts != values["total"]:
            problems.append(f"表四 {group}：总计 {values['total']} ≠ 维持 + 纠正 + 其他 + 尚未审结 = {parts} / table 4, "
                            f"{group}: total != upheld + corrected + other + pending")
    return problems


def _count(requests: list[DisclosureRequest], *, unit: str | None) -> dict[str, int]:
    counts = _zero()
    for request in requests:
        counts[request.applicant_type] += 1
        counts["total"] += 1
    return counts


def build_annual_report(engine: Engine, settings: Settings, year: int, *, now: datetime,
                        unit: str | None = None) -> dict[str, Any]:
    """The report of ``year`` (for ``unit``'s requests only when given) as one JSON-ready dict."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    with Session(engine) as session:
        query = select(DisclosureRequest).where(col(DisclosureRequest.received_on) <= last)
        if unit:
            query = query.where(col(DisclosureRequest.unit) == unit)
        requests = [r for r in session.scalars(query).all()
                    if r.received_on is not None and (r.replied_on is None or r.replied_on >= first)]
        entry = session.get(AnnualEntry, (year, unit or ""))
        previous = session.get(AnnualEntry, (year - 1, unit or ""))
        appeals_query = select(DisclosureAppeal).where(col(DisclosureAppeal.filed_on) >= first,
                                                       col(DisclosureAppeal.filed_on) <= last)
        if unit:
            appeals_query = appeals_query.where(col(DisclosureAppeal.unit) == unit)
        appeals = list(session.scalars(appeals_query).all())
        documents = session.scalars(select(col(Incident.id)).where(
            col(Incident.kind) == IncidentKind.POLICY_DOCUMENT.value)).all()
        policy_documents = sum(1 for incident in session.scalars(select(Incident).where(
            col(Incident.id).in_(list(documents)))).all()
            if incident.emerged_at.astimezone(settings.zone).year == year)
        replied_cases = [r.incident_id for r in requests if r.replied_on is not None and r.replied_on <= last]
        deadlines = list(session.scalars(select(Obligation).where(
            col(Obligation.incident_id).in_(replied_cases), col(Obligation.kind) == "disclosure_reply",
            col(Obligation.state).in_(["met", "breached"]))).all())

    new = [r for r in requests if r.received_on is not None and r.received_on >= first]
    older = [r for r in requests if r.received_on is not None and r.received_on < first]
    done = [r for r in requests if r.replied_on is not None and r.replied_on <= last]
    still = [r for r in requests if r.replied_on is None or r.replied_on > last]
    problems = [f"申请 #{r.id}{'（' + r.reference + '）' if r.reference else ''} 已于 {r.replied_on} 办结但未登记办理结果 / "
                f"request {r.id} was concluded without an outcome: give one with `sentinel requests reply`"
                for r in done if not r.outcome]
    if problems:
        raise AnnualReportError(problems)

    flat: dict[str, dict[str, int]] = {key: _zero() for key in t3_rows()}
    flat["new"] = _count(new, unit=unit)
    carried_source = "register"
    if previous is not None and previous.published_on is not None and previous.figures:
        flat["carried_in"] = {c: int(previous.figures["t3"]["carried_out"][c]) for c in APPLICANT_COLUMNS}
        carried_source = f"{year - 1}年度报告"
    else:
        flat["carried_in"] = _count(older, unit=unit)
    for request in done:
        assert request.outcome is not None
        flat[request.outcome][request.applicant_type] += 1
        flat[request.outcome]["total"] += 1
        flat["total"][request.applicant_type] += 1
        flat["total"]["total"] += 1
    flat["carried_out"] = _count(still, unit=unit)

    t4: dict[str, dict[str, int]] = {kind.schema_key: dict.fromkeys(_RESULTS, 0) for kind in AppealKind}
    for appeal in appeals:
        result = appeal.result if appeal.decided_on is not None and appeal.decided_on <= last \
            else AppealResult.PENDING.value
        group = t4[AppealKind(appeal.kind).schema_key]
        group[result] += 1
        group["total"] += 1

    t3 = _nest(flat)
    problems = check_report(t3, t4)
    if problems:
        raise AnnualReportError(problems)

    t2 = _t2(entry.t2 if entry is not None else {})
    facts = _facts(flat, done, deadlines)
    return {
        "report": "annual", "year": year, "unit": unit, "agency": unit or None,
        "title": f"{unit + ' ' if unit else ''}{year}年政府信息公开工作年度报告",
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "generated_at": now.isoformat(), "timezone": settings.timezone,
        "sections": {key: label for key, label in _SECTIONS},
        "s1_text": entry.s1_text if entry else None, "s5_text": entry.s5_text if entry else None,
        "s6_text": entry.s6_text if entry else None,
        "drafts": _drafts(year, facts),
        "t2": t2,
        "t2_entered": sorted(entry.t2) if entry is not None else [],
        "t2_suggestions": {"normative_docs.made": policy_documents},
        "t3": t3,
        "t3_columns": list(APPLICANT_COLUMNS),
        "t3_carried_in_source": carried_source,
        "t4": t4,
        "facts": facts,
        "checks": ["一 + 二 = （七）总计 + 四（每列）", "总计列 = 六类申请人之和", "（七）总计 = 各项办理结果之和",
                   "表四 各总计 = 维持 + 纠正 + 其他 + 尚未审结"],
        "published_on": entry.published_on.isoformat() if entry and entry.published_on else None,
        "groups": dict(GROUPS),
    }


_SECTIONS = (("s1", "一、总体情况"), ("s2", "二、主动公开政府信息情况"), ("s3", "三、收到和处理政府信息公开申请情况"),
             ("s4", "四、政府信息公开行政复议、行政诉讼情况"), ("s5", "五、存在的主要问题及改进情况"),
             ("s6", "六、其他需要报告的事项"))


def _t2(entered: dict[str, Any]) -> dict[str, Any]:
    """Section 二 under the schema's keys; what was not entered is 0."""
    out: dict[str, Any] = {}
    for key, _, kind in T2_KEYS:
        value: Any = entered.get(key, 0 if kind == "count" else "0")
        group, _, leaf = key.partition(".")
        if leaf:
            out.setdefault(group, {})[leaf] = value
        else:
            out[key] = value
    return out


def _facts(flat: dict[str, dict[str, int]], done: list[DisclosureRequest], deadlines: list[Obligation]
           ) -> dict[str, Any]:
    """What the drafts say: requests handled, replies on time, breaches, extensions and the like."""
    by_case: dict[int, Obligation] = {}
    for row in deadlines:
        if row.incident_id not in by_case or row.sequence > by_case[row.incident_id].sequence:
            by_case[row.incident_id] = row
    on_time = sum(1 for row in by_case.values() if row.state == "met")
    late = sum(1 for row in by_case.values() if row.state == "breached")
    timed = on_time + late
    groups = Counter(Outcome(r.outcome).group for r in done if r.outcome)
    return {
        "received": flat["new"]["total"], "carried_in": flat["carried_in"]["total"], "concluded": flat["total"]["total"],
        "carried_out": flat["carried_out"]["total"], "on_time": on_time, "late": late,
        "on_time_rate": round(on_time / timed, 4) if timed else None,
        "extended": sum(1 for r in done if r.extension), "corrections": sum(1 for r in done if r.correction_asked_on),
        "by_group": {group: groups.get(group, 0) for group in GROUPS},
    }


def _drafts(year: int, facts: dict[str, Any]) -> dict[str, str]:
    rate = f"{facts['on_time_rate'] * 100:.1f}%" if facts["on_time_rate"] is not None else "—"
    groups = facts["by_group"]
    s1 = (f"本报告根据《中华人民共和国政府信息公开条例》编制，数据统计期限为{year}年1月1日至12月31日。"
          f"（二）依申请公开情况：{year}年共收到政府信息公开申请{facts['received']}件，上年结转{facts['carried_in']}件，"
          f"办结{facts['concluded']}件，其中予以公开{groups['granted']}件、部分公开{groups['partial']}件、不予公开"
          f"{groups['denied']}件、无法提供{groups['unable']}件、不予处理{groups['not_processed']}件、其他处理"
          f"{groups['other']}件；结转下年度继续办理{facts['carried_out']}件。按期答复{facts['on_time']}件，"
          f"按期答复率{rate}；延期答复{facts['extended']}件，告知补正{facts['corrections']}件。")
    s5 = (f"{year}年超期答复{facts['late']}件。" if facts["late"] else f"{year}年未发生超期答复。") + \
        "（请补充存在的主要问题及改进措施。）"
    s6 = "（请填写信息处理费收取情况、人大代表建议和政协提案办理情况、年度政务公开工作要点落实情况等。）"
    return {"s1": s1, "s5": s5, "s6": s6}
