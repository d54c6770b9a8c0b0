"""Chinese names for what the console shows: grades, states, timeline entries, source health."""

from __future__ import annotations

from sentinel.analyse.grading import Grade
from sentinel.disclosure.models import ApplicantType, Channel, Outcome, Party, RequestState
from sentinel.escalation.obligations import ObligationKind
from sentinel.notify.compose import _CATEGORIES_ZH as CATEGORY  # noqa: F401 (one list of category names)

GRADE_COLOUR_ZH = {grade.value: grade.colour_zh[0] for grade in Grade}  # 红 橙 黄 蓝

INCIDENT_STATE = {"open": "处置中", "closed": "已结束", "dismissed": "已撤销"}
JURISDICTION = {"inside": "属本辖区", "outside": "辖区外", "unknown": "无法判断是否属本辖区，按本辖区处置",
                "adopted": "已纳入本辖区"}
VERIFICATION = {"pending": "待研判", "confirmed": "已确认属实", "corroborated": "已获权威来源印证",
                "expired": "研判超时，已按规定升级"}
OBLIGATION_STATE = {"open": "计时中", "met": "已完成", "breached": "已超时", "waived": "已免除"}
INCIDENT_KIND = {"incident": "舆情事件", "policy_document": "政策文件", "disclosure_request": "依申请公开"}
HEALTH = {"up": "正常", "failing": "故障", "blocked": "被封禁", "unknown": "未采集", "blind": "无新内容"}
AUTHORITY = {"central": "中央媒体", "provincial": "省级媒体", "local": "地方媒体/政府网站", "commercial": "商业门户",
             "self_media": "自媒体"}
ROLE = {"duty": "值班员", "leader": "领导", "admin": "管理员", "readonly": "只读", "ingest": "数据接入"}
TIMELINE = {
    "detected": "发现", "grade_changed": "定级", "department_assigned": "转办", "announced": "发出新舆情通知",
    "reminder": "时限提醒", "escalated": "逐级上报", "reescalated": "督办", "acknowledged": "签收",
    "response_recorded": "登记回应", "obligation_started": "时限开始", "obligation_met": "按时完成",
    "obligation_met_late": "逾期完成", "obligation_breached": "超时", "obligation_waived": "时限免除",
    "note": "批注", "marked_needs_response": "标记需回应", "closed": "结束", "dismissed": "撤销",
    "evidence_candidate": "待确认发布", "evidence_recorded": "官方发布已记录", "evidence_requested": "请求确认发布",
    "evidence_confirmed": "确认发布", "evidence_rejected": "否认发布", "request_received": "收到申请",
    "deadline_extended": "延期答复", "calendar_error": "工作日历错误",
    "place_assessed": "属地研判", "adopted": "纳入本辖区", "verification_required": "待研判",
    "verification_requested": "请求研判", "verification_corroborated": "权威来源印证", "verification_confirmed": "研判属实",
    "verification_expired": "研判超时",
    "hotlist_marked": "上榜", "hotlist_top": "进入热搜前列", "hotlist_alerted": "发出上热搜提醒",
    "notification_delivered": "通知已送达", "notification_failed": "通知发送失败",
    "receipt_confirmed": "确认收到申请", "correction_requested": "要求补正", "correction_received": "收到补正",
    "consultation_started": "征求第三方意见", "consultation_ended": "第三方意见已回复", "deadline_delayed": "时限顺延",
    "deadline_recomputed": "重算时限", "deadline_moved": "时限调整", "request_replied": "已答复申请",
    "appeal_recorded": "收到复议/诉讼", "appeal_decided": "复议/诉讼结果",
    # one-tap 认领 links and phone calls (acknowledged through a link is still 签收)
    "call_result": "电话通知结果", "ack_link_opened": "打开认领链接",
    "phone_called": "电话通知", "phone_chain_ended": "电话通知无人接听", "grade_raised_alerted": "发出升级通知",
}
MARKER = {"emergence": "首发", "detection": "发现", "response": "回应", "deadline": "时限"}



def obligation_name(kind: str) -> str:
    try:
        return ObligationKind(kind).name_zh
    except ValueError:
        return kind

NOTIFICATION = {"new_incident": "新舆情", "reminder": "时限提醒", "breach": "超时", "escalation": "升级",
                "reescalation": "督办", "evidence": "待确认", "delivery_failed": "发送失败", "daily_digest": "舆情日报",
                "hotlist": "上热搜", "verification": "待研判", "test": "测试", "correction_window": "补正期限",
                "calendar_missing": "工作日历缺失", "channel_down": "通道故障", "source_blind": "信息源无新内容",
                "source_blocked": "信息源被封禁", "annual_report_due": "年度报告",
                "grade_raised": "级别上调", "phone_call": "电话通知"}
DELIVERY = {"pending": "待发送", "delivered": "已送达", "failed": "发送失败", "recorded": "已记录"}



#: The register's closed sets in Chinese, for the console's templates.
REGISTER = {"labels_applicant": lambda v: ApplicantType(v).name_zh, "labels_channel": lambda v: Channel(v).name_zh,
            "labels_state": lambda v: RequestState(v).name_zh, "labels_party": lambda v: Party(v).name_zh,
            "outcome_label": lambda v: Outcome(v).row.label}
