"""Event facts from Chinese news text: deaths, injured, missing, poisoned, direct loss, magnitude.

``extract_facts(text, title)`` reads the phrases reporters use ("造成3人死亡", "死亡人数上升至十三人",
"已致2死5伤", "十余人受伤", "直接经济损失约1.2亿元", "里氏5.6级", "无人员伤亡") and returns a
:class:`Facts` whose ``details`` say, for each figure, which phrase gave it and how it was chosen.

How figures are chosen (documented here because a reader of an alert will ask "why 13?"):

- **Counts grow, so the largest credible figure is the latest one.** Every phrase that states a count
  for the field is a candidate (title included); the result is the largest. "死亡人数上升至13人" after
  "造成10人死亡" therefore gives 13, and subgroup figures ("其中4人当场死亡", "死者中有3名学生") never
  override the total they belong to. An explicit correction ("修正为", "核减为", "下调至") wins over size.
- **Only the event's figures count.** A figure is discarded when it stands (see
  :mod:`sentinel.analyse.event_scope`) in a statistic over a period or a jurisdiction ("今年以来全市…",
  "前9月", "全年", "同比"), in a mention of another time ("此前…地震曾造成95人死亡", "去年", "2004年…" outside
  the lead), in another event of the same report ("另据报道…发生", a different date of occurrence, an
  earthquake of another magnitude), or after the page's "related news" marker. An "1800" of the year's
  road deaths therefore never reaches the grade.
- **Groups are added only when the text adds them up**: deaths "当场" plus deaths "经抢救无效/送医后/
  途中" (two disjoint groups by construction) give a sum, used when it exceeds every stated total.
- **Injured**: a stated total ("38人受伤", "6死10伤") wins. Without one (or with only "N名伤者", which
  names some of them), the severity classes reporters list (重伤 / 轻伤 / 轻微伤, disjoint by the
  injury-grading standard) are added up. Seriously injured are always part of the injured: a stated
  total includes them; "其中3人重伤" is a subset, not extra.
- **Zero**: "无人员伤亡", "未造成人员伤亡", "暂无人员死亡报告", "尚未有人员死伤", "尚无人员伤亡" set deaths (and
  for 伤亡/死伤 also injured) to 0 — but only when no positive figure of the event is stated: county-level
  "no casualties" lines are common in reports of an event that did kill people elsewhere. A zero about a
  subgroup ("无中方人员伤亡") or an unknown ("尚未确认人员伤亡") is no zero.
- **Headlines count without numerals**: "致2死3伤", "两死一重伤", "3死多伤", "母女俩被捅死" (2), "夫妻双双身亡"
  (2), "父母被卷至百米高空后遇难" (2), "老人和孙子遇难" (2), "一家三口" (3); one victim named without a number gives 1 ("女大学生被车撞飞身亡", "将其勒死",
  "16岁少年捅死同窗", "将老师打成重伤" — injured and seriously injured 1), unless the clause is plural,
  negated or hypothetical, or the person named is the attacker ("男子酒后扎伤舍友" names the victim
  only as the object).
- **Victims named one by one are added up**: "烧死母亲和妹妹" (2), "杀死妻子及岳父母" (3), "杀死一家3口"
  (3), kin side by side before their verb ("父母姐姐身亡" 3; "司机妻子身亡" is the driver's wife, 1); a verb before its victim names one ("丧生的复旦大学学生黄某", "殉职女干部", "受伤民警").
- **A killer who ends their own life after the killing died too**: "枪杀娇妻后饮弹" (2), "杀死妻子和岳母后自缢
  身亡" (3); "后自杀" alone may be an attempt and adds no one. Whoever an animal killed is the person named
  ("大叔…遭活生生咬死"); an animal met or posed with ("路遇黑熊…反遭袭丧命") is no victim.
- **Posts name their victim loosely**: far from the verb ("外卖小哥晚上6点多在…涉水被电击…不幸身亡"), by
  what was done to them ("被抢者…当场身亡"), with verbs joined by 、 ("将婴儿掐、勒死"), found dead ("…被发现
  在家中死亡"), or as the one person a sentence is about ("北京一主妇煮饭时…，最终因心肺衰竭而死亡"). Whoever
  the subject caused it to ("…导致朋友受伤") or speaks of ("医生说是眼角受伤") is someone else; a count before
  把/将 and a killing verb, or before 致其, counts the attackers ("两初中生把小狗…炸死"). A body found
  ("遗体被发现") is one death; so is one person's death by a cause in a post's #topic#, when the post's
  own words state none (``with_topic_death``; a topic's counts stay the topic's).
- **Stories name no victim**: in a film's, a drama's or a novel's plot (剧情, 第N集, 在线观看, 人物关系 …)
  nobody named without a number died or was hurt.
- **Nobody died** when the one who died is an animal ("猫不幸身亡", "被撞死野鸡"), when the text denies
  it ("…纯属假新闻", "系谣言", "以上纯属杜撰"), or when the phrase is an idiom or an insult ("死亡线", "遇难题",
  "活该炸死", "打死也不能买", "宁愿被打死", "红旗16死敌"), a blame of a kind of victim ("广告害死小学生", "害死了320游客") or a war's toll (a million or more).
- **Poisoned and dead**: "5人系一氧化碳中毒死亡" counts 5 poisoned and 5 deaths. A poisoning that states no
  number poisoned counts its dead and its hospitalised ("中毒事件 已致6人死亡52人住院": 58; deaths after
  treatment are among the hospitalised, "两人当场死亡，另6人被送往医院，其中4人…死亡": 8); those still in
  hospital ("尚有4人住院") are a remainder, not the group. One victim named who died of a poisoning
  ("致租客中毒身亡") is one poisoned.
- **A count belongs to its phrase**: "爆炸致死6人" (6); a family counted, then one of it named, lost that one
  ("一家4口爬山祈福妻子坠亡" is 1); a count that opens a clause is the subject of a death told in the next one,
  when that one names nobody else ("7名…英雄，遭以色列袭击身亡" is 7); in "6人死亡52人住院" the 52 are in hospital
  (and, in a poisoning, poisoned: below).
  A toll in 万 in figures ("800万人因此丧生") is many and no one death ("亿万富翁…身亡" is one).
- Ages ("3岁男童"), dates and times, vehicle counts ("33辆车"), durations ("失联一个月"), "死伤"/"伤亡"
  totals (deaths and injured together) and negated or hypothetical phrases ("险些丧生", "无一人死亡")
  are not counts; words that only hold a negator's character ("恐怖袭击", "未婚夫", "索要") negate nothing.
- Approximate figures keep their lower bound ("十余人" → 10, approximate). Foreign currency losses
  are not converted and are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sentinel.analyse.event_scope import Scope
from sentinel.analyse.fact_phrases import (
    Doc,
    Mention,
    find_loss,
    find_magnitudes,
    find_mentions,
    find_zeros,
    has_trigger,
)
from sentinel.analyse.fact_victims import find_hurt_singular, find_singular, find_topic_singular

__all__ = ["FIELDS", "FactDetail", "Facts", "extract_facts", "facts_to_dict", "with_topic_death"]

#: The JSON field names of ``sentinel analyze`` (docs/architecture.md#sentinel-analyze), in order.
FIELDS = ("deaths", "injured", "seriously_injured", "missing", "poisoned", "loss_yuan", "magnitude")

Number = int | float


@dataclass(frozen=True, slots=True)
class FactDetail:
    """Why a figure has its value: the phrase that gave it and the rule that chose it."""

    field: str
    value: Number
    approximate: bool = False
    low: Number | None = None
    high: Number | None = None
    phrase: str = ""
    rule: str = "stated"   # stated | correction | sum | classes | zero | singular | title | topic

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None and self.low != self.high \
            and not self.approximate


@dataclass(frozen=True, slots=True)
class Facts:
    """Facts of one event as stated by one text; None means the text does not say."""

    deaths: Number | None = None
    injured: Number | None = None
    seriously_injured: Number | None = None
    missing: Number | None = None
    poisoned: Number | None = None
    loss_yuan: Number | None = None
    magnitude: float | None = None
    details: tuple[FactDetail, ...] = field(default=(), compare=False)

    def detail(self, name: str) -> FactDetail | None:
        """The detail behind field ``name``, if it has a value."""
        return next((d for d in self.details if d.field == name), None)

    def is_empty(self) -> bool:
        return all(getattr(self, f) is None for f in FIELDS)


EMPTY = Facts()


def facts_to_dict(facts: Facts, *, with_details: bool = False) -> dict[str, object]:
    """The ``facts`` object of ``sentinel analyze --json``: the seven fields, numbers or null.

    With ``with_details`` a ``details`` mapping (field → phrase, rule, approximate, low, high) is added.
    """
    out: dict[str, object] = {f: getattr(facts, f) for f in FIELDS}
    if with_details:
        out["details"] = {d.field: {"phrase": d.phrase, "rule": d.rule, "approximate": d.approximate,
                                    "low": d.low, "high": d.high} for d in facts.details}
    return out


def _pick(mentions: list[Mention], name: str, rule: str = "stated") -> FactDetail | None:
    """The largest figure, unless a correction was stated (then the last correction)."""
    if not mentions:
        return None
    corrections = [m for m in mentions if "correction" in m.flags and not m.in_title]
    if corrections:
        best, rule = max(corrections, key=lambda m: m.pos), "correction"
    else:
        best = max(mentions, key=lambda m: (m.qty.value, not m.in_title, m.pos))
        if best.in_title:
            rule = "title"
    q = best.qty
    return FactDetail(name, q.value, q.approximate, q.low, q.high, best.phrase, rule)


def _deaths(mentions: list[Mention]) -> FactDetail | None:
    best = _pick(mentions, "deaths")
    spot = [m for m in mentions if "spot" in m.flags]
    later = [m for m in mentions if "later" in m.flags]
    if spot and later and best is not None:
        s = max(spot, key=lambda m: m.qty.value)
        lt = max(later, key=lambda m: m.qty.value)
        total = s.qty.value + lt.qty.value
        if total > best.value:
            return FactDetail("deaths", total, s.qty.approximate or lt.qty.approximate, None, None,
                              f"{s.phrase} + {lt.phrase}", "sum")
    return best


def _poisoned_groups(hospital: list[Mention], deaths: list[Mention]) -> FactDetail | None:
    """Without a number poisoned, the poisoned of a poisoning are its dead and its hospitalised ("已致6人死亡
    52人住院": 58). Deaths after treatment ("经抢救无效", "送医后") are among the hospitalised: only those who
    died on the spot are added then."""
    taken = _pick(hospital, "poisoned")
    if taken is None:
        return None
    later = any("later" in m.flags for m in deaths)
    dead = _pick([m for m in deaths if "spot" in m.flags] if later else deaths, "deaths")
    if dead is None:
        return FactDetail("poisoned", taken.value, taken.approximate, taken.low, taken.high, taken.phrase, "sum")
    return FactDetail("poisoned", taken.value + dead.value, taken.approximate or dead.approximate, None, None,
                      f"{dead.phrase} + {taken.phrase}", "sum")


def _injured(by_kind: dict[str, list[Mention]]) -> tuple[FactDetail | None, FactDetail | None]:
    serious = _pick(by_kind.get("serious", []), "seriously_injured")
    hurt = by_kind.get("hurt", [])
    total = _pick(hurt, "injured")
    classes = [d for d in (serious, _pick(by_kind.get("light", []), "injured"),
                           _pick(by_kind.get("minor", []), "injured")) if d is not None]
    class_sum = sum(d.value for d in classes)
    only_nouns = all("noun" in m.flags for m in hurt)  # "N名伤者" does not outrank the classes
    if classes and (total is None or (only_nouns and class_sum > total.value)):
        approx = any(d.approximate for d in classes)
        total = FactDetail("injured", class_sum, approx, None, None,
                           " + ".join(d.phrase for d in classes), "classes")
    return total, serious


def _magnitude(doc: Doc) -> FactDetail | None:
    candidates = find_magnitudes(doc)
    if not candidates:
        return None
    best_priority = min(p for p, _ in candidates)
    tier = [c for p, c in candidates if p == best_priority]
    # In the title and in the body the first figure names the main shock; among corrections the last wins.
    chosen = max(tier, key=lambda c: c.pos) if best_priority == 1 else min(tier, key=lambda c: c.pos)
    rule = ("title", "correction", "stated")[best_priority]
    return FactDetail("magnitude", float(chosen.qty.value), chosen.qty.approximate, None, None, chosen.phrase, rule)


def extract_facts(text: str, title: str | None = None) -> Facts:
    """Casualties, loss and magnitude stated in ``text`` (and ``title``); see the module docstring."""
    if not has_trigger(text, title):
        return EMPTY
    doc = Doc(text, title)
    # The event's magnitude first: a figure next to another magnitude belongs to another quake.
    magnitude = _magnitude(doc)
    if magnitude is not None:
        doc.scope = Scope(doc.title, doc.body, float(magnitude.value))
    by_kind: dict[str, list[Mention]] = {}
    for m in find_mentions(doc):
        by_kind.setdefault(m.kind, []).append(m)

    deaths = _deaths(by_kind.get("death", []))
    injured, serious = _injured(by_kind)
    zero_deaths, zero_injured = find_zeros(doc)
    if deaths is None:
        single = find_singular(doc)
        if single is not None:
            deaths = FactDetail("deaths", 1, False, 1, 1, single, "singular")
        elif zero_deaths:
            deaths = FactDetail("deaths", 0, False, 0, 0, zero_deaths, "zero")
    if injured is None and zero_injured and not (deaths and deaths.value):
        injured = FactDetail("injured", 0, False, 0, 0, zero_injured, "zero")
    elif injured is None:
        hurt = find_hurt_singular(doc)
        if hurt is not None:
            injured = FactDetail("injured", 1, False, 1, 1, hurt[0], "singular")
            if hurt[1] and serious is None:
                serious = FactDetail("seriously_injured", 1, False, 1, 1, hurt[0], "singular")
    missing = _pick(by_kind.get("missing", []), "missing")
    poisoned = _pick(by_kind.get("poisoned", []), "poisoned") or _poisoned_groups(
        by_kind.get("hospital", []), by_kind.get("death", []))
    if poisoned is None and deaths is not None and deaths.rule == "singular" and "中毒" in deaths.phrase:
        # One victim named who died of a poisoning was poisoned: "致租客中毒身亡", "打铁花成网红中毒离世".
        poisoned = FactDetail("poisoned", 1, False, 1, 1, deaths.phrase, "singular")
    loss = _pick(find_loss(doc), "loss_yuan")
    if loss is not None and isinstance(loss.value, float):
        loss = replace(loss, value=round(loss.value))  # yuan are whole; 6866.66万 is 68666600
    details = [d for d in (deaths, injured, serious, missing, poisoned, loss, magnitude) if d is not None]
    return Facts(
        deaths=None if deaths is None else deaths.value,
        injured=None if injured is None else injured.value,
        seriously_injured=None if serious is None else serious.value,
        missing=None if missing is None else missing.value,
        poisoned=None if poisoned is None else poisoned.value,
        loss_yuan=None if loss is None else loss.value,
        magnitude=None if magnitude is None else float(magnitude.value),
        details=tuple(details),
    )


def with_topic_death(facts: Facts, topics: Iterable[str], text: str) -> Facts:
    """``facts`` of a post's own words, with one death stated by one of its #topics# when they state none.

    A topic is someone else's headline: its counts stay its own, but one person's death by its cause
    ("#尼古拉斯•凯奇因滑雪意外事故死亡#") is what the post relays (``find_topic_singular``).
    """
    if facts.deaths is not None:
        return facts
    for topic in topics:
        phrase = find_topic_singular(topic, text)
        if phrase is not None:
            return replace(facts, deaths=1, details=(FactDetail("deaths", 1, False, 1, 1, phrase, "topic"),
                                                     *facts.details))
    return facts
