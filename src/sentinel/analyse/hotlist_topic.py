"""Is a hot-list entry a public-opinion topic (舆情话题), or entertainment (a variety show, a star,
a drama, a game)? A hot list is mostly the latter; a watch rule's words alone do not tell them apart
("歌手排名" has no place or event in it, but "舞台事故" does, and is still a variety show).

:func:`judge_entry` decides from what the platform says and what the entry says, in this order:

1. **An event in the text** (deaths, an explosion, a fire, the police, an official notice ...):
   a public-opinion topic whatever the label — a stampede at a concert is labelled 明星 and is
   still an incident.
2. **The platform's category labels**, where it gives them (Weibo's ``category``/``flag_desc``,
   Toutiao's ``InterestCategory``, newsnow's category word): an entertainment label (综艺, 明星,
   电视剧, 电影, 音乐, 游戏, 体育 ...; ``entertainment``, ``sports``, ``game`` ...) and no public
   one is entertainment; a public label (社会, 时事, 财经 ...; ``society``, ``politics`` ...) is a
   topic. Weibo's commercial badge (商) is an ad.
3. **The entry's words**, when no label decides (Baidu, Zhihu and Douyin give none; a third of
   Weibo's entries say 暂无): entertainment cues (综艺, 路透, 官宣, 演唱会, 主演, 定档, 票房 ...) that
   outnumber public cues (通报, 回应, 居民, 政策, 台风 ...) make it entertainment; otherwise, and when
   there are no cues at all, it is a topic — the entry already matched a watch rule, and a real
   event wrongly set aside costs more than a variety show wrongly kept.

The function is pure (values in, a verdict with its reason out) so that the incidents stage can
combine it with its other judgements of whether an item is an event. How well step 3 agrees with
Weibo's own labels on real lists is measured by ``scripts/eval_hotlist_topic.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TopicVerdict", "judge_entry", "label_verdict", "text_verdict"]

# Labels as the platforms write them (Weibo's Chinese ones may carry a sub-label: 综艺-内地综艺).
ENTERTAINMENT_LABELS = frozenset({
    "综艺", "明星", "电视剧", "剧集", "电影", "音乐", "动漫", "游戏", "电竞", "搞笑", "萌宠", "时尚", "美妆", "情感",
    "星座", "娱乐", "体育", "笪屹超人", "闲趣", "摄影", "收藏", "读书", "生活记录", "美食", "旅游",
    "entertainment", "sports", "game", "comic", "fashion", "music", "movie", "tv", "anime", "esports", "funny",
    "pet", "beauty", "emotion", "star", "variety",
})
PUBLIC_LABELS = frozenset({
    "社会", "时事", "政务", "民生", "法律", "教育", "健康", "医疗", "财经", "科技", "互联网", "军事", "国际", "公益",
    "科普", "汽车", "数码", "房产", "society", "politics", "law", "military", "international", "world", "finance",
    "economy", "education", "health", "technology", "tech", "science", "local", "accident", "disaster",
})
AD_BADGES = frozenset({"商", "荐"})
_NO_LABEL = frozenset({"", "暂无", "其他", "other", "others", "none"})

# An event: what makes a topic an incident whatever its label.
EVENT = re.compile(
    r"死亡|身亡|遇难|罹难|丧生|殒命|遇害|坠亡|坠楼|溺亡|猝死|自杀|自尽|死者|致\d+死|\d+人死|伤亡|受伤|重伤|"
    r"爆炸|坍塌|倒塌|垮塌|火灾|起火|失火|大火|燃气|泄漏|中毒|踩踏|车祸|相撞|翻车|坠机|脱轨|沉没|"
    r"地震|台风|暴雨|洪水|洪涝|山洪|泥石流|滑坡|决堤|溃坝|救援|失联|被困|疫情|"
    r"警方|公安|派出所|刑拘|拘留|逮捕|被捕|被查|立案|判刑|获刑|起诉|通报|涉嫌|砍|持刀|枪击|行凶|杀害|"
    r"纪委|监委|落马|维权|讨薪|欠薪|投诉|举报|曝光")
# Words of entertainment.
ENTERTAINMENT = re.compile(
    r"综艺|路透|官宣|恋情|恋爱|热恋|分手|离婚|结婚|大婚|婚礼|演唱会|巡演|新歌|专辑|单曲|舞台|打歌|歌手|歌王|乐队|"
    r"剧组|主演|饰演|演技|角色|定档|杀青|开机|预告|片场|票房|首映|路演|上映|撤档|档期|影帝|影后|番位|"
    r"粉丝|应援|爱豆|偶像|出道|男团|女团|同框|合体|造型|生图|红毯|写真|颜值|状态|绝美|好美|帅|"
    r"吻戏|热吻|cp|CP|嗑|名场面|花絮|直播|综N代|短剧|网剧|电视剧|电影|动漫|动画|游戏|电竞|战队|赛季|"
    r"手游|皮肤|联名|代言|种草|穿搭|妆容|口红|香水|萌宠|猫咪|狗狗|搞笑|整活|偶遇|晒|工作室|美甲|妆|自拍|营业|"
    r"互关|同款|神颜|氛围感|路人缘|待播|开播|收官|淘汰|晋级|总决赛|"
    r"\d+比\d+|夺冠|冠军|决赛|半决赛|世界杯|联赛|球员|球星|球队|国乒|国足|男篮|女排|NBA|乒|"
    r"《[^》]{1,20}》")
# Words of public affairs.
PUBLIC = re.compile(
    r"政府|官方|部门|回应|通报|发布|公告|通知|政策|规定|条例|法规|办法|标准|补贴|医保|社保|养老|退休|"
    r"市民|居民|村民|群众|业主|消费者|乘客|患者|学生|家长|老人|儿童|学校|医院|小区|物业|景区|地铁|高铁|"
    r"涨价|降价|价格|收费|房价|工资|就业|失业|高考|考研|调休|假期|天气|降温|高温|预警|应急|救灾|"
    r"城管|交警|法院|检察|税|罚款|处罚|整改|约谈|调查")


@dataclass(frozen=True, slots=True)
class TopicVerdict:
    """Whether an entry is a public-opinion topic, and why (Chinese, for the timeline and logs)."""

    public_opinion: bool
    reason: str


def _labels(category: Any) -> list[str]:
    if not isinstance(category, str):
        return []
    parts = re.split(r"[,，/|、\s]+", category)
    labels = []
    for part in parts:
        part = part.strip()
        if part.lower() in _NO_LABEL:
            continue
        labels.append(part)
        head = re.split(r"[-－]", part, maxsplit=1)[0]  # 综艺-内地综艺 → 综艺
        if head and head != part:
            labels.append(head)
    return labels


def label_verdict(category: Any, badge: Any = None) -> TopicVerdict | None:
    """What the platform's labels say, or None when they say nothing either way."""
    if isinstance(badge, str) and badge in AD_BADGES:
        return TopicVerdict(False, f"平台标注为商业推广（{badge}）")
    labels = _labels(category)
    public = [label for label in labels if label in PUBLIC_LABELS or label.lower() in PUBLIC_LABELS]
    leisure = [label for label in labels if label in ENTERTAINMENT_LABELS or label.lower() in ENTERTAINMENT_LABELS]
    if public:
        return TopicVerdict(True, f"平台分类为{public[0]}")
    if leisure:
        return TopicVerdict(False, f"平台分类为{leisure[0]}")
    return None


def text_verdict(title: str, text: str = "") -> TopicVerdict:
    """What the words say when no label decides (step 3 of the module docstring)."""
    words = f"{title}\n{text}"
    leisure = len(ENTERTAINMENT.findall(words))
    public = len(PUBLIC.findall(words))
    if leisure > public:
        return TopicVerdict(False, f"文字为娱乐话题（娱乐词 {leisure}，公共事务词 {public}）")
    return TopicVerdict(True, f"文字未见娱乐话题特征（娱乐词 {leisure}，公共事务词 {public}）")


def judge_entry(facts: Mapping[str, Any], title: str, text: str = "") -> TopicVerdict:
    """The verdict for one entry: ``facts`` is what the list said of it (an item's
    ``extra["hotlist"]``: ``category``, ``label`` ...), ``title`` and ``text`` its words."""
    event = EVENT.search(f"{title}\n{text}")
    if event:
        return TopicVerdict(True, f"含事件词“{event.group(0)}”")
    by_label = label_verdict(facts.get("category"), facts.get("label"))
    if by_label is not None:
        return by_label
    return text_verdict(title, text)
