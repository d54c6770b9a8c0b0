"""Event facts from Chinese news text: deaths, injured, missing, poisoned, direct loss, magnitude.

``extract_facts(text, title)`` reads the phrases reporters use ("造成3人死亡", "死亡人数上升至十三人",
"已致2死5伤", "十余人受伤", "直接经济损失约1.2亿元", "里氏5.6级", "无人员伤亡") and returns a
:class:`Facts` whose ``details`` say, for each figure, which phrase gave it and how it was chosen.

How figures are chosen (documented here because a reader of an alert will ask "why 13?"):

- **Counts grow, so the largest credible figure is the latest one.** Every phrase that states a count
  for the field is a candidate (title included); the result is the largest. "死亡人数上升至13人" after
  "造成10人死亡" therefore gives 13, and subgroup figures ("其中4人当场死亡", "死者中有3名学生") never
  override the total they belong to. An explicit correction ("修正为", "核减为", "下调至") wins over size.
- **Background is not the event.** A candidate in a sentence other than the first that carries a
  marker of another time (a four-digit year, 今年N月, 去年, 此前, 近N年, 历史上) is discarded: it is
  usually an earlier disaster quoted for comparison ("2004年…造成20余万人死亡").
- **Groups are added only when the text adds them up**: deaths "当场" plus deaths "经抢救无效/送医后/
  途中" (two disjoint groups by construction) give a sum, used when it exceeds every stated total.
- **Injured**: a stated total ("38人受伤", "6死10伤") wins. Without one (or with only "N名伤者", which
  names some of them), the severity classes reporters list (重伤 / 轻伤 / 轻微伤, disjoint by the
  injury-grading standard) are added up. Seriously injured are always part of the injured: a stated
  total includes them; "其中3人重伤" is a subset, not extra.
- **Zero**: "无人员伤亡", "未造成人员伤亡", "暂无人员死亡报告" set deaths (and for 伤亡 also injured) to 0 —
  but only when no positive figure is stated anywhere: county-level "no casualties" lines are common
  in reports of an event that did kill people elsewhere.
- **One victim without a number**: "司机当场死亡", "女孩不幸身亡" give deaths = 1 when nothing else does.
- Ages ("3岁男童"), dates and times, vehicle counts ("33辆车"), "死伤"/"伤亡" totals (deaths and
  injured together) and negated or hypothetical phrases ("险些丧生", "无一人死亡") are not counts.
- Approximate figures keep their lower bound ("十余人" → 10, approximate). Foreign currency losses
  are not converted and are ignored.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from sentinel.analyse.numerals import NUMERAL, Quantity, parse_number

__all__ = ["FIELDS", "FactDetail", "Facts", "extract_facts", "facts_to_dict"]

#: The JSON field names of ``sentinel analyze`` (DESIGN.md §4), in order.
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
    rule: str = "stated"   # stated | correction | sum | classes | zero | singular | title

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


# --------------------------------------------------------------------------------------------- patterns
_Q = rf"(?P<q>{NUMERAL})"
_Q2 = rf"(?P<q2>{NUMERAL})"
_CLS = r"(?:人|名|位|个|口|例|具)"
# Nouns that may follow a bare number as its own classifier: "32学生疑似食物中毒".
_PEOPLE = r"(?:学生|小学生|中学生|儿童|幼儿|员工|职工|工人|农民工|村民|游客|旅客|乘客|师生|群众|居民|市民|矿工|士兵|平民)"
_STOP = r"\s0-9０-９，,。；;！!？?、：:（）()“”\"'《》【】"
# Between the count and the verb: a few characters of the same clause; an age or a day may sit in
# it ("一名3岁男童当场死亡", "一名妇女经医治无效于6日死亡") but no other number.
_AGE_OR_DAY = r"[0-9０-９]+(?:岁|日|时|号)"
_GAP = rf"(?P<gap>(?:{_AGE_OR_DAY}|[^{_STOP}零〇一二两三四五六七八九]){{0,12}}?)"
_DEATH_VERB = (r"(?:死亡|身亡|遇难|罹难|丧生|丧命|殒命|命丧|毙命|遇害|殉职|牺牲|致死|不治|死于|溺亡|"
               r"[熏炸烧砸撞压淹砍刺毒电冻困]死|没有生命体征|无生命体征|已无生命迹象|没有生命迹象)")
_DEATH_NOUN = r"(?:遇难者|罹难者|死者|遗体|尸体)"
# "因重伤死亡" is a death: a wound word followed by death is left for the death verb.
_DIED = r"(?![而后]?(?:死亡|身亡|不治))"
_SERIOUS = rf"(?:(?:重伤|伤势严重|伤势较重|伤势危重|伤情严重|伤情较重|危重){_DIED})"
_LIGHT = r"(?:轻伤|伤势较轻)"
_MINOR = r"(?:轻微伤)"
# 伤者 followed by a death ("两名伤者经抢救无效死亡") are deaths, not injured.
_HURT = (rf"(?:(?:受伤|负伤|受了伤|烧伤|砸伤|撞伤|刺伤|砍伤|炸伤|摔伤|灼伤)(?!病){_DIED}"
         r"|(?:伤者|伤员)(?![^，,。；;]{0,8}?(?:死亡|身亡|不治)))")
# Falling ill in a poisoning report: "52名学生出现呕吐症状" (counted only when the text says 中毒).
_SYMPTOM = r"(?:出现[^，,。；;]{0,14}?症状|发病)"
_MISSING = r"(?:失踪|下落不明|失联)"
_VERBS = (rf"(?P<verb>(?:由{NUMERAL}{_CLS}?)?(?:已经|已|目前|共|累计|总计|则|也|又|再|还|分别|一度)?"
          r"(?:上升|攀升|增加|增|升|达到|达|为|是|有|修正|更新|调整|核减|下调|更正)*(?:到|至|了)?(?:约)?)")
# Where a numeral can start: a lookahead on it lets the engine skip most positions at once.
_NUM_START = r"(?=[0-9０-９零〇○一二两三四五六七八九十百千万亿数几约近逾超上大将接不至最多])"

# Count first; one scan for every shape that starts with the number:
#   "造成3人死亡", "13名女工被毒烟熏死", "十余人受伤", "24人失踪"   count, classifier, verb
#   "12具遇难者遗体", "60名死者"                                     count, classifier, noun
#   "致6人亡", "26人伤"   one-character verb right after the classifier ("10人伤亡" is no death count)
#   "2死5伤", "一死一伤", "五死特大交通事故"                           compact
_COUNT_FIRST = re.compile(
    rf"{_NUM_START}{_Q}(?:"
    rf"{_CLS}(?P<noungap>[^{_STOP}]{{0,4}}?){_DEATH_NOUN}"
    rf"|(?:{_CLS}|(?={_PEOPLE})){_GAP}(?:(?P<death>{_DEATH_VERB})|(?P<serious>{_SERIOUS})"
    rf"|(?P<minor>{_MINOR})|(?P<light>{_LIGHT})|(?P<hurt>{_HURT})|(?P<missing>{_MISSING})"
    rf"|(?P<poisoned>中毒)|(?P<symptom>{_SYMPTOM}))"
    r"|[人名](?P<short>亡|死(?=[，,、。；;\s）)」”\"]|$))"
    rf"|{_CLS}(?P<shorthurt>伤)(?![亡者势心员病情口])"
    # "夺走12条生命" (the verb is checked in code: "挽救了12条生命" is the opposite)
    r"|条(?P<lives>(?:鲜活的?)?(?:生命|人命))"
    rf"|(?P<compact>死)(?:[，,、]?{_Q2}伤(?![亡者势心员病])|(?=[，,、。；;\s（）()」”\"特重惨事的和被]|$))"
    r")"
)
# Word then count: "死亡人数上升至十三人", "重伤5人", "撞死1人", "失踪失联人员39名", "中毒人数为308人".
# The count must not open the next phrase: in "5人死亡18人受伤" the 18 belongs to 受伤.
_BEFORE = re.compile(
    r"(?:(?P<death>死亡|遇难|罹难|丧生|死者|[撞砸炸烧砍刺毒]死)|(?P<serious>重伤)|(?P<light>轻伤)|(?P<minor>轻微伤)"
    r"|(?P<hurt>受伤|伤者|伤员|[撞砸炸烧砍刺打]伤)|(?P<missing>失踪(?:失联)?|下落不明|失联)"
    r"|(?P<poisoned>中毒(?:症状)?(?:的)?))"
    rf"(?P<noun>人数|者|人员|学生|员工|患者|病人)?{_VERBS}{_Q}(?P<cls>{_CLS})?"
)
# After a predicate ("5人死亡18人受伤") a bare count opens the next phrase; after a transitive verb
# ("撞死1人后再撞伤3人") it is the verb's object.
_NEXT_PHRASE = re.compile(r"[^，,。；;、\s]{0,6}?(?:伤|死|亡|遇难|失踪|中毒|下落不明)")
_TRANSITIVE = re.compile(r"^[撞砸炸烧砍刺毒打][死伤]$")
# Loss in yuan; foreign currencies are left alone, compensation ("获赔损失") is not a loss.
_LOSS = re.compile(
    r"(?<![赔挽])(?:(?:直接)?(?:经济|财产)损失|损失)(?:[^，。；\d０-９]{0,6}?)"
    rf"(?P<q>{NUMERAL})(?:元|人民币|(?<=[万亿])(?![欧美英日韩港澳台卢泰新]))"
    rf"|(?P<qa>{NUMERAL})元(?:人民币)?(?:的)?(?:直接)?(?:经济|财产)损失"
)
_MAGNITUDE = re.compile(
    rf"(?P<pre>里氏|震级为?|[MＭ][SsLlＳｓ]?\s?)?(?P<q>{NUMERAL})级(?:左右)?"
    r"(?P<post>(?:以上)?(?:强|大|浅源)?(?:地震|强震|余震))?"
)
_ZERO = re.compile(
    r"(?:无|没有|未|尚无|暂无|并无|未有)(?:造成|出现|发生|收到|接到|有|引起|导致)?"
    r"(?P<gap>[^，,。；;！？、]{0,8}?)(?:人员|人)(?:均)?(?P<what>伤亡|死亡|遇难)"
    r"|(?:零|人员无)(?P<what2>伤亡|死亡)"
    r"|(?<!有)(?:暂无|尚无|并无|没有|未有|无|未造成|未发生|未出现)(?P<what3>伤亡|死亡)"
)
# "尚未确认人员伤亡" is not "no casualties"; "无中方人员伤亡" speaks of a subgroup only.
_ZERO_GAP_BAD = re.compile(r"法|确认|统计|核实|清楚|了解|查明|掌握|得知|公布|透露|评估|其他|其余|另外|中方|中国|华人|新增")
_SINGULAR = re.compile(
    r"(?:司机|驾驶员|驾驶人|女孩|男孩|女童|男童|男子|女子|妇女|老人|老太|少女|少年|"
    r"环卫工|行人|孩子|婴儿|[\u4e00-\u9fff]某某?)"
    rf"(?:{_AGE_OR_DAY}|[^{_STOP}零〇一二两三四五六七八九]){{0,8}}?(?:死亡|身亡|丧生|遇难|殒命)"
)
_NEGATORS = re.compile(r"未|没|险|差点|幸免|免于|避免|防止|担心|恐|可能|或将|是否")
# The count is the attackers, not the victims: "七名歹徒抢劫网吧遭拒刺伤网管".
_PERPETRATORS = re.compile(r"歹徒|凶手|嫌疑|暴徒|恐怖分子|武装分子|匪徒|劫匪|枪手")
_NEGATED_BEFORE = re.compile(r"(?:无|没有|未有|并无)$")
# "确诊440例死亡9例": a count right after another noun or verb is that word's, not the next verb's.
_OTHER_COUNT_BEFORE = re.compile(r"(?:确诊|感染|疑似|病例|阳性|治愈|出院)$")
_BACKGROUND = re.compile(
    r"[0-9０-９]{4}年|今年[0-9０-９一二三四五六七八九十]+月|去年|前年|此前|历史上|上世纪|曾经|"
    r"近[0-9０-９一二三四五六七八九十]+年"
)
_SENTENCE_END = re.compile(r"[。！？!?\n]")
_TOOK_LIVES = re.compile(r"夺走|夺去|吞噬|带走|葬送|失去|造成")
_CORRECTION = re.compile(r"修正|更正|核减|下调|调整")
_REVISED = re.compile(r"(?:修正|上调|下调|调整|修订|更正)[为至到]$")
_SPOT = re.compile(r"当场|现场")
_LATER = re.compile(r"抢救无效|不治|送医|送往医院|途中|医院|伤重")
_TRIGGER = re.compile(r"死|亡|遇难|罹难|丧|伤|里氏|失踪|下落不明|失联|中毒|损失|震|遗体|尸体|殒命|殉职|牺牲|生命|人命|症状|发病")
_KINDS = ("death", "serious", "minor", "light", "hurt", "missing", "poisoned", "symptom")


@dataclass(frozen=True, slots=True)
class _Mention:
    kind: str          # death | serious | light | minor | hurt | missing | poisoned | loss | magnitude
    qty: Quantity
    pos: int           # offset in the title or the body
    phrase: str
    in_title: bool
    flags: frozenset[str] = frozenset()


class _Doc:
    """Title and body with the sentence bookkeeping the rules need."""

    def __init__(self, text: str, title: str | None) -> None:
        self.title = title or ""
        self.body = text or ""
        self._ends = [m.start() for m in _SENTENCE_END.finditer(self.body)]

    def sentence(self, pos: int) -> tuple[int, str]:
        """(index, text) of the body sentence holding offset ``pos``."""
        i = bisect.bisect_left(self._ends, pos)
        start = self._ends[i - 1] + 1 if i > 0 else 0
        end = self._ends[i] if i < len(self._ends) else len(self.body)
        return i, self.body[start:end]

    def is_background(self, pos: int) -> bool:
        """A body sentence, not the lead, that speaks of another time (an earlier disaster)."""
        index, sentence = self.sentence(pos)
        return index > 0 and bool(_BACKGROUND.search(sentence))

    def sources(self) -> Iterator[tuple[str, bool]]:
        if self.title:
            yield self.title, True
        yield self.body, False


def _mentions(doc: _Doc) -> list[_Mention]:
    found: list[_Mention] = []
    claimed: set[tuple[bool, int]] = set()
    poisoning = "中毒" in doc.body or "中毒" in doc.title

    def add(kind: str, group: str, m: re.Match[str], src: str, in_title: bool, flags: frozenset[str]) -> None:
        if (in_title, m.start(group)) in claimed:
            return
        qty = parse_number(m.group(group))
        if qty is None or src.startswith(("一个", "一口"), m.start()):
            return  # 一个/一口 is mostly the indefinite article ("一个死人", "一口吐沫把我淹死")
        gap = m.groupdict().get("gap") or ""
        before = src[max(0, m.start() - 3): m.start()]
        if m.groupdict().get("compact") and m.group(group) in ("十", "百", "千", "万", "亿"):
            return  # a bare unit before 死 is an idiom, not a count: "罪该万死"
        if (_NEGATED_BEFORE.search(before) or _OTHER_COUNT_BEFORE.search(before)
                or _NEGATORS.search(gap) or _PERPETRATORS.search(gap)):
            return
        if not in_title and doc.is_background(m.start()):
            return
        if kind == "hurt" and m.groupdict().get("hurt") in ("伤者", "伤员"):
            flags |= {"noun"}  # "3名伤者被送往医院" names some of the injured, not their total
        found.append(_Mention(kind, qty, m.start(), m.group(), in_title, flags))

    for src, in_title in doc.sources():
        # Word-then-count first: its count is taken, so "撞死1人后再撞伤3人" does not also read
        # "1人后再撞伤" as one injured.
        for m in _BEFORE.finditer(src):
            if not m.group("cls") and m.group("noun") != "人数":
                continue  # "死亡2小时后" is not a count
            kind = next(k for k in _KINDS if m.group(k))
            if (not m.group("verb") and not m.group("noun") and not _TRANSITIVE.match(m.group(kind))
                    and _NEXT_PHRASE.match(src, m.end())):
                continue
            flags = frozenset({"correction"} if _CORRECTION.search(m.group("verb") or "") else ())
            add(kind, "q", m, src, in_title, flags)
            claimed.add((in_title, m.start("q")))
        for m in _COUNT_FIRST.finditer(src):
            if m.group("lives"):
                if _TOOK_LIVES.search(src, max(0, m.start() - 6), m.start()):
                    add("death", "q", m, src, in_title, frozenset())
                continue
            if m.group("compact"):
                add("death", "q", m, src, in_title, frozenset())
                if m.group("q2"):
                    add("hurt", "q2", m, src, in_title, frozenset())
                continue
            if m.group("shorthurt"):
                add("hurt", "q", m, src, in_title, frozenset())
                continue
            kind = next((k for k in _KINDS if m.group(k)), "death")  # short forms and nouns are deaths
            if kind == "symptom":
                if not poisoning:
                    continue
                kind = "poisoned"
            when = ""
            if m.group("death"):
                # "当场有4人死亡": the clause's opening words count too.
                context = re.split(r"[，,。；;！？]", src[max(0, m.start() - 8): m.start()])[-1] + m.group()
                when = "spot" if _SPOT.search(context) else "later" if _LATER.search(context) else ""
            add(kind, "q", m, src, in_title, frozenset({when} - {""}))
    return found


def _pick(mentions: list[_Mention], name: str, rule: str = "stated") -> FactDetail | None:
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


def _deaths(mentions: list[_Mention]) -> FactDetail | None:
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


def _injured(by_kind: dict[str, list[_Mention]]) -> tuple[FactDetail | None, FactDetail | None]:
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


def _loss(doc: _Doc) -> FactDetail | None:
    mentions = []
    for src, in_title in doc.sources():
        for m in _LOSS.finditer(src):
            q = parse_number(m.group("q") or m.group("qa"))
            if q is None or (not in_title and doc.is_background(m.start())):
                continue
            mentions.append(_Mention("loss", q, m.start(), m.group(), in_title))
    return _pick(mentions, "loss_yuan")


def _magnitude(doc: _Doc) -> FactDetail | None:
    candidates: list[tuple[int, _Mention]] = []   # (priority, mention): lower is better
    for src, in_title in doc.sources():
        for m in _MAGNITUDE.finditer(src):
            q = parse_number(m.group("q"))
            if q is None or not 1.0 <= q.value < 10.0:
                continue
            is_decimal = not float(q.value).is_integer()
            sentence = src if in_title else doc.sentence(m.start())[1]
            if not (m.group("pre") or m.group("post") or (is_decimal and "震" in sentence)):
                continue
            # An aftershock is named right after the figure ("6.0级余震") or just before it, in the
            # same sentence ("发生余震四十四次，最大震级五点零级").
            before = src[max(0, m.start() - 15): m.start()].rsplit("。", 1)[-1]
            if (m.group("post") or "").endswith("余震") or "余震" in before:
                continue
            if not in_title and doc.is_background(m.start()):
                continue
            revised = bool(_REVISED.search(src[max(0, m.start() - 6): m.start()]))
            priority = 0 if in_title else (1 if revised else 2)
            candidates.append((priority, _Mention("magnitude", q, m.start(), m.group(), in_title)))
    if not candidates:
        return None
    best_priority = min(p for p, _ in candidates)
    tier = [c for p, c in candidates if p == best_priority]
    # In the title and in the body the first figure names the main shock; among corrections the last wins.
    chosen = max(tier, key=lambda c: c.pos) if best_priority == 1 else min(tier, key=lambda c: c.pos)
    rule = ("title", "correction", "stated")[best_priority]
    return FactDetail("magnitude", float(chosen.qty.value), chosen.qty.approximate, None, None, chosen.phrase, rule)


def _zeros(doc: _Doc) -> tuple[str | None, str | None]:
    """The zero statement for deaths and for injured, if any (the phrase)."""
    deaths = injured = None
    for src, _ in doc.sources():
        for m in _ZERO.finditer(src):
            if m.group("gap") and _ZERO_GAP_BAD.search(m.group("gap")):
                continue
            what = m.group("what") or m.group("what2") or m.group("what3")
            deaths = deaths or m.group()
            if what == "伤亡":
                injured = injured or m.group()
    return deaths, injured


def extract_facts(text: str, title: str | None = None) -> Facts:
    """Casualties, loss and magnitude stated in ``text`` (and ``title``); see the module docstring."""
    if not (_TRIGGER.search(text or "") or _TRIGGER.search(title or "")):
        return EMPTY
    doc = _Doc(text, title)
    by_kind: dict[str, list[_Mention]] = {}
    for m in _mentions(doc):
        by_kind.setdefault(m.kind, []).append(m)

    deaths = _deaths(by_kind.get("death", []))
    injured, serious = _injured(by_kind)
    zero_deaths, zero_injured = _zeros(doc)
    if deaths is None:
        single = next((m for src, _ in doc.sources() for m in _SINGULAR.finditer(src)
                       if not _NEGATORS.search(m.group())), None)
        if single is not None:
            deaths = FactDetail("deaths", 1, False, 1, 1, single.group(), "singular")
        elif zero_deaths:
            deaths = FactDetail("deaths", 0, False, 0, 0, zero_deaths, "zero")
    if injured is None and zero_injured and not (deaths and deaths.value):
        injured = FactDetail("injured", 0, False, 0, 0, zero_injured, "zero")
    missing = _pick(by_kind.get("missing", []), "missing")
    poisoned = _pick(by_kind.get("poisoned", []), "poisoned")
    loss = _loss(doc)
    magnitude = _magnitude(doc)
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
