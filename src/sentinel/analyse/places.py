"""Where an event happened, and whether that is inside the office's jurisdiction (属地管理).

:func:`resolve_place` reads an item's title and text (with their jieba tokens) and returns the
:class:`Place` of the *event*, not of every place named: "河南援助队赴四川地震灾区" happened in 四川,
"据日本媒体报道" names a source, "浙江籍男子在云南坠崖" an origin. It is a pure function of its
arguments and the gazetteer (:mod:`~sentinel.analyse.divisions`).

How it decides:

1. Every place name is found where a jieba token starts and not inside a longer word (so 海地 is
   not read in 沿海/地区, nor 中山 in 中山大学; a province is, since jieba keeps 广西北海 whole):
   Chinese divisions and their short forms, foreign countries, cities and regions, words for
   the whole country (中国, 全国), and landmarks that stand in one division (清华, 外滩, 华山: a
   university named for its people or work, 清华教授, is none). A foreign name inside a compound that
   names no place (美国白蛾, 蒙古族) is not one.
2. Each mention scores by where it is — the headline 6, the body's first 100 characters 2, the rest
   1 — plus 2 when the words around it say the event is there (在/赴/驰援/位于 X; X 发生/境内/灾区/
   地震/一名 …); a dateline (X 5月12日电) counts only 0.5, wherever it stands: it says where the
   reporter filed from. A mention naming an origin or a source (X籍,
   X游客, X援助队, X驻, 据X媒体), a nationality (中国乘客, 日本留学生) or a Weibo check-in in the text
   (X·place: where the poster was) counts −1 instead.
3. Mentions are pooled by province (or country abroad); the body's share of a pool is capped at 5,
   so a headline's place outranks a body's passing mentions. The best pool wins; a name that means
   divisions in several provinces (朝阳区) joins the pool that other mentions support, or stays
   ambiguous. Within the pool the place is refined from the best mention down to the most specific
   division inside it (四川 → 阿坝 → 汶川县). China as a whole (中国, 全国) wins only when no
   province or country does.
4. Inside or not: abroad is outside; a division is inside when a division of the jurisdiction
   covers it, outside when none does and it is not wider than one; wider (河南 for an office of
   郑州), ambiguous or unknown places are undetermined (``inside`` None).

``why`` says which words decided it, in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sentinel.analyse.divisions import (
    NATIONAL,
    Division,
    ForeignPlace,
    Gazetteer,
    Jurisdiction,
    load_gazetteer,
)

__all__ = ["Place", "resolve_place", "UNKNOWN"]

_TITLE, _LEAD, _BODY = 6.0, 2.0, 1.0
_LEAD_CHARS = 100
_BODY_CAP = 5.0
_LEVEL_RANK = {"province": 1, "prefecture": 2, "county": 3}

# The words just before a name that put the event there.
_AT_BEFORE = re.compile(r"(?:在|于|赴|往|前往|到达|抵达|驰援|支援|援助|奔赴|位于|地处|发生在|发生于|驻)$")
# The words just after a name that put the event there.
_AT_AFTER = re.compile(
    r"^(?:[省市县区州]|地区|自治州)?(?:境内|当地|一带|附近|某|发生|突发|遭|遇|连发|多地|辖区|灾区|震区|地震|强震|余震|"
    r"火灾|大火|爆炸|枪击|袭击|车祸|事故|坠机|沉船|踩踏|洪水|洪灾|暴雨|山火|疫情|矿难|坍塌|翻车|海啸|台风|警方|消防|"
    r"应急|一名|一辆|一架|一艘|一家|一所|一处|一座|一栋|(?:\d+|[一二三四五六七八九十两]+)[名人死伤辆架艘户栋座处起级])")
# An origin or a source: the event is elsewhere.
_ELSEWHERE_AFTER = re.compile(
    r"^(?:[省市县区]|方面)?(?:(?:\d+|[一二三四五六七八九十两]+)[名位个批])?(?:籍|老家|游客|旅客|公民|侨民|务工|民工|老乡|"
    r"援助|援建|救援队|医疗队|支援队|驰援|媒体|官媒|外交部|驻|人(?![民大员]|质(?:劫持|事件|危机))|网友|专家|记者|电视台|卫视|通讯社|报道|"
    r"晚报|日报|早报|晨报|商报|都市报|青年报|法制报|新闻网|网讯|在线|广播|电台)")
_SOURCE_BEFORE = re.compile(r"(?:据|来自|援引)$")
# A landmark (mostly a university) before its people or its work is an affiliation: "清华教授称", "北大毕业生在云南坠崖", "复旦研究
# 团队发布" (its buildings are a place: "清华实验室爆炸", "复旦投毒案"). Unlike an origin (X籍) it says nothing
# against the place either: a student often comes to harm near the campus.
_AFFILIATION_AFTER = re.compile(r"^(?:大学)?(?:的)?(?:教授|副教授|专家|学者|研究员|研究生|博士|硕士|本科生|学生|学子|女生|男生|"
                                r"毕业|校友|学霸|才子|才女|高材生|团队|课题组|研究|发布|报告|调查|招生|录取|新生|校长|老师|教师)")
# A country before passengers or students abroad is their nationality: "8名中国乘客遇难", "希腊一名乘客",
# "2名中国女留学生在英失联" (a city there may be where it happened: "东京女留学生遇害案").
_NATIONALITY_AFTER = re.compile(r"^(?:(?:\d+|[一二三四五六七八九十两]+)[名位个])?[男女]?(?:乘客|留学生)")
# A Weibo check-in ("晋中·太原师范学院", "常州·邹区镇"): where the poster was, not where the event was. In
# a headline the dot joins names ("龙江·凤凰山", "美丽南昌·幸福家园"): there it is left alone.
_CHECK_IN_AFTER = re.compile(r"^[·•]")
_DATELINE_AFTER = re.compile(r"^\d{1,2}月\d{1,2}日(?:电|讯|消息)")


@dataclass(frozen=True, slots=True)
class Place:
    """The place of an event. ``level``: county, prefecture, province (a Chinese division), national
    (China without a division), country, city or region (abroad), or unknown. ``code`` is the
    adcode or the ISO country code; ``inside`` is None when it cannot be told."""

    name: str | None
    level: str
    code: str | None
    province: str | None
    country: str | None
    inside: bool | None
    why: str
    group: str | None = None  # the pool it won: "CN-51", "CN", "XX-NG"
    candidates: tuple[str, ...] = ()  # adcodes of an ambiguous name (朝阳区)
    full_name: str | None = None  # a division with its parents: 广东省汕头市潮阳区

    @property
    def abroad(self) -> bool:
        return self.level in ("country", "city", "region")

    @property
    def path(self) -> tuple[str, ...]:
        """The place from the widest down, for telling two places apart: ``("CN", "CN-51", "5132",
        "513221")`` for 汶川县, ``("XX-NG", "拉各斯")`` for the city of Lagos, ``("XX-ID",)`` for 爪哇, ``()`` when unknown. Two places are
        the same place or one inside the other exactly when one path starts the other."""
        if self.level == "unknown":
            return ()
        if self.abroad:
            # Foreign regions and cities have no hierarchy here: a region (爪哇) may hold a city (日惹),
            # so only two different cities of one country are two places.
            country = self.group or f"XX-{self.code}"
            return (country, self.name) if self.level == "city" and self.name else (country,)
        if self.level == "national" or not self.code:
            return ("CN",)
        province = ("CN", f"CN-{self.code[:2]}")
        if self.level == "province":
            return province
        if self.level == "prefecture":
            return (*province, self.code[:4])
        return (*province, self.code[:4], self.code)

    @property
    def label(self) -> str:
        """How a person reads it: 四川省阿坝藏族羌族自治州汶川县 is 四川省汶川县, 尼日利亚拉各斯."""
        if self.level == "unknown" or not self.name:
            return "不明"
        if self.abroad:
            return self.name if self.name == self.country or not self.country else f"{self.country}{self.name}"
        return self.full_name or self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "code": self.code, "province": self.province,
                "country": self.country, "inside": self.inside, "why": self.why, "group": self.group,
                "candidates": list(self.candidates), "full_name": self.full_name, "label": self.label}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Place:
        return cls(data.get("name"), data.get("level", "unknown"), data.get("code"), data.get("province"),
                   data.get("country"), data.get("inside"), data.get("why", ""), data.get("group"),
                   tuple(data.get("candidates") or ()), data.get("full_name"))


UNKNOWN = Place(None, "unknown", None, None, None, None, "未找到地名 / no place named")


@dataclass(slots=True)
class _Mention:
    name: str
    field: str  # title, lead, body
    start: int
    score: float
    divisions: tuple[Division, ...] = ()
    foreign: ForeignPlace | None = None
    national: bool = False
    context: str = ""  # the words that placed the event there, for why
    dateline: bool = False


@dataclass(slots=True)
class _Pool:
    title: float = 0.0
    body: float = 0.0
    mentions: list[_Mention] = field(default_factory=list)

    @property
    def score(self) -> float:
        return self.title + min(self.body, _BODY_CAP)


def resolve_place(
    title: str | None, text: str, *, title_tokens: Sequence[str] | None = None,
    body_tokens: Sequence[str] | None = None, jurisdiction: Jurisdiction | None = None,
    gazetteer: Gazetteer | None = None,
) -> Place:
    """The place of the event ``title`` and ``text`` report (module docstring). Tokens are jieba's
    (the analysis passes those it already has); without them the text is tokenised here."""
    table = gazetteer or load_gazetteer()
    scope = jurisdiction or Jurisdiction()
    title = title or ""
    if title_tokens is None or body_tokens is None:
        from sentinel.analyse.tokenize import default_tokenizer

        tokenizer = default_tokenizer()
        title_tokens, body_tokens = tokenizer.tokenize(title), tokenizer.tokenize(text)
    mentions = _mentions(title, title_tokens, "title", table) + _mentions(text, body_tokens, "body", table)
    if not mentions:
        return UNKNOWN
    pools = _pool(mentions)
    ranked = sorted(pools.items(), key=lambda kv: (-kv[1].score, _first(kv[1])))
    foreign_or_province = [(key, pool) for key, pool in ranked if key != "CN" and pool.score > 0]
    national = pools.get("CN")
    if foreign_or_province:
        key, pool = foreign_or_province[0]
    elif national is not None and national.score > 0:
        key, pool = "CN", national
    else:
        return _with_verdict(UNKNOWN, scope, table, "地名均为来源或籍贯 / places named only as origin or source")
    return _decide(key, pool, scope, table)


# A country by its one-character short form after 在/赴, before what happened to someone there: "2名中国女
# 留学生在英失联", "在美遇害", "赴日旅游时溺亡" (新 is 新加坡 or 新西兰: left out).
_SHORT_COUNTRY = {"美": "美国", "英": "英国", "法": "法国", "德": "德国", "日": "日本", "韩": "韩国", "澳": "澳大利亚",
                  "俄": "俄罗斯", "泰": "泰国", "意": "意大利", "加": "加拿大"}
_SHORT_COUNTRY_AT = re.compile(
    rf"(?<=[在赴])[{''.join(_SHORT_COUNTRY)}](?=失联|失踪|遇害|遇难|遇袭|身亡|死亡|被[害杀抢撞打刺]|留学|旅游|旅行|务工|打工|"
    r"坠|溺|车祸|出车祸|中枪|遭)")


def _field(where: str, start: int) -> tuple[str, float, int]:
    """A mention's field (title, lead or body), its base score there, and its position for ordering
    (the title's before the text's)."""
    name = where if where == "title" else ("lead" if start < _LEAD_CHARS else "body")
    return name, {"title": _TITLE, "lead": _LEAD, "body": _BODY}[name], start if where == "title" else start + 10_000


def _short_countries(text: str, where: str, table: Gazetteer) -> list[_Mention]:
    """Countries named by their short form where something happened (:data:`_SHORT_COUNTRY_AT`)."""
    found = []
    for m in _SHORT_COUNTRY_AT.finditer(text):
        foreign = table.foreign.get(_SHORT_COUNTRY[m.group()])
        if foreign is not None:
            field_name, base, position = _field(where, m.start())
            found.append(_Mention(foreign.name, field_name, position, base + 2.0, (), foreign, False,
                                  "…" + text[max(0, m.start() - 1): m.end() + 2] + "…"))
    return found


def _mentions(text: str, tokens: Sequence[str], where: str, table: Gazetteer) -> list[_Mention]:
    found: list[_Mention] = _short_countries(text, where, table) if ("在" in text or "赴" in text) else []
    names, heads, prefixes, provinces = table.names, table.heads, table.prefixes, table.province_heads
    exact = sum(map(len, tokens)) == len(text)  # no whitespace left out: a token starts where the last ended
    pos, skip_to = 0, 0
    for token in tokens:
        if not exact and not text.startswith(token, pos):
            found_at = text.find(token, pos)
            pos = found_at if found_at >= 0 else pos
        start, size = pos, len(token)
        pos += size
        # most tokens start no name: one lookup each; a province may begin a longer word (jieba keeps
        # 广西北海 whole, and 广西 is the place)
        if token not in heads and (size < 3 or (token[:2] not in provinces and token[:3] not in provinces)):
            continue
        if start < skip_to:
            continue  # inside a name already found
        # the longest name starting where this token starts and not inside a longer word (海地 in
        # 沿海/地区 and 中山 in 中山大学 are not names), a province's excepted
        name = province = ""
        for end in range(start + 1, min(len(text), start + table.longest) + 1):
            piece = text[start:end]
            if piece in names:
                name = piece
                province = piece if piece in provinces else province
            if piece not in prefixes:
                break
        if name and len(name) < size and name not in provinces and not _begins_word(name, table):
            name = province  # 北京 in jieba's 北京大学法学院 once 北京大学 is a name too
        if not name:
            continue
        end = start + len(name)
        skip_to = end
        if text.startswith("时间", end):
            continue  # 北京时间 (Beijing time) names a clock, not a place
        foreign = table.foreign.get(name)
        if foreign is not None and _in_compound(text, start, table.stops.get(name, ())):
            continue
        field_name, base, position = _field(where, start)
        before, after = text[max(0, start - 4):start], text[end:end + 8]
        if name in table.landmarks and (_affiliation(after, table) or before.endswith("@")):
            continue  # its people, its work or a user named after it: neither where the event was nor where it was not
        context, dateline = "", False
        country = name in NATIONAL or (foreign is not None and foreign.kind == "country")
        if (_ELSEWHERE_AFTER.match(after) or (where != "title" and _CHECK_IN_AFTER.match(after))
                or (country and _NATIONALITY_AFTER.match(after))
                or (_SOURCE_BEFORE.search(before) and not _AT_AFTER.match(after))):
            score = -1.0
        else:
            score = base
            if _AT_BEFORE.search(before) or _AT_AFTER.match(after):
                score += 2.0
                context = "…" + (before[-2:] + name + after[:2]).strip() + "…"
            if _DATELINE_AFTER.match(after):
                # where the reporter filed from, not where it happened: weak, whatever its position
                score = 0.5
                dateline = True
                context = name + after[:6]
        divisions = () if foreign is not None or name in NATIONAL else _candidates(table.by_name.get(name, ()))
        found.append(_Mention(name, field_name, position, score, divisions,
                              foreign, name in NATIONAL and foreign is None and not divisions, context, dateline))
    return found


def _begins_word(name: str, table: Gazetteer) -> bool:
    """Whether ``name`` counts at the start of a longer jieba word: a landmark's full name does (北京大学法学院,
    首都机场T2航站楼), its two-character short form does not (北大 in 北大荒)."""
    return len(name) >= 4 and name in table.landmarks


def _affiliation(after: str, table: Gazetteer) -> bool:
    """A landmark named for its people or its work (:data:`_AFFILIATION_AFTER`), or listed with others
    as institutions ("北大清华等高校选拔四名学生", "北大、清华等校")."""
    if _AFFILIATION_AFTER.match(after) or after.startswith("等"):
        return True
    rest = after.lstrip("、，,和与及")
    return any(rest.startswith(other) for other in table.landmarks)


def _in_compound(text: str, start: int, compounds: Sequence[tuple[str, int]]) -> bool:
    return any(text.startswith(compound, start - offset) for compound, offset in compounds if start >= offset)


def _candidates(divisions: Sequence[Division]) -> tuple[Division, ...]:
    """A short form that is a province and also a lower division (吉林, 海南) means the province."""
    provinces = [d for d in divisions if d.level == "province"]
    return tuple(provinces) if len(provinces) == 1 else tuple(divisions)


def _pool(mentions: Sequence[_Mention]) -> dict[str, _Pool]:
    pools: dict[str, _Pool] = {}

    def add(key: str, mention: _Mention, share: float = 1.0) -> None:
        pool = pools.setdefault(key, _Pool())
        if mention.field == "title":
            pool.title += mention.score * share
        else:
            pool.body += mention.score * share
        pool.mentions.append(mention)

    ambiguous = []
    for mention in mentions:
        if mention.foreign is not None:
            add(f"XX-{mention.foreign.country_code or mention.foreign.name}", mention)
        elif mention.national:
            add("CN", mention)
        elif len({d.province_code for d in mention.divisions}) == 1:
            add("CN-" + mention.divisions[0].code[:2], mention)
        else:
            ambiguous.append(mention)
    for mention in ambiguous:
        keys = sorted({"CN-" + d.code[:2] for d in mention.divisions})
        supported = [key for key in keys if key in pools and pools[key].score > 0]
        if supported:
            add(max(supported, key=lambda key: pools[key].score), mention)
        else:
            for key in keys:
                add(key, mention, 1 / len(keys))
    return pools


def _first(pool: _Pool) -> int:
    return min(m.start for m in pool.mentions)


def _decide(key: str, pool: _Pool, scope: Jurisdiction, table: Gazetteer) -> Place:
    positive = sorted((m for m in pool.mentions if m.score > 0), key=lambda m: (-m.score, m.start))
    best = positive[0]
    where = {"title": "标题", "lead": "导语", "body": "正文"}[best.field]
    said = f"{where}“{best.context or best.name}”"
    english = {"title": "headline", "lead": "lead", "body": "body"}[best.field]
    if key == "CN":
        place = Place(best.name, "national", None, None, "中国", None, f"{said} / {english} names China", "CN")
        return _with_verdict(place, scope, table)
    if best.foreign is not None:
        # a city or region of the country refines it; a dateline (拉各斯6月17日电) only when nothing else does
        inner = [m for m in positive if m.foreign and m.foreign.kind != "country"]
        specific = next((m for m in inner if not m.dateline), inner[0] if inner else best)
        foreign = specific.foreign
        assert foreign is not None
        return Place(foreign.name, foreign.kind, foreign.country_code or None, None, foreign.country or foreign.name,
                     False, f"{said}：境外 / {english}: {best.name}, abroad", key)
    province_code = key[3:] + "0000"
    chosen = [d for d in best.divisions if d.code[:2] == key[3:]]
    if len(chosen) > 1:  # 乌鲁木齐: the city and its county of the same name, one province: the wider
        chosen = [min(chosen, key=lambda d: (_LEVEL_RANK[d.level], d.code))]
    alone = len({d.province_code for d in best.divisions}) > 1 and all(
        len({d.province_code for d in m.divisions}) > 1 for m in pool.mentions)
    if len(chosen) != 1 or alone:  # a name several divisions bear, nothing else to choose by
        names = "、".join(table.full_name(d) for d in best.divisions)
        place = Place(best.name, best.divisions[0].level, None, None, "中国", None,
                      f"{said}有多处同名（{names}） / {english}: {best.name} is ambiguous", None,
                      tuple(d.code for d in best.divisions))
        return _with_verdict(place, scope, table)
    division = _refine(chosen[0], positive, key)
    province = table.divisions.get(province_code)
    place = Place(division.name, division.level, division.code, province.name if province else None, "中国", None,
                  f"{said} / {english}: {best.name}", key, full_name=table.full_name(division))
    return _with_verdict(place, scope, table)


def _refine(division: Division, mentions: Sequence[_Mention], key: str) -> Division:
    """The most specific division inside ``division`` that another mention of the pool names."""
    while True:
        inner = [d for m in mentions for d in m.divisions
                 if d.code[:2] == key[3:] and d.code != division.code and division.covers(d.code)
                 and _LEVEL_RANK[d.level] > _LEVEL_RANK[division.level]]
        if not inner:
            return division
        division = min(inner, key=lambda d: _LEVEL_RANK[d.level])


def _with_verdict(place: Place, scope: Jurisdiction, table: Gazetteer, note: str | None = None) -> Place:
    if place.candidates:
        verdicts = {scope.contains(table.divisions[code]) for code in place.candidates}
        inside = verdicts.pop() if len(verdicts) == 1 else None
    elif place.code is not None:
        inside = scope.contains(table.divisions[place.code])
    elif place.level == "national":
        inside = True if scope.whole else None
    else:
        inside = None
    verdict = {True: "属本辖区 / inside", False: f"不属本辖区（{scope.describe()}） / outside",
               None: "无法判断是否属本辖区 / undetermined"}[inside]
    why = "; ".join(part for part in (note, place.why) if part)
    return replace(place, inside=inside, why=f"{why}：{verdict}")
