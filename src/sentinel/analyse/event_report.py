"""Is an item a report of a concrete event (事件报道), a complaint about a department (投诉举报),
or neither (chatter, advice, statistics, sport, film plots, history, adverts)?

A watch rule says an item *mentions* what the office cares about; this says whether it *reports*
something that happened, somewhere, to someone. Only reports and complaints open incidents: a post
joking "好希望今晚来个9.3级地震" or a headline on last year's road deaths matches 地震 or 死亡 as well
as a real report does, and must not page anybody.

The judgement combines what the analysis already has with a trained linear model over the same
jieba tokens (:func:`features`):

- **tokens** of the title and text (each present token once, scaled by 1/√n so long articles do not
  outvote short posts), numbers folded into one token;
- **character bigrams** of the Chinese text of the title and the head of the body, scaled the same
  way (:data:`BIGRAM_WEIGHT`): they carry what the tokenizer splits or misses (挂了, 好怕, 震感), and
  cross-validated on the dev labels they keep 7 points more chatter out at the same recall;
- **facts**: a casualty, loss or magnitude figure the facts stage found (a report states them, a joke
  rarely does; a post's #topics# are left out, :func:`own_facts`), and whether the title states
  one on its own ("…致2死3伤");
- **places** in the text, and in the title;
- **cues**, small families of phrases that mark a genre (:data:`CUES`): when it happened (昨日, 凌晨,
  3月5日, 10时20分), where (小区, 路段, 工地), how news is reported (据悉, 记者, 发生, 造成), the first
  person and wishes (我, 希望, 要是), laughter, emoticons and exclamations, advice (注意, 谨防, 如何), statistics over a period
  (今年以来, 前9月, 累计, 同比), sport, entertainment, history (周年, 当年), adverts, meetings and
  policy, forecasts, complaints (投诉, 举报, 不作为), reposts and hashtags.

Two **guards** overrule the model (:func:`guard`): an item whose every clause naming an event is a
wish, a dream or a supposition ("好希望今晚来个9.3级地震"), and an item whose title or first sentence
counts events over a period ("今年以来全国共发生交通事故300起") are never reports.

The model is multinomial logistic regression (three classes) trained offline on hand-labelled text
(``labels/``; ``sentinel model train-events``) and shipped as weights (``models/event_report.json.gz``):
the named features (cues, facts, places, length) by name, the hundred thousand tokens and bigrams in a
table of 2**18 rows found by the CRC-32 of the feature's name (two float32 per row, the event and
complaint logits against ``other``: 2 MB in memory instead of a dict's 250 bytes a feature; a row
two features share holds their sum, which cross-validation says costs nothing measurable). Scoring
is a sum over the item's features and a softmax, a few hundred microseconds. An item opens an incident when P(event) + P(complaint) reaches the model's threshold
(tuned on the development part of the labels); :class:`ReportJudgement` says which features
weighed most, so a duty officer can see why an item was or was not taken as a report.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import math
import re
import sys
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import repeat
from pathlib import Path
from typing import Any

from sentinel.analyse.fact_phrases import ANNIVERSARY_YEARS
from sentinel.analyse.facts import FIELDS, Facts, extract_facts, with_topic_death

__all__ = ["CUES", "DEFAULT_MODEL", "NOT_JUDGED", "EventReportModel", "ReportJudgement", "ReportKind", "features",
           "guard", "own_facts"]

DEFAULT_MODEL = Path(__file__).resolve().parent / "models" / "event_report.json.gz"

#: How much of a long body the cues read: a report says what happened in its first paragraph.
CUE_SPAN = 400

#: What the head's character bigrams weigh together against the tokens' 1 (each is scaled by 1/√n):
#: chosen by 5-fold cross-validation on the dev labels among 0.5, 1, 2 and 3.
BIGRAM_WEIGHT = 2.0

#: Tokens and bigrams (``w:…``, ``b:…``) are weighed from a table of 2**TABLE_BITS rows.
TABLE_BITS = 18
_TABLE_MASK = (1 << TABLE_BITS) - 1
_TEXT_FEATURE = ("w:", "b:")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")

_NUM = "[0-9０-９一二三四五六七八九十百千万两]"

#: Genre cues: name → (Chinese label for reasons, pattern).
CUES: dict[str, tuple[str, re.Pattern[str]]] = {
    name: (label, re.compile(pattern)) for name, label, pattern in [
        ("when_relative", "时间(近日/今晨)",
         r"今天|今日|昨天|昨日|前天|前日|当天|当日|日前|近日|刚刚|刚才|今晨|今早|昨晚|昨夜|今晚|今天下午|当晚|凌晨|深夜|傍晚|清晨"),
        ("when_absolute", "时间(日期时刻)",
         rf"{_NUM}{{1,2}}月{_NUM}{{1,3}}日|{_NUM}{{1,3}}日(上午|下午|晚|凌晨|早|中午|夜)|{_NUM}{{1,2}}时{_NUM}{{0,3}}分?许?|{_NUM}{{1,2}}点{_NUM}{{1,2}}分"),
        ("reporting", "报道用语",
         r"据悉|据了解|据报道|据介绍|记者|获悉|通报|消息|讯[）)]?|电[（(]|新华社|中新网|中新社|新华网|本报|快讯|突发"),
        ("happened", "发生/造成",
         r"发生|造成|导致|致使|致\d|致[一二三四五六七八九十两]|事发|现场|当场|送医|送往医院|救治|抢救|遇难者|伤者|死者|被困|搜救|救援|扑灭|赶赴"),
        ("first_person", "第一人称", r"我|俺|咱|本宝宝|老子"),
        ("wish", "愿望/假设", r"希望|好想|想要|如果|要是|假如|万一|梦见|梦到|做梦|感觉|觉得|好怕|害怕|怕死|宁愿|巴不得|恨不得|但愿|就好了|该多好"),
        ("laughter", "笑/表情", r"哈哈|呵呵|嘿嘿|笑死|hhh|233|\[[^\[\]\s]{1,8}\]|～|~{2,}"),
        ("exclaim", "感叹", r"[！!]{2,}|[?？]{2,}|[。.]{3,}|…"),
        ("locale", "现场(小区/路段/工地…)",
         r"小区|路口|路段|国道|省道|高速|大桥|隧道|工地|工厂|化工厂|厂房|车间|煤矿|矿井|学校|幼儿园|医院|商场|超市|酒店|宾馆|餐馆|饭店|食堂|村民|镇|街道|社区|居民楼|大楼|仓库|码头|车站|机场|景区|水库|河道|海域|附近"),
        ("advice", "提示/建议",
         r"注意|提醒|谨防|切勿|如何|怎样|怎么办|小贴士|常识|技巧|方法|秘诀|警惕|预防|防范|记住|学会|必看|指南|教你|攻略"),
        ("statistics", "统计",
         rf"今年以来|年以来|前{_NUM}{{1,2}}个?月|全年|上半年|下半年|一季度|季度|累计|同比|环比|共发生|{_NUM}+起|统计|数据显示|年度|每年|平均|比例|比率|百分之|%|％"),
        ("sport", "体育", r"比赛|赛季|球员|球队|联赛|NBA|CBA|进球|主场|客场|伤病|伤停|复出|教练|夺冠|决赛|球迷|火箭|湖人|中超|奥运"),
        ("entertainment", "影视/游戏",
         r"电影|影片|电视剧|剧集|主演|导演|票房|综艺|游戏|玩家|小说|动漫|新作|上映|大片|明星|演员|剧情|剧中|角色|粉丝|网游|DLC|首映|预告片"),
        ("history", "历史/纪念",
         r"周年|纪念|回忆|回顾|当年|年前|历史上|百年|追忆|往事|民国|抗日|抗战|日寇|二战|一战|古代|清朝|明朝|宋朝|唐朝|汉朝|三国|清末"
         r"|晚清|八路军|红军"),
        ("advert", "广告", r"优惠|促销|折扣|特价|代购|加盟|咨询电话|点击|抢购|包邮|限时|下单|详询|热线|团购"),
        ("policy", "会议/政策",
         r"会议|部署|要求各|通知|意见|条例|规定|办法|印发|召开|强调|检查组|督查|整治|专项|座谈|调研|出台|实施|工作会"),
        ("forecast", "预报/可能", r"预计|预报|可能|或将|预警|将有|未来|有望|即将|或致"),
        ("complaint", "投诉/指责",
         r"投诉|举报|维权|欠薪|讨薪|强拆|城管|不作为|乱收费|腐败|贪污|受贿|殴打|打人|暴力执法|上访|黑幕|造假|偷排|失职|渎职|没人管|无人管|推诿|敷衍|曝光|求助|讨说法|乱作为|霸王条款"),
        ("repost", "转发", r"//@|转发微博|转发理由"),
        ("hashtag", "话题", r"#[^#\s]{1,30}#"),
        ("question", "提问", r"[?？]|吗$|吗[，。！]"),
    ]
}

# Guards: forms that never report an event, whatever the words around them weigh.
_EVENT_WORD = re.compile(r"地震|火灾|着火|起火|大火|爆炸|事故|车祸|相撞|坍塌|塌方|死亡|身亡|遇难|丧生|伤亡|受伤|中毒|袭击|溺亡|坠亡|洪水|海啸")
_HYPOTHETICAL = re.compile(r"希望|好想|想要|要是|如果|假如|万一|梦到|梦见|做梦|但愿|巴不得|恨不得|宁愿|祈求|幻想|假设")
# A threat, which has not happened ("基地组织威胁将在德国发起恐怖袭击"). Not an announcement: "将于今日召开
# 爆炸事故新闻发布会" follows up a real event.
_FUTURE = re.compile(r"威胁(?:要|将|称)|扬言|(?:声称|宣称)(?:要|将)")
_CLAUSE = re.compile(r"[^，,。！？!?；;\s]+")
# An anniversary, which recalls an event of years ago: "汶川大地震十周年", "汶川地震10年：依然为这些照片落泪",
# "汶川地震周年". After the event it recalls: "60周年庆典上发生踩踏事故" reports one.
_ANNIVERSARY = re.compile(rf"{ANNIVERSARY_YEARS}|(?:地震|事故|灾难|空难|海啸|爆炸|火灾|矿难|惨案|屠杀)(?:{_NUM}+年(?![0-9０-９])|周年)")
_PERIOD = re.compile(rf"今年以来|年以来|去年全年|全年|上半年|下半年|[一二三四1-4]季度|前{_NUM}{{1,2}}个?月|{_NUM}{{1,2}}月份|近{_NUM}{{1,2}}年|历年|每年")
_AGGREGATE = re.compile(rf"{_NUM}+起|共发生|累计|总计|合计|同比|环比")
# An epidemic's bulletin: cases counted over a reporting period (新增确诊病例6例, 累计确诊8例, 累计报告
# 新型冠状病毒感染的肺炎病例258例, 死亡病例增至6例). Counted in 例, as cases are, or as patients new or
# in all (新增患者79人); a poisoning's victims are counted in 人 and its 中毒 is no bulletin word here.
# how a tally says it rose to its figure ("增至", "突破", "超"): required in a bulletin's, optional in a total's
_RISE = "(?:增至|升至|增加到|增加至|上升至|上升到|达到?|已达|突破|超过|超|逾|破)"
_MANY_CASES = r"(?:\d+(?:\.\d+)?万|\d{3,})"
_TALLY = re.compile(r"(?:新增|累计|现有)(?:报告)?(?:本土)?(?:确诊|疑似|无症状感染者|死亡|治愈|出院)?(?:病例)?\d+例"
                    r"|确诊(?:病例)?\d+例|累计报告[^，。；,;]{0,16}?病例\d+例"
                    rf"|(?:确诊|疑似|感染|死亡|重症|危重)(?:病例|患者)?(?:人数)?{_RISE}\d+例"
                    # patients counted in 人 the same way: "新增患者79人，确诊患者总人数11344人"
                    r"|(?:新增|累计)(?:确诊)?患者\d+人|确诊患者(?:总人数|总数|人数)\d+人"
                    # a pandemic's totals, counted in 万 or in hundreds and more: "美国新冠肺炎超161万例",
                    # "印度新冠死亡人数突破10万", "全球累计确诊超过500万例", "法国累计死亡病例达2.9万例",
                    # "疫情已致全球逾100万人死亡", "新增确诊病例创新高 累计死亡超过1000人"; a flood's
                    # "累计死亡56人" is the toll of one disaster and no tally
                    r"|\d+(?:\.\d+)?万例"
                    rf"|(?:新冠|肺炎|疫情|确诊|感染)[^，。；,;!！?？\d]{{0,12}}?(?:死亡|确诊|感染)(?:病例|人数|患者)?"
                    rf"(?:总数|数)?{_RISE}?{_MANY_CASES}"
                    rf"|累计(?:确诊|治愈|感染)[^，。；,;\d]{{0,6}}?{_RISE}?\d+(?:\.\d+)?万?(?:例|人)"
                    rf"|累计死亡(?:病例)?(?:数|人数)?{_RISE}?\d+(?:\.\d+)?万?例|累计死亡[^，。；,;\d]{{0,4}}?\d+(?:\.\d+)?万"
                    rf"|(?:新冠|肺炎|疫情)[^，。；,;\d]{{0,12}}?(?:已致|致|造成)[^，。；,;\d]{{0,6}}?{_MANY_CASES}人(?:死亡|感染|确诊)"
                    rf"|(?:新冠|肺炎|疫情|确诊)[^。！？!?\n]{{0,30}}?累计死亡[^，。；,;\d]{{0,4}}?{_MANY_CASES}")
_HASHTAG = re.compile(r"#[^#\n]{1,40}#")

_FEATURE_LABELS = {
    "fact:any": "有伤亡或损失数字",
    "fact:title": "标题有伤亡数字",
    "fact:zero": "明确无伤亡",
    "fact:magnitude": "有震级",
    "place:text": "有地名",
    "place:title": "标题有地名",
    "len:short": "短文本",
    "len:long": "长文本",
    "title": "有标题",
}

_NUMERIC = re.compile(r"^[0-9０-９.％%]+$")
_PUNCT = re.compile(r"^[\W_]+$")


class ReportKind(StrEnum):
    EVENT = "event"          # 事件报道: something happened, somewhere, to someone
    COMPLAINT = "complaint"  # 投诉举报: negative opinion about a department or public service
    OTHER = "other"          # chatter, advice, statistics, sport, plots, history, adverts, policy news

    @property
    def name_zh(self) -> str:
        return {"event": "事件报道", "complaint": "投诉举报", "other": "非事件"}[self.value]


@dataclass(frozen=True, slots=True)
class ReportJudgement:
    """What kind of text an item is, how sure the model is, and which features weighed most."""

    kind: ReportKind
    event: float      # P(event report), as the model gave it
    complaint: float  # P(complaint)
    reasons: tuple[str, ...] = ()
    guarded: bool = False  # a guard (hypothetical, period statistics) overruled the model

    @property
    def opens_incident(self) -> bool:
        return self.kind is not ReportKind.OTHER

    @property
    def score(self) -> float:
        """P(event) + P(complaint), the probability that the item is worth an incident; 0 when a
        guard overruled the model."""
        return 0.0 if self.guarded else self.event + self.complaint

    def describe(self) -> str:
        """One line for a timeline or an alert: ``事件报道 0.93（有伤亡或损失数字、时间(近日/今晨)）``."""
        why = "、".join(self.reasons)
        return f"{self.kind.name_zh} {self.score:.2f}" + (f"（{why}）" if why else "")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "score": round(self.score, 4), "event": round(self.event, 4),
                "complaint": round(self.complaint, 4), "reasons": list(self.reasons)}


# An item that was not judged (no watch rule matched it, so it can open nothing): stored without a kind.
NOT_JUDGED = ReportJudgement(ReportKind.OTHER, 0.0, 0.0, ("未命中关注方案，未研判",))


def features(title: str, text: str, words: Sequence[str], facts: Facts | None = None,
             regions: Iterable[str] = (), title_words: Iterable[str] = ()) -> dict[str, float]:
    """The item's features: name → value. ``words`` are the jieba tokens of title and text."""
    found: dict[str, float] = {}
    tokens = set(map(_fold, words))
    tokens.discard("")
    if tokens:
        found.update(zip(map("w:".__add__, tokens), repeat(1.0 / math.sqrt(len(tokens)))))
    head = f"{title}\n{text[:CUE_SPAN]}" if title else text[:CUE_SPAN]
    grams = {run[i:i + 2] for run in _HAN_RUN.findall(head) for i in range(len(run) - 1)}
    if grams:
        found.update(zip(map("b:".__add__, grams), repeat(BIGRAM_WEIGHT / math.sqrt(len(grams)))))
    for name, (_label, pattern) in CUES.items():
        if pattern.search(head):
            found[f"cue:{name}"] = 1.0
    if title:
        found["title"] = 1.0
        # A headline's genre (a portal's "…为什么？", "教你…", "抗日小兵…") weighs apart from the body's.
        for name in ("first_person", "wish", "laughter", "statistics", "history", "entertainment", "sport",
                     "question", "advice"):
            if CUES[name][1].search(title):
                found[f"tcue:{name}"] = 1.0
    if facts is not None:
        values = [getattr(facts, name) for name in FIELDS if name != "magnitude"]
        if any(value for value in values):
            found["fact:any"] = 1.0
        elif any(value == 0 for value in values if value is not None):
            found["fact:zero"] = 1.0
        if facts.magnitude:
            found["fact:magnitude"] = 1.0
        if title and not extract_facts(title).is_empty():
            found["fact:title"] = 1.0
    places = set(regions)
    if places:
        found["place:text"] = 1.0
        if places.intersection(title_words):
            found["place:title"] = 1.0
    size = len(title) + len(text)
    if size < 40:
        found["len:short"] = 1.0
    elif size > 300:
        found["len:long"] = 1.0
    return found


# A post that only reacts to a #topic#: what is left of it without its topics, links, emoticons and the
# chain it reposts is a few characters ("#雅安7级地震# 祈祷！[蜡烛] 详情:http:", "#殴打女子嫌疑人工作是催债#看图",
# "#首都机场爆炸案#"). The topic names the event; the post reports nothing of it, unless it says it was there.
_REACTION_CHARS = 20
_NOT_OWN = re.compile(r"#[^#\n]{1,40}#|https?://\S*|\[[^\[\]\s]{1,8}\]|(?:话题)?详情[:：]?|来自话题|转发微博|\s")
_WITNESSED = re.compile(r"刚刚|刚才|现场|目击|亲眼|我家|我们家|楼下|对面|隔壁|附近|就在|正在")


def guard(title: str, text: str, *, post: bool = False) -> str | None:
    """The reason an item cannot be a report whatever the model says, or None.

    - **假设/愿望**: every clause that names an event (地震, 火灾, 死亡 …) is a wish, a dream or a
      supposition ("好希望今晚来个9.3级地震", "要是发生地震", "梦到出车祸");
    - **威胁**: … or, some of them, what is threatened and has not happened ("基地组织威胁将在德国发起
      恐怖袭击", "扬言要炸毁大楼");
    - **周年**: … or, every one of them, an anniversary of an event of years ago ("汶川大地震十周年",
      "汶川地震10年：依然为这些照片落泪");
    - **时段统计**: the title or the first sentence counts events over a period ("今年以来全国共发生较大
      道路交通事故300起", "前9月共报告食物中毒327起"), or is an epidemic's bulletin of cases
      ("新增确诊病例6例", "累计确诊8例", "死亡病例增至6例");
    - **话题反应**: a post (``post``) with a #topic# whose own words, the topics, links, emoticons and
      the chain it reposts left out, are fewer than 20 characters, with no figure and nothing seen
      ("#雅安7级地震# 祈祷！", "#女孩深夜遭男子殴打扒衣拖行#这个情况怎么说呢？"): it joins the topic's
      story as heat, but opens none.
    """
    if post and "#" in text and not title and _reaction(text):
        return "话题反应"
    head = f"{title}\n{text[:CUE_SPAN]}" if title else text[:CUE_SPAN]
    clauses = [c for c in _CLAUSE.findall(head) if _EVENT_WORD.search(c)]
    if clauses and all(_supposed(clause) for clause in clauses):
        return "假设/愿望"
    if clauses and all(_supposed(clause) or _supposed(clause, _FUTURE) for clause in clauses):
        return "威胁"
    if clauses and all(_recalled(clause) for clause in clauses):
        return "周年"
    first = title or (_CLAUSE.findall(text) or [""])[0]
    lead = re.split(r"[。！？!?\n]", text, maxsplit=1)[0]
    for part in (first, lead):
        if (_PERIOD.search(part) and _AGGREGATE.search(part)) or _TALLY.search(part):
            return "时段统计"
    return None


def _reaction(text: str) -> bool:
    """Whether a post with a #topic# only reacts to it (:func:`guard`)."""
    if _HASHTAG.search(text) is None:
        return False
    own = _NOT_OWN.sub("", text.split("//@", 1)[0])
    return (len(own) < _REACTION_CHARS and _WITNESSED.search(own) is None
            and extract_facts(own).is_empty())


def own_facts(title: str, text: str, facts: Facts, *, post: bool) -> Facts:
    """The facts a post states in its own words: its #topics# name what others wrote (often a
    headline, "#新型肺炎已致湖北17人死亡#"), not what the post reports, save one person's death by its
    cause that the post's words do not state (``with_topic_death``). News keeps ``facts``."""
    if not post or ("#" not in text and "#" not in title):
        return facts
    # A post's title, when it has one, is its own first words (a collector's or the store's): the
    # same topics are stripped from it.
    own = extract_facts(_HASHTAG.sub(" ", text), _HASHTAG.sub(" ", title).strip() or None)
    return with_topic_death(own, (m.group()[1:-1] for m in _HASHTAG.finditer(text)), text)


def _recalled(clause: str) -> bool:
    """The clause's event is an anniversary's: the anniversary follows the event word."""
    event = _EVENT_WORD.search(clause)
    return event is not None and any(m.start() >= event.start() for m in _ANNIVERSARY.finditer(clause))


def _supposed(clause: str, words: re.Pattern[str] = _HYPOTHETICAL) -> bool:
    """A wish or supposition word (or one of ``words``) comes before the clause's event word."""
    wish, event = words.search(clause), _EVENT_WORD.search(clause)
    return wish is not None and event is not None and wish.start() < event.start()


# Tokens repeat from item to item (word frequencies are Zipfian): most are folded once.
@functools.lru_cache(maxsize=1 << 14)
def _fold(word: str) -> str:
    word = word.strip().lower()
    if not word or _PUNCT.match(word):
        return ""
    if _NUMERIC.match(word):
        return "#num"
    return word


class EventReportModel:
    """A trained three-class linear model: weights per feature, a bias per class, a threshold.

    ``weights`` holds the named features (cues, facts, places: the ones a reason can cite), three
    columns each; tokens and bigrams given in ``weights`` are folded into :attr:`table` (two columns:
    the event and complaint weights less the ``other`` one, which leaves every softmax unchanged).
    """

    CLASSES = (ReportKind.EVENT, ReportKind.COMPLAINT, ReportKind.OTHER)

    def __init__(self, weights: Mapping[str, Sequence[float]], bias: Sequence[float], threshold: float,
                 meta: Mapping[str, Any] | None = None, *, table: array | None = None) -> None:
        if len(bias) != 3 or any(len(w) != 3 for w in weights.values()):
            raise ValueError("an event-report model has three classes: event, complaint, other")
        if not 0 <= threshold < 1:
            raise ValueError("threshold must be at least 0 and below 1")
        if table is not None and (table.typecode != "f" or len(table) != 2 << TABLE_BITS):
            raise ValueError(f"the token table has {2 << TABLE_BITS} float32 values")
        self.table = array("f", bytes(8 << TABLE_BITS)) if table is None else table
        self.weights: dict[str, tuple[float, float, float]] = {}
        for name, row in weights.items():
            if name.startswith(_TEXT_FEATURE):
                at = _bucket(name)
                self.table[at] += row[0] - row[2]
                self.table[at + 1] += row[1] - row[2]
            else:
                self.weights[name] = (float(row[0]), float(row[1]), float(row[2]))
        # The features a person can read as a reason: cues, facts, places, length (not tokens).
        self._named = tuple(self.weights.items())
        self.bias = tuple(float(x) for x in bias)
        self.threshold = threshold
        self.meta = dict(meta or {})

    @classmethod
    def load(cls, path: str | Path | None = None) -> EventReportModel:
        """The model at ``path`` (JSON, optionally gzip), or the bundled one."""
        return _load(str(path or DEFAULT_MODEL))

    def to_json(self) -> dict[str, Any]:
        table = array("f", self.table)
        if sys.byteorder == "big":
            table.byteswap()
        return {"classes": [c.value for c in self.CLASSES], "bias": [round(x, 9) for x in self.bias],
                "threshold": round(self.threshold, 6),
                "meta": self.meta, "weights": {name: [round(x, 5) for x in row]
                                               for name, row in sorted(self.weights.items())},
                "table": {"bits": TABLE_BITS, "float32le": base64.b64encode(table.tobytes()).decode("ascii")}}

    def save(self, path: str | Path) -> None:
        data = json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        Path(path).write_bytes(gzip.compress(data, mtime=0) if str(path).endswith(".gz") else data)

    def probabilities(self, found: Mapping[str, float]) -> tuple[float, float, float]:
        event, complaint, other = self.bias
        weights, table = self.weights, self.table
        for name, value in found.items():
            if name.startswith(_TEXT_FEATURE):
                at = _bucket(name)
                event += table[at] * value
                complaint += table[at + 1] * value
                continue
            row = weights.get(name)
            if row is not None:
                a, b, c = row
                event += a * value
                complaint += b * value
                other += c * value
        top = max(event, complaint, other)
        event, complaint, other = math.exp(event - top), math.exp(complaint - top), math.exp(other - top)
        total = event + complaint + other
        return event / total, complaint / total, other / total

    def judge(self, found: Mapping[str, float], *, reasons: int = 3, guard: str | None = None) -> ReportJudgement:
        """The model's verdict on ``found``; a ``guard`` (from :func:`guard`) makes it ``other``."""
        event, complaint, _other = self.probabilities(found)
        if guard is not None:
            return ReportJudgement(ReportKind.OTHER, event, complaint, (guard,), guarded=True)
        if event + complaint >= self.threshold:
            kind = ReportKind.EVENT if event >= complaint else ReportKind.COMPLAINT
        else:
            kind = ReportKind.OTHER
        return ReportJudgement(kind, event, complaint, self._reasons(found, kind, reasons))

    def _reasons(self, found: Mapping[str, float], kind: ReportKind, limit: int) -> tuple[str, ...]:
        """The named features (not single tokens) that pushed most toward ``kind``."""
        column = self.CLASSES.index(kind)
        pushes = []
        for name, row in self._named:
            value = found.get(name)
            if value is None:
                continue
            others = [row[i] for i in range(3) if i != column]
            push = (row[column] - max(others)) * value
            if push > 0.05:
                pushes.append((push, name))
        pushes.sort(reverse=True)
        return tuple(label_of(name) for _push, name in pushes[:limit])


def label_of(feature: str) -> str:
    """A feature's name for people: ``cue:statistics`` → ``统计``, ``tcue:wish`` → ``标题:愿望/假设``."""
    if feature in _FEATURE_LABELS:
        return _FEATURE_LABELS[feature]
    kind, _, name = feature.partition(":")
    if kind in ("cue", "tcue") and name in CUES:
        return ("标题:" if kind == "tcue" else "") + CUES[name][0]
    return name or feature


def _bucket(name: str) -> int:
    """Where a token's or bigram's two weights start in the table."""
    return (zlib.crc32(name.encode("utf-8")) & _TABLE_MASK) << 1


@functools.lru_cache(maxsize=4)
def _load(path: str) -> EventReportModel:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    data = json.loads(raw.decode("utf-8"))
    if data.get("classes") != [c.value for c in EventReportModel.CLASSES]:
        raise ValueError(f"{path}: not an event-report model (classes {data.get('classes')!r})")
    table = None
    if "table" in data:  # models before the table keep every token by name in "weights"
        if data["table"].get("bits") != TABLE_BITS:
            raise ValueError(f"{path}: a token table of {data['table'].get('bits')} bits, not {TABLE_BITS}")
        table = array("f", base64.b64decode(data["table"]["float32le"]))
        if sys.byteorder == "big":
            table.byteswap()
    return EventReportModel(data["weights"], data["bias"], float(data["threshold"]), data.get("meta"), table=table)
