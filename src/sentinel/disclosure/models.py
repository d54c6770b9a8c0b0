"""The register's closed sets, with their Chinese labels and the 条例's articles.

Outcomes are the annual report's rows (国办公开办函〔2021〕30号, table 三); their keys are the schema's
(``granted``, ``denied.third_party``, …) so that a reply recorded all year lands in its row with no
translation. Each outcome says which reply types (第三十六条 and the articles around it) lead to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "APPLICANT_COLUMNS",
    "OUTCOMES",
    "T3_ROWS",
    "ApplicantType",
    "AppealKind",
    "AppealResult",
    "Channel",
    "Outcome",
    "OutcomeRow",
    "Party",
    "ReplyType",
    "RequestState",
    "outcome_for",
]


class ApplicantType(StrEnum):
    """申请人情况: the annual report's columns (自然人, then 法人或其他组织 by kind)."""

    NATURAL_PERSON = "natural_person"
    COMMERCIAL = "commercial"
    RESEARCH = "research"
    PUBLIC_INTEREST = "public_interest"
    LEGAL_SERVICE = "legal_service"
    OTHER_ORG = "other_org"

    @property
    def name_zh(self) -> str:
        return _APPLICANT_ZH[self]


_APPLICANT_ZH = {
    ApplicantType.NATURAL_PERSON: "自然人", ApplicantType.COMMERCIAL: "商业企业", ApplicantType.RESEARCH: "科研机构",
    ApplicantType.PUBLIC_INTEREST: "社会公益组织", ApplicantType.LEGAL_SERVICE: "法律服务机构",
    ApplicantType.OTHER_ORG: "其他",
}
#: The report's data columns in order, ``total`` last.
APPLICANT_COLUMNS: tuple[str, ...] = (*(kind.value for kind in ApplicantType), "total")


class Channel(StrEnum):
    """How a request came in; it fixes the receipt day (第三十一条)."""

    IN_PERSON = "in_person"  # 当面提交: the day it was handed in
    POST_SIGNED = "post_signed"  # 邮寄, signed for: the day the office signed
    POST_UNSIGNED = "post_unsigned"  # 平常信函: the day the office confirms with the applicant
    ONLINE = "online"  # 互联网渠道: the day both sides confirm
    FAX = "fax"  # the office's fax: the day both sides confirm

    @property
    def name_zh(self) -> str:
        return _CHANNEL_ZH[self]

    @property
    def needs_confirmation(self) -> bool:
        """Whether the receipt day is a confirmation day (第三十一条第二、三项)."""
        return self in (Channel.POST_UNSIGNED, Channel.ONLINE, Channel.FAX)


_CHANNEL_ZH = {Channel.IN_PERSON: "当面", Channel.POST_SIGNED: "邮寄（签收）", Channel.POST_UNSIGNED: "邮寄（平常信函）",
               Channel.ONLINE: "网络", Channel.FAX: "传真"}


class RequestState(StrEnum):
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # by post unsigned or online: no receipt day yet
    OPEN = "open"  # the clock runs (or is paused by a consultation)
    AWAITING_CORRECTION = "awaiting_correction"  # 补正 asked: the clock is discarded until it arrives
    REPLIED = "replied"  # 已答复 (or otherwise concluded with an outcome)

    @property
    def name_zh(self) -> str:
        return {"awaiting_confirmation": "待确认收到", "open": "办理中", "awaiting_correction": "待补正",
                "replied": "已办结"}[self.value]


class Party(StrEnum):
    """Whose opinion is sought; the time it takes is not counted (第三十三条第三款)."""

    THIRD_PARTY = "third_party"  # 第三十二条
    AGENCY = "agency"  # 第三十四条

    @property
    def name_zh(self) -> str:
        return "征求第三方意见" if self is Party.THIRD_PARTY else "征求其他机关意见"


class ReplyType(StrEnum):
    """The kind of reply (第三十六条 and the articles the report's rows rest on)."""

    PROACTIVE = "proactive"  # 36(一) 已主动公开
    DISCLOSED = "disclosed"  # 36(二) 予以公开
    PARTIAL = "partial"  # 37 区分处理
    DENIED = "denied"  # 36(三) 不予公开
    NOT_EXIST = "not_exist"  # 36(四) 信息不存在
    NOT_OURS = "not_ours"  # 36(五) 不属于本机关负责公开
    DUPLICATE = "duplicate"  # 36(六) 重复申请
    SPECIAL_ACCESS = "special_access"  # 36(七) 工商、不动产登记资料等
    NOT_OBLIGED = "not_obliged"  # 38 需另行制作
    UNCLEAR = "unclear"  # 30 补正后仍不明确
    PETITION = "petition"  # 39① 信访、投诉、举报
    PUBLICATION = "publication"  # 39② 公开出版物
    EXCESSIVE = "excessive"  # 35 无正当理由大量反复申请
    CONFIRM_OR_REISSUE = "confirm_or_reissue"  # 要求确认或重新出具已获取信息
    NO_CORRECTION = "no_correction"  # 30 逾期不补正
    FEE_UNPAID = "fee_unpaid"  # 信息处理费办法: 逾期不缴费
    OTHER = "other"

    @property
    def name_zh(self) -> str:
        return _REPLY_ZH[self][0]

    @property
    def basis(self) -> str:
        return _REPLY_ZH[self][1]


_REPLY_ZH = {
    ReplyType.PROACTIVE: ("已主动公开，告知获取方式", "第三十六条第（一）项"),
    ReplyType.DISCLOSED: ("予以公开", "第三十六条第（二）项"),
    ReplyType.PARTIAL: ("区分处理，部分公开", "第三十七条"),
    ReplyType.DENIED: ("不予公开", "第三十六条第（三）项"),
    ReplyType.NOT_EXIST: ("经检索没有所申请公开信息", "第三十六条第（四）项"),
    ReplyType.NOT_OURS: ("不属于本机关负责公开", "第三十六条第（五）项"),
    ReplyType.DUPLICATE: ("重复申请，不予重复处理", "第三十六条第（六）项"),
    ReplyType.SPECIAL_ACCESS: ("按有关法律、行政法规办理查询", "第三十六条第（七）项"),
    ReplyType.NOT_OBLIGED: ("需另行制作，不予提供", "第三十八条"),
    ReplyType.UNCLEAR: ("补正后申请内容仍不明确", "第三十条"),
    ReplyType.PETITION: ("信访、投诉、举报类申请，告知渠道", "第三十九条第一款"),
    ReplyType.PUBLICATION: ("要求提供公开出版物，告知获取途径", "第三十九条第二款"),
    ReplyType.EXCESSIVE: ("无正当理由大量、频繁申请，不予处理", "第三十五条"),
    ReplyType.CONFIRM_OR_REISSUE: ("要求确认或重新出具已获取信息，不予处理", "第三十九条"),
    ReplyType.NO_CORRECTION: ("逾期不补正，视为放弃申请", "第三十条"),
    ReplyType.FEE_UNPAID: ("逾期未缴纳信息处理费，不再处理", "《政府信息公开信息处理费管理办法》"),
    ReplyType.OTHER: ("其他处理", ""),
}


class Outcome(StrEnum):
    """本年度办理结果: one row of the annual report's table 三 (the schema's keys)."""

    GRANTED = "granted"
    PARTIAL = "partial"
    DENIED_STATE_SECRET = "denied.state_secret"
    DENIED_LAW_FORBIDDEN = "denied.law_forbidden"
    DENIED_THREE_SECURITY = "denied.three_security_one_stability"
    DENIED_THIRD_PARTY = "denied.third_party"
    DENIED_INTERNAL = "denied.internal_affairs"
    DENIED_PROCESS = "denied.process_info"
    DENIED_ENFORCEMENT = "denied.enforcement_file"
    DENIED_ADMIN_QUERY = "denied.admin_query"
    UNABLE_NOT_HELD = "unable.not_held"
    UNABLE_NEEDS_CREATION = "unable.needs_creation"
    UNABLE_UNCLEAR = "unable.unclear_after_correction"
    NOT_PROCESSED_PETITION = "not_processed.petition_complaint"
    NOT_PROCESSED_DUPLICATE = "not_processed.duplicate"
    NOT_PROCESSED_PUBLICATION = "not_processed.publication"
    NOT_PROCESSED_EXCESSIVE = "not_processed.excessive"
    NOT_PROCESSED_CONFIRM = "not_processed.confirm_or_reissue"
    OTHER_NO_CORRECTION = "other.no_correction"
    OTHER_FEE_UNPAID = "other.fee_unpaid"
    OTHER_OTHER = "other.other"

    @property
    def row(self) -> OutcomeRow:
        return OUTCOMES[self]

    @property
    def group(self) -> str:
        """``granted``, ``partial``, ``denied``, ``unable``, ``not_processed`` or ``other``."""
        return self.value.split(".")[0]


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """A row's label exactly as the format prints it, and the reply types that lead to it (the first
    is the default when only the outcome is given)."""

    label: str
    replies: tuple[ReplyType, ...]


_R = ReplyType
OUTCOMES: dict[Outcome, OutcomeRow] = {
    Outcome.GRANTED: OutcomeRow("（一）予以公开", (_R.DISCLOSED, _R.PROACTIVE)),
    Outcome.PARTIAL: OutcomeRow("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (_R.PARTIAL,)),
    Outcome.DENIED_STATE_SECRET: OutcomeRow("1.属于国家秘密", (_R.DENIED,)),
    Outcome.DENIED_LAW_FORBIDDEN: OutcomeRow("2.其他法律行政法规禁止公开", (_R.DENIED,)),
    Outcome.DENIED_THREE_SECURITY: OutcomeRow("3.危及“三安全一稳定”", (_R.DENIED,)),
    Outcome.DENIED_THIRD_PARTY: OutcomeRow("4.保护第三方合法权益", (_R.DENIED,)),
    Outcome.DENIED_INTERNAL: OutcomeRow("5.属于三类内部事务信息", (_R.DENIED,)),
    Outcome.DENIED_PROCESS: OutcomeRow("6.属于四类过程性信息", (_R.DENIED,)),
    Outcome.DENIED_ENFORCEMENT: OutcomeRow("7.属于行政执法案卷", (_R.DENIED,)),
    Outcome.DENIED_ADMIN_QUERY: OutcomeRow("8.属于行政查询事项", (_R.SPECIAL_ACCESS, _R.DENIED)),
    Outcome.UNABLE_NOT_HELD: OutcomeRow("1.本机关不掌握相关政府信息", (_R.NOT_EXIST, _R.NOT_OURS)),
    Outcome.UNABLE_NEEDS_CREATION: OutcomeRow("2.没有现成信息需要另行制作", (_R.NOT_OBLIGED,)),
    Outcome.UNABLE_UNCLEAR: OutcomeRow("3.补正后申请内容仍不明确", (_R.UNCLEAR,)),
    Outcome.NOT_PROCESSED_PETITION: OutcomeRow("1.信访举报投诉类申请", (_R.PETITION,)),
    Outcome.NOT_PROCESSED_DUPLICATE: OutcomeRow("2.重复申请", (_R.DUPLICATE,)),
    Outcome.NOT_PROCESSED_PUBLICATION: OutcomeRow("3.要求提供公开出版物", (_R.PUBLICATION,)),
    Outcome.NOT_PROCESSED_EXCESSIVE: OutcomeRow("4.无正当理由大量反复申请", (_R.EXCESSIVE,)),
    Outcome.NOT_PROCESSED_CONFIRM: OutcomeRow("5.要求行政机关确认或重新出具已获取信息", (_R.CONFIRM_OR_REISSUE,)),
    Outcome.OTHER_NO_CORRECTION: OutcomeRow(
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", (_R.NO_CORRECTION,)),
    Outcome.OTHER_FEE_UNPAID: OutcomeRow(
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", (_R.FEE_UNPAID,)),
    Outcome.OTHER_OTHER: OutcomeRow("3.其他", (_R.OTHER,)),
}

#: The group rows of table 三 with their labels, in the format's order.
GROUPS: dict[str, str] = {
    "granted": "（一）予以公开",
    "partial": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}

#: Every data row of table 三 in order, with its label: the schema's row keys.
T3_ROWS: tuple[tuple[str, str], ...] = (
    ("new", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "二、上年结转政府信息公开申请数量"),
    *((outcome.value, OUTCOMES[outcome].label) for outcome in Outcome),
    ("total", "（七）总计"),
    ("carried_out", "四、结转下年度继续办理"),
)


def outcome_for(outcome: Outcome | str, reply_type: ReplyType | str | None = None) -> tuple[Outcome, ReplyType]:
    """The outcome and its reply type, checked: ``ValueError`` for an unknown one or a reply type
    that does not lead to that row (a refusal's ground is its row)."""
    try:
        chosen = Outcome(outcome)
    except ValueError:
        raise ValueError(f"unknown outcome {outcome!r}; one of {', '.join(o.value for o in Outcome)}") from None
    allowed = OUTCOMES[chosen].replies
    if reply_type is None or reply_type == "":
        return chosen, allowed[0]
    try:
        reply = ReplyType(reply_type)
    except ValueError:
        raise ValueError(f"unknown reply type {reply_type!r}; one of {', '.join(r.value for r in ReplyType)}") from None
    if reply not in allowed:
        raise ValueError(f"a {reply.value} reply ({reply.basis}) is not counted as {chosen.value}; "
                         f"that row takes {', '.join(r.value for r in allowed)}")
    return chosen, reply


class AppealKind(StrEnum):
    REVIEW = "review"  # 行政复议
    LAWSUIT_DIRECT = "lawsuit_direct"  # 行政诉讼, 未经复议直接起诉
    LAWSUIT_AFTER_REVIEW = "lawsuit_after_review"  # 行政诉讼, 复议后起诉

    @property
    def name_zh(self) -> str:
        return {"review": "行政复议", "lawsuit_direct": "行政诉讼（未经复议直接起诉）",
                "lawsuit_after_review": "行政诉讼（复议后起诉）"}[self.value]

    @property
    def schema_key(self) -> str:
        """The key of table 四's group: ``review``, ``lit_direct``, ``lit_after_review``."""
        return {"review": "review", "lawsuit_direct": "lit_direct", "lawsuit_after_review": "lit_after_review"}[
            self.value]


class AppealResult(StrEnum):
    UPHELD = "upheld"  # 结果维持
    CORRECTED = "corrected"  # 结果纠正
    OTHER = "other"  # 其他结果
    PENDING = "pending"  # 尚未审结

    @property
    def name_zh(self) -> str:
        return {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结"}[self.value]
