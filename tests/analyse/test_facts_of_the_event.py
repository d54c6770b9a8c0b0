"""Facts that belong to the reported event, and the headline forms that state them without numerals.

Each table pins one rule. Sentences marked with a source are trimmed from the public corpora the
project evaluates on (CEC, the Chinese Emergency Corpus; THUCNews headlines; cnews articles; the CCF
BDCI 2019 news set, whose text has its Arabic digits stripped); the others are written to pin a rule in
the words reporters use.
"""

from __future__ import annotations

import pytest

from sentinel.analyse.facts import FIELDS, extract_facts


def _got(title: str, text: str) -> dict[str, float]:
    facts = extract_facts(text, title or None)
    return {f: getattr(facts, f) for f in FIELDS if getattr(facts, f) is not None}


# (why, title, text, expected); fields not named must be None.
NEGATIONS = [
    ("尚未有人员死伤", "", "地震发生在凌晨三时许，目前尚未有人员死伤的报告。", {"deaths": 0, "injured": 0}),
    ("无人死伤", "", "货车侧翻在路边，所幸无人死伤。", {"deaths": 0, "injured": 0}),
    # CEC: the previous day's quake is another event, so the zero of this one stands.
    ("尚无人员伤亡 beside another quake's toll", "智利地震再修正为里氏7.6级",
     "北京时间4月3日10时43分，智利北部近海发生里氏7.4级地震，随后震级被上调至7.8级，此后震级再被修正为7.6级。"
     "目前，尚无人员伤亡报告。北京时间4月2日7时46分，智利西部海岸发生8.2级地震，地震迄今造成6人死亡。",
     {"deaths": 0, "injured": 0, "magnitude": 7.6}),
    ("a drunk driver is no zero", "青年无证驾驶致人死伤 欲脱罪请亲戚顶包", "", {}),  # THUCNews
]

TWO = [
    ("两死 before a serious injury", "货车撞上护栏两死一重伤", "", {"deaths": 2, "injured": 1, "seriously_injured": 1}),
    ("两死 before a colon", "车祸致两死：一司机当场死亡", "", {"deaths": 2}),
    ("N死多伤", "大巴侧翻3死多伤", "", {"deaths": 3}),
    ("两死 and a missing", "渔船倾覆两死一失踪", "", {"deaths": 2, "missing": 1}),
    ("俩人", "", "两车相撞，车内俩人当场死亡。", {"deaths": 2}),
    ("母女俩", "山东德州母女俩出租房内被捅死女儿仅岁多", "", {"deaths": 2}),  # BDCI
    ("双双", "商洛一对姐弟在塘坝边玩耍落水不幸双双身亡", "", {"deaths": 2}),  # BDCI
    ("两人死 without 亡", "上海一居民楼发生火灾致两人死火灾原因正调查", "", {"deaths": 2}),  # BDCI
    ("a killed pair", "男子还不起数十万欠债杀死债主母子", "", {"deaths": 2}),  # THUCNews
    ("a pair of relatives, one dead", "老夫妻因独子打球时被刺死索赔110万", "", {"deaths": 1}),  # THUCNews
]

HEADLINES = [
    ("致N死N伤", "四川广邻高速发生连环追尾交通事故 致1死6伤", "", {"deaths": 1, "injured": 6}),  # CEC
    ("one named victim", "女大学生被车撞飞身亡 肇事司机是偷车贼", "", {"deaths": 1}),  # THUCNews
    ("a measure in between", "11岁少年被车撞飞10米身亡", "", {"deaths": 1}),  # THUCNews
    ("a school year is no count", "高二男生发烧黑诊所输液后身亡", "", {"deaths": 1}),  # THUCNews
    ("the victim as object", "16岁辍学少年因琐事捅死同窗", "", {"deaths": 1}),  # THUCNews
    ("将其…死", "男子用女友睡衣将其勒死被判死刑", "", {"deaths": 1}),  # THUCNews
    ("the subject is the attacker", "男子酒后扎伤同乡舍友出逃3年", "", {"injured": 1}),  # THUCNews
    ("致其重伤", "男子不满分手砍女友十几刀致其重伤", "", {"injured": 1, "seriously_injured": 1}),  # THUCNews
    ("any one who died", "湖北亿万富翁天津坠楼身亡 警方排除他杀遭质疑", "", {"deaths": 1}),  # THUCNews
    ("猝死", "初三男生课间训练跑完200米猝死", "", {"deaths": 1}),  # THUCNews
    ("hurt, then died", "男子节前讨债被欠款者打伤致死", "", {"deaths": 1}),  # THUCNews
    ("a type of victim is no count", "多地发生学生溺亡事故请您把这条救命信息转出去", "", {}),  # BDCI
    ("a vow is no death", "男子张贴告示立誓杀死逃匿情人", "", {}),  # THUCNews
    # written for these rules, not taken from the corpora
    ("an aged relative as object", "14岁少年杀死8岁堂弟后藏尸", "", {"deaths": 1}),
    ("一个 is not a count of victims", "男子钓鱼时一个失误滑落河中溺亡", "", {"deaths": 1}),
    ("夺走性命 with no other trigger", "两名儿童在水塘边被夺走性命", "", {"deaths": 2}),
    ("all of them, uncounted", "", "事发时车上乘客已全部死亡。", {}),
    ("a son and a daughter", "一儿一女在家中火灾中身亡", "", {"deaths": 2}),
]

STATISTICS = [
    ("前9月", "卫生部:前9月327人食物中毒死亡", "", {}),
    ("全年", "", "据统计，全年道路交通事故死亡1800人，受伤9000余人。", {}),
    ("今年以来 beside the event", "",
     "昨日凌晨，一辆客车与货车相撞，造成3人死亡。今年以来，全省共发生较大交通事故15起，死亡56人。", {"deaths": 3}),
    ("over years", "统计称墨西哥3年共155名缉毒士兵殉职", "", {}),  # THUCNews
    ("per year", "", "在西班牙，仅2010年一年就有73名女性因伴侣的家庭暴力致死，平均每五天就会死亡一人。", {}),  # cnews
    ("a yearly loss", "香港去年因暴雨损失约6亿 等同办3次东亚运动会", "", {}),  # cnews
    ("同比", "", "一季度全市火灾死亡12人，同比下降20%。", {}),
    ("a ranking keeps the event", "", "事故造成5人死亡，是今年以来最严重的一起交通事故。", {"deaths": 5}),
]

EARLIER_EVENTS = [
    ("此前…曾造成 in the lead", "",
     "昨日该县发生4.3级地震，目前尚无人员伤亡，此前该地发生的6.6级地震曾造成95人死亡。",
     {"deaths": 0, "injured": 0, "magnitude": 4.3}),
    ("上次 in a later sentence", "",
     "14日晚，一辆客车翻下山沟，造成2人死亡。上次同一路段发生的车祸致11人遇难。", {"deaths": 2}),
    # CEC: two earlier crashes recalled after the event, one by month alone.
    ("an earlier month", "",
     "新华网洛美４月１５日电 多哥官员１５日说，一辆大客车１４日晚与迎面而来的载重拖车相撞，造成４７人死亡、１６人重伤。"
     "３月，一辆行驶在代法莱附近的小巴制动系统出现故障，在坡道上连续３次翻滚，造成５人当场死亡、２１人受伤。",
     {"deaths": 47, "injured": 16, "seriously_injured": 16}),
    ("an earlier quake named by its magnitude", "",
     "13日5时，该县发生5.0级地震，震中附近房屋受损，1人受伤。震中附近发生的6.6级地震造成95人死亡，至今仍有房屋未重建。",
     {"injured": 1, "magnitude": 5.0}),
]

OTHER_EVENTS = [
    ("另据报道…发生", "",
     "19日，一辆大巴在山区公路坠崖，造成3人死亡。另据报道，该国南部20日发生一起汽车炸弹袭击，造成12人死亡。",
     {"deaths": 3}),
    ("又一起", "", "事故造成2人死亡。当天下午，该市又一起车祸致5人死亡。", {"deaths": 2}),
    # cnews: the page's related headlines name another accident.
    ("related news", "",
     "香港环球贸易广场建筑工地昨日发生严重事故，造成6人死亡。新鸿基已承诺向死者家属发放恩恤赔偿。综合新华社    "
     "相关新闻：   香港建筑工地6名工人从高处坠下死亡    石家庄倒楼事故已致10人遇难3人重伤    我要评论",
     {"deaths": 6}),
    ("a different date of occurrence", "",
     "2003年8月19日，联合国驻伊拉克办事处遭汽车炸弹袭击，造成至少24人死亡。伊拉克北部21日发生的连环爆炸则造成50人死亡。",
     {"deaths": 24}),
]


def _cases(table: list[tuple[str, str, str, dict[str, float]]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("title", "text", "expected"), [c[1:] for c in table], ids=[c[0] for c in table])


@_cases(NEGATIONS)
def test_negations_read_zero(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(TWO)
def test_two_without_a_numeral(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(HEADLINES)
def test_headline_phrasing(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(STATISTICS)
def test_statistics_do_not_count(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(EARLIER_EVENTS)
def test_earlier_events_do_not_count(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(OTHER_EVENTS)
def test_other_events_do_not_count(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


def test_a_yearly_statistic_never_sets_a_grade_floor() -> None:
    from sentinel.analyse.grading import grade_floor

    facts = extract_facts("据该国交通部门统计，全年道路交通事故死亡1800人。当天的车祸造成1人死亡。", "一辆大巴翻车")
    assert facts.deaths == 1
    assert grade_floor(facts, "accident", "traffic_accident").grade.value == "IV"  # type: ignore[union-attr]
