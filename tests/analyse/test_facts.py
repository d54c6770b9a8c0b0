"""Event facts from Chinese news text.

The sentences marked CEC are trimmed from reports in CEC, the Chinese Emergency Corpus (public research
corpus of news on traffic accidents, fires, earthquakes, food poisoning and terrorist attacks), one or two
sentences each; the others are written to pin one rule each.
"""

from __future__ import annotations

import json

import pytest

from sentinel.analyse.facts import FIELDS, Facts, extract_facts, facts_to_dict

# (title, text, expected fields); fields not named must be None.
CEC_CASES = [
    # traffic accidents
    ("", "事故还殃及一辆捷达轿车,事故共造成6人死亡，3人重伤，14人轻微伤。",
     {"deaths": 6, "seriously_injured": 3, "injured": 17}),
    ("", "三车连环相撞导致当场有４人死亡，１人在送往医院的途中死亡，另有２人受伤。",
     {"deaths": 5, "injured": 2}),
    ("云南客车坠江24人失踪", "截至昨晚7时，已造成24人失踪，11人受伤，其中，造成重伤5人、轻伤6人。",
     {"missing": 24, "injured": 11, "seriously_injured": 5}),
    ("两名中国游客在澳遭遇交通事故 一死一伤", "死亡的女子今年32岁。", {"deaths": 1, "injured": 1}),
    ("", "事故致一名3岁男童当场死亡，一名15岁少年送医后不治身亡，另有3人受伤。", {"deaths": 2, "injured": 3}),
    ("合肥高速两车相撞5人死亡18人受伤", "", {"deaths": 5, "injured": 18}),
    ("", "客车翻下山沟，导致6死10伤，其中1人伤势较重。", {"deaths": 6, "injured": 10, "seriously_injured": 1}),
    ("", "受大雾天气影响，三十三辆车连环相撞，事故造成一人死亡，一人重伤，六人轻伤，一千余辆过往车辆滞留。",
     {"deaths": 1, "seriously_injured": 1, "injured": 7}),
    ("多哥发生重大交通事故致６３人死伤", "", {}),
    # fires
    ("", "火灾导致13名女工被毒烟熏死，15人入院救治，其中3人重伤。",
     {"deaths": 13, "seriously_injured": 3, "injured": 3}),
    ("", "经初步核查，现场6人均因烟熏致死。", {"deaths": 6}),
    ("", "造成72户280间房屋被烧毁，370余人受灾，无人员伤亡。", {"deaths": 0, "injured": 0}),
    ("", "山林大火目前已造成8人死亡。在撒丁岛，已有2人在火灾中丧生。在西班牙，6名消防队员在救火战斗中牺牲。",
     {"deaths": 8}),
    ("广州白云区大火：一家六口死亡", "一家6口全部在火灾中不幸死亡，只有家里的小花猫存活下来。", {"deaths": 6}),
    # earthquakes
    ("", "截至17时，瑞丽4.9级地震已造成19人受伤，其中重伤3人，轻伤16人，暂无人员死亡报告。",
     {"deaths": 0, "injured": 19, "seriously_injured": 3, "magnitude": 4.9}),
    ("", "地震已造成至少443人死亡，约2800人受伤。印尼地震监测机构测定的震级为里氏5．9级。"
         "2004年12月26日，印尼苏门答腊岛附近海域发生里氏7．9级地震，造成20余万人死亡或失踪。",
     {"deaths": 443, "injured": 2800, "magnitude": 5.9}),
    ("", "八月三十日十六时三十分，四川省攀枝花市仁和区与凉山州会理县交界处发生六点一级地震，目前暂无人员伤亡报告。",
     {"deaths": 0, "injured": 0, "magnitude": 6.1}),
    ("", "成都市迄今发生余震四十四次，最大震级五点零级。四川省阿坝州汶川县境内发生七点八级地震；"
         "绵阳市三台县因水塔倒塌一人死亡。", {"deaths": 1, "magnitude": 7.8}),
    ("", "经初步核查，地震造成受灾人口20480户44365人，倒塌房屋87户201间，直接经济损失1058.5万元。",
     {"loss_yuan": 10_585_000}),
    ("", "北京时间4月3日10时43分，智利北部近海发生里氏7.4级地震，随后震级被上调至7.8级，此后震级再被修正为7.6级。",
     {"magnitude": 7.6}),
    # food poisoning
    ("", "出现食物中毒，两人当场死亡，另6人被送住医院，其中4人因抢救无效死亡。", {"deaths": 6}),
    ("云南丘北一幼儿园32学生疑似食物中毒", "其中，情况较为严重者7人，目前2人抢救无效死亡，其余5人正在全力救治中。",
     {"deaths": 2, "poisoned": 32}),
    ("", "出现中毒症状人员从开始的70人升至74人。共造成74人中毒，39人住院治疗。目前尚未出现人员死亡的情况。",
     {"poisoned": 74, "deaths": 0}),
    ("", "新加坡百余人日前发生集体食物中毒，其中一名马来族妇女经医治无效于６日死亡。",
     {"poisoned": 100, "deaths": 1}),
    # terrorist attacks
    ("", "最新消息显示，截至2日6时，已造成29人死亡、130余人受伤。", {"deaths": 29, "injured": 130}),
    ("", "２月28日，希拉市发生一起自杀式汽车炸弹袭击事件，造成１25名平民死亡，２００人受伤。",
     {"deaths": 125, "injured": 200}),
    ("", "一家五星级酒店当地时间9日晚发生一起爆炸袭击事件，目前死亡人数已升至18人，另有约70人受伤。",
     {"deaths": 18, "injured": 70}),
    ("", "近300名穿着制服的不明身份人员袭击了施工工地，造成70余名农民工不同程度受伤，其中3人正在重症监护室抢救。",
     {"injured": 70}),
]

RULE_CASES = [
    ("update wins", "造成10人死亡。后续报道：死亡人数上升至十三人。", {"deaths": 13}),
    ("correction wins over size", "经核查，死亡人数由14人核减为13人。", {"deaths": 13}),
    ("groups add up", "2人当场死亡，另有1人在送医途中死亡。", {"deaths": 3}),
    ("subgroups do not add", "事故致3人死亡，其中2人当场死亡，1人送医后经抢救无效死亡。", {"deaths": 3}),
    ("injured who died are deaths", "两名伤者经抢救无效死亡，死亡人数升至15人。", {"deaths": 15}),
    ("wounds that killed", "致使二人双双因重伤死亡。", {"deaths": 2}),
    ("age is not a count", "一名3岁男童被撞身亡。", {"deaths": 1}),
    ("no casualty numbers", "一辆载有45人的大巴，18时30分许，3车相撞，联系电话13800138000。", {}),
    ("伤亡 is not deaths", "冲突造成10人伤亡。", {}),
    ("unknown is not zero", "目前伤亡情况不明，尚未确认人员伤亡。", {}),
    ("others unhurt", "司机当场死亡，无其他人员伤亡。", {"deaths": 1}),
    ("no deaths, some hurt", "该起火灾未造成人员死亡，3人轻微受伤。", {"deaths": 0, "injured": 3}),
    ("headline zero", "巴拿马发生5.9级地震暂无伤亡", {"deaths": 0, "injured": 0, "magnitude": 5.9}),
    ("background", "3月18日，一辆车撞上正在清扫的环卫工人周某，致周某当场死亡。据统计，近3年已有5名环卫工人死于交通事故。",
     {"deaths": 1}),
    ("confirmed cases are not deaths", "#新型肺炎确诊440例死亡9例#", {"deaths": 9}),
    ("idioms", "罪该万死，九死一生，一口吐沫把我淹死。", {}),
    ("attackers are not victims", "七名歹徒抢劫网吧遭拒刺伤网管", {"injured": 1}),
    ("verb takes the count", "司机两次撞人逃逸 撞死1人后再撞伤3人", {"deaths": 1, "injured": 3}),
    ("compact with brackets", "俄达吉斯坦军营遇袭5死39伤(组图)", {"deaths": 5, "injured": 39}),
    ("one-character verbs", "苏丹两辆公共汽车相撞致37人死亡26人伤", {"deaths": 37, "injured": 26}),
    ("missing", "群众申报失踪失联人员39名，另有72人下落不明。", {"missing": 72}),
    ("loss in yuan", "造成直接经济损失约1.2亿元。", {"loss_yuan": 120_000_000}),
    ("loss hedged", "直接经济损失3000余万元。", {"loss_yuan": 30_000_000}),
    ("foreign currency", "损失据估算达到8千万欧元。", {}),
    ("compensation is not loss", "获赔损失45万元。", {}),
    ("response level is not magnitude", "已启动地震应急预案二级响应，当地5级大风。", {}),
    ("aftershocks", "智利连续发生里氏5级以上余震。", {}),
    ("M notation", "四川省宜宾市长宁县发生M6.0级地震。", {"magnitude": 6.0}),
    ("symptoms in a poisoning", "共有52名学生出现呕吐症状，经诊断为食物中毒。", {"poisoned": 52}),
    ("no keyword at all", "今天天气很好，市民纷纷外出踏青。", {}),
    ("magnitude alone", "里氏5.6级", {"magnitude": 5.6}),
    ("dead noun updated", "死者增至8人。", {"deaths": 8}),
    ("lives taken", "大火夺走了12条生命，3人命丧火海。", {"deaths": 12}),
    ("lives saved", "医护人员挽救了12条生命。", {}),
]


def _check(facts: Facts, expected: dict[str, float]) -> None:
    got = {f: getattr(facts, f) for f in FIELDS if getattr(facts, f) is not None}
    assert got == expected


@pytest.mark.parametrize(("title", "text", "expected"), CEC_CASES)
def test_cec_sentences(title: str, text: str, expected: dict[str, float]) -> None:
    _check(extract_facts(text, title or None), expected)


@pytest.mark.parametrize(("rule", "text", "expected"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rules(rule: str, text: str, expected: dict[str, float]) -> None:
    _check(extract_facts(text), expected)


def test_details_say_why() -> None:
    facts = extract_facts("造成10人死亡。后来死亡人数上升至十三人", "十余人受伤")
    deaths = facts.detail("deaths")
    assert deaths is not None and deaths.value == 13 and deaths.phrase == "死亡人数上升至十三人"
    injured = facts.detail("injured")
    assert injured is not None and injured.approximate and (injured.low, injured.high) == (10, 19)
    assert injured.rule == "title"
    assert facts.detail("missing") is None


def test_zero_and_sum_rules_are_named() -> None:
    assert extract_facts("此次事故无人员伤亡。").detail("deaths").rule == "zero"  # type: ignore[union-attr]
    summed = extract_facts("2人当场死亡，另有1人在送医途中死亡。").detail("deaths")
    assert summed is not None and summed.rule == "sum" and "当场" in summed.phrase


def test_facts_to_dict_uses_analyze_field_names() -> None:
    d = facts_to_dict(extract_facts("事故造成3人死亡，直接经济损失约1.2亿元。"))
    assert list(d) == ["deaths", "injured", "seriously_injured", "missing", "poisoned", "loss_yuan", "magnitude"]
    assert d["deaths"] == 3 and d["loss_yuan"] == 120_000_000 and d["injured"] is None
    json.dumps(d)  # plain JSON values


def test_facts_to_dict_with_details() -> None:
    d = facts_to_dict(extract_facts("十余人受伤"), with_details=True)
    assert d["details"] == {"injured": {"phrase": "十余人受伤", "rule": "stated", "approximate": True,
                                        "low": 10, "high": 19}}


def test_facts_are_frozen_values() -> None:
    a, b = extract_facts("造成3人死亡"), extract_facts("3人死亡。")
    assert a == b  # details do not take part in equality
    with pytest.raises(AttributeError):
        a.deaths = 4  # type: ignore[misc]
