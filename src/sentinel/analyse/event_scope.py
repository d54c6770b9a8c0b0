"""Which parts of a news text speak of the event it reports.

A report of an accident often quotes other figures: the year's road deaths, an earlier earthquake
"that killed 95", another attack the same day, the page's related headlines. A count found in such a
place is not the event's. :class:`Scope` tells, for an offset in the title or the body, whether it lies
outside the event and why:

- ``related``: after a "related news" marker (相关新闻：, 延伸阅读, 我要评论 …): the page's other stories;
- ``statistic``: a figure over a period or a jurisdiction (今年以来, 前9月, 全年, 同比, 每年, 全市共发生 …),
  unless the sentence ranks this event ("今年以来最严重的一起");
- ``background``: another time (去年, 此前, 曾造成, 2004年, 上世纪, 三年前 …) — in the title, in any
  sentence but the lead, and in the lead from the marker on (the lead names the event's own date,
  often with its year);
- ``other event``: a sentence that opens another event ("另据报道…发生", "又一起", "再次发生"), or says
  something happened on another date than the event's, or names an earthquake of another magnitude
  than the event's.

Sentences end at 。！？ and line breaks; the lead is the body's first sentence.
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property

__all__ = ["Scope"]

_SENTENCE_END = re.compile(r"[。！？!?\n]")
_CN = "0-9０-９一二三四五六七八九十两"
_RELATED = re.compile(
    r"(?:相关新闻|相关阅读|相关报道|延伸阅读|推荐阅读|相关链接|往期回顾|热点推荐|更多阅读)\s*[：:】\]]"
    r"|(?:相关新闻|延伸阅读|推荐阅读)\s{2,}|我要评论"
)
_STATISTIC = re.compile(
    rf"(?:[0-9０-９]{{2,4}}年|今年|去年|年初|本年|入汛|入夏|入冬|年代)以来|全年|上半年|下半年|前[{_CN}]+个?月"
    rf"|第?[一二三四1-4]季度|同比|环比|年均|平均每|每年|每月|每天|每周|每日|死亡率|病死率|致死率|发病率"
    r"|全(?:国|省|市|区|县|州|镇|乡)[^，。；]{0,8}?(?:共|累计)?(?:发生|接报|报告|处理)"
    rf"|[{_CN}]+年(?:来|间|内|里|中)?(?:共|累计|已有)|统计(?:称|显示|表明|数据)|数据显示|报告显示|调查显示"
)
# The sentence ranks this event among others: its figures are the event's.
_RANKS = re.compile(rf"第[{_CN}]+(?:起|次)|首起|首次|最严重|最大的?一起|最惨|罕见")
# "当年" marks another time, except before what it qualifies: "当年那道光" (the hero of one's childhood),
# "当年的女孩" are people or things remembered, whose news may be today's; "当年的今天", "当年那起事故"
# are another time.
_THEN = r"当年(?![的那](?!今天|[这那]?一?天|时|年|[^，。；]{0,4}?(?:事|案|灾|震|战|难|祸|剧|乱|运动)))"
_BACKGROUND = re.compile(
    rf"[0-9０-９]{{4}}年|今年[{_CN}]+月|去年|前年|此前|历史上|上世纪|曾经|近[{_CN}]+年|[{_CN}]+年前"
    rf"|曾(?:造成|致|导致|发生|有|夺走|令|遭)|上一?次|那次|{_THEN}"
    # a grievance pursued for years: its death is the background ("弟弟被…杀害，上诉多年")
    rf"|(?:上访|上诉|申诉|告状|维权|喊冤)了?(?:多|[{_CN}]+)年"
)
# In the title and the lead the event's own date may carry its year, and "此前" often speaks of the
# event's earlier hours ("此前失联的3人"): only these mark another time there.
_BACKGROUND_STRONG = re.compile(
    rf"去年|前年|历史上|上世纪|曾经|[{_CN}]+年前|曾(?:造成|致|导致|发生|夺走)|上一?次|那次|{_THEN}"
)
# Another event opened: "另据报道…发生" (not "此外，爆炸发生后…", the same event), "又一起", "再次发生袭击".
_OTHER_EVENT = re.compile(
    r"^(?:另据|另外|此外|与此同时|又据|同日|同一天)[^。]*?发生(?![后时前地的])|另一起|又一起|另外一起|另有一起"
    r"|(?:再次|又)发生了?(?:一起|一场|多起|两起|[^，。]{0,4}?袭击|[^，。]{0,4}?枪击)"
)
# The event spoken of again on another day: "16日，现场发生二次坍塌…" is still this event.
_SAME_EVENT = re.compile(r"此次|这起|该起|该事故|事故现场|现场|二次|次生|复燃|余震")
_HAPPENED = re.compile(r"发生|遭遇|遭到|袭击|相撞|追尾|翻车|侧翻|翻滚|坠|起火|失火|着火|爆炸|倒塌|坍塌|垮塌")
# The verbs that date an event ("14日晚…相撞"); a noun such as 爆炸案 does not.
_OCCURRED = re.compile(r"发生|遭|相撞|追尾|翻车|侧翻|起火|失火|着火|倒塌|坍塌|垮塌")
# A month named alone, at the head of a clause: "３月，一辆小巴…".
_MONTH = re.compile(r"(?:^|[，,：:\s])(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})月(?:[初中底末下上旬]+)?[，,]")
# A date of occurrence: "14日晚", "3月1日"; a dateline ("北京7月26日电") is the report's date.
_DATE = re.compile(
    r"(?:(?P<m>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})月)?(?P<d>[0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})日(?![电讯])"
)
_AS_OF = re.compile(r"(?:截至|截止|至|到|于|从)$")
_MAGNITUDE = re.compile(r"(?:里氏|震级为?)?(?P<q>[0-9０-９]+[.．][0-9０-９]|[0-9０-９]|[一二三四五六七八九]点[一二三四五六七八九〇零])级")
_REVISION = re.compile(r"修正|上调|下调|调整|修订|更正|测定|为里氏|震级为")
_QUAKE = re.compile(r"地震|强震|余震|震级|里氏")
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def _small(text: str) -> int | None:
    """A day or month number written in Arabic or Chinese digits (1–31)."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT.get(units, 0) if units else 0)
    return _CN_DIGIT.get(text) if len(text) == 1 else None


def _magnitude_value(text: str) -> float | None:
    text = text.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
    if "点" in text:
        whole, _, frac = text.partition("点")
        return _CN_DIGIT.get(whole, 0) + _CN_DIGIT.get(frac, 0) / 10
    try:
        return float(text)
    except ValueError:
        return None


class Scope:
    """The parts of a title and body that speak of the reported event (see the module docstring)."""

    def __init__(self, title: str, body: str, magnitude: float | None = None) -> None:
        self.title = title
        self.body = body
        self.magnitude = magnitude
        self._ends = [m.start() for m in _SENTENCE_END.finditer(body)]
        related = _RELATED.search(body)
        # A marker in the first lines is a page header, not the start of other stories.
        self._cutoff = related.start() if related and related.start() > len(body) // 4 else len(body)
        self._verdicts: dict[int, str | None] = {}

    def sentence(self, pos: int) -> tuple[int, int, str]:
        """(index, start offset, text) of the body sentence holding offset ``pos``."""
        i = bisect.bisect_left(self._ends, pos)
        start = self._ends[i - 1] + 1 if i > 0 else 0
        end = self._ends[i] if i < len(self._ends) else len(self.body)
        return i, start, self.body[start:end]

    @cached_property
    def _event_date(self) -> tuple[int | None, int | None]:
        """(month, day) the event happened: the first date followed closely by "发生" (or "遭…").

        The month, when not written there, is the report's (the dateline's: "北京7月26日电").
        """
        month = day = None
        for text in (self.title, self.body):
            for m in _DATE.finditer(text):
                if _OCCURRED.search(self._after_date(text, m.end())):
                    day = _small(m.group("d"))
                    month = _small(m.group("m")) if m.group("m") else None
                    break
            if day is not None:
                break
        if month is None:
            dateline = re.search(r"([0-9０-９]{1,2})月[0-9０-９]{1,2}日[电讯]", self.body[:200])
            month = _small(dateline.group(1)) if dateline else None
        return month, day

    @staticmethod
    def _after_date(text: str, end: int) -> str:
        """The words a date governs: its clause (and the next one when the date stands alone)."""
        after = re.split(r"[。；;！？]", text[end: end + 30], maxsplit=1)[0]
        following = _DATE.search(after)
        after = after[: following.start()] if following else after
        clauses = re.split(r"[，,]", after)
        return "，".join(clauses[:2]) if len(clauses[0]) <= 4 else clauses[0]

    def _other_date(self, sentence: str) -> bool:
        """The sentence says something happened on a date that is not the event's."""
        month, day = self._event_date
        if not _HAPPENED.search(sentence) or _SAME_EVENT.search(sentence):
            return False
        if month is not None and any(_small(m.group("m")) not in (None, month) for m in _MONTH.finditer(sentence)):
            return True
        if day is None:
            return False
        for m in _DATE.finditer(sentence):
            if _AS_OF.search(sentence[max(0, m.start() - 2): m.start()]):
                continue
            d = _small(m.group("d"))
            mm = _small(m.group("m")) if m.group("m") else None
            if (mm is not None and month is not None and mm != month) or (mm is None and d is not None and d != day):
                return True
            if mm == month and d != day:
                return True
        return False

    def _other_quake(self, text: str) -> bool:
        """The text names an earthquake of another magnitude than the event's, and not the event's."""
        if self.magnitude is None or not _QUAKE.search(text) or _REVISION.search(text) or "余震" in text:
            return False
        values = [v for m in _MAGNITUDE.finditer(text) if (v := _magnitude_value(m.group("q"))) is not None]
        return bool(values) and all(abs(v - self.magnitude) >= 0.05 for v in values) and bool(_HAPPENED.search(text))

    def outside(self, pos: int, in_title: bool) -> str | None:
        """Why the figure at ``pos`` is not the event's, or None when it is."""
        if in_title:
            if _STATISTIC.search(self.title) and not _RANKS.search(self.title):
                return "statistic"
            # As in the lead, another time marks what follows it: "杀害医生嫌犯被批捕 13年前医患纠纷引发仇恨".
            if _BACKGROUND_STRONG.search(self.title, 0, pos) and not _RANKS.search(self.title):
                return "background"
            return None
        if pos >= self._cutoff:
            return "related"
        index, start, text = self.sentence(pos)
        if index == 0:
            return self._outside_lead(pos - start, text)
        if index not in self._verdicts:
            self._verdicts[index] = self._judge(text)
        return self._verdicts[index]

    def _judge(self, sentence: str) -> str | None:
        ranks = bool(_RANKS.search(sentence))
        if _STATISTIC.search(sentence) and not ranks:
            return "statistic"
        if _BACKGROUND.search(sentence) and not ranks:
            return "background"
        if _OTHER_EVENT.search(sentence) or self._other_date(sentence) or self._other_quake(sentence):
            return "other event"
        return None

    def _outside_lead(self, offset: int, lead: str) -> str | None:
        """In the lead, a figure is outside the event after a marker of another time or another quake."""
        if _STATISTIC.search(lead) and not _RANKS.search(lead):
            return "statistic"
        before = lead[:offset]
        marker = _BACKGROUND_STRONG.search(before)
        if marker and not _RANKS.search(lead):
            return "background"
        clauses = re.split(r"[，,；;]", before)
        # The magnitude named nearest before the figure, in this clause or the one before it.
        near = "，".join(clauses[-2:])
        if _MAGNITUDE.search(near) and self._other_quake(near) and self.magnitude is not None:
            first = next((m for m in _MAGNITUDE.finditer(lead)), None)
            if first is not None and abs((_magnitude_value(first.group("q")) or 0) - self.magnitude) < 0.05:
                return "other event"
        return None
