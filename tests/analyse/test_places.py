"""Place resolution (属地管理): the place of the event, from real sentences.

Where the sentences come from: headlines of THUCNews (``thucnews_titles_dev.csv``), of the CEC
emergency corpus (``cec_emergency_dev.jsonl``, with a sentence of the article's body where the body
matters), of Weibo's hot-search list (``weibo_hot_search_2026-08-01_14.jsonl``) and of Toutiao, and
Weibo21 posts (``labels/README-places.md``), as the tests' ``source`` column says. The rows marked ``issue`` are the cases the alarm-quality issue reported
from its measured week (an Aleutians earthquake, a Bolivian bus crash, an attack in Nigeria), in
the wording of news headlines; ``example`` rows are sentences written to pin one rule.
"""

from __future__ import annotations

import pytest

from sentinel.analyse.divisions import Jurisdiction, load_gazetteer
from sentinel.analyse.places import resolve_place

GUANGDONG = Jurisdiction.parse(["广东省"])
ZHENGZHOU = Jurisdiction.parse(["郑州市"])

# (source, title, body, level, place label, country) — abroad: outside any Chinese jurisdiction
ABROAD = [
    ("issue", "阿留申群岛附近海域发生6.2级地震", "据美国地质调查局消息，震源深度10公里。", "region", "美国阿留申群岛", "美国"),
    ("issue", "玻利维亚一辆长途大巴坠入山谷 致20人死亡", "", "country", "玻利维亚", "玻利维亚"),
    ("issue", "尼日利亚东北部一村庄遭武装分子袭击", "", "country", "尼日利亚", "尼日利亚"),
    ("issue", "拉各斯一栋在建楼房倒塌", "", "city", "尼日利亚拉各斯", "尼日利亚"),
    ("thucnews", "尼日利亚发生宗教暴力冲突致5人死亡", "", "country", "尼日利亚", "尼日利亚"),
    ("thucnews", "秘鲁南部车祸致22人丧生31人受伤", "", "country", "秘鲁", "秘鲁"),
    ("thucnews", "印度北方邦火车相撞21死17伤", "", "region", "印度北方邦", "印度"),
    ("thucnews", "新加坡动物园清洁工被三只白虎咬死(图)", "", "country", "新加坡", "新加坡"),
    ("thucnews", "外交部称有我国公民赴越南相亲被骗", "", "country", "越南", "越南"),  # 我国: the victims' origin
    ("thucnews", "韩国媒体称朝鲜花费7亿美元用于导弹核试验", "", "country", "朝鲜", "朝鲜"),  # 韩国媒体: a source
    ("hot search", "20岁中国男子在泰国被刺多刀身亡", "", "country", "泰国", "泰国"),
    ("hot search", "华人加密币大亨在巴拉圭全裸坠亡", "", "country", "巴拉圭", "巴拉圭"),
    ("hot search", "习近平就哥伦比亚强烈地震致慰问电", "", "country", "哥伦比亚", "哥伦比亚"),
    ("cec", "多哥发生重大交通事故致６３人死伤", "", "country", "多哥", "多哥"),
    ("cec", "印尼爪哇省发生6.2级地震 已至少造成51人死亡", "", "region", "印度尼西亚爪哇", "印度尼西亚"),
    ("cec", "车臣体育场爆炸案两嫌疑人被抓获 均为车臣居民", "", "region", "俄罗斯车臣", "俄罗斯"),
    # Weibo21 posts (no headline): a hostage-taking in a country is there, and a check-in after the
    # post is where the poster was
    ("weibo21", "", "【李克强就3名我国公民在#马里人质劫持事件#中遇害作出重要批示】李克强作出重要批示，向我遇难人员家属表示深切慰问。",
     "country", "马里", "马里"),
    ("weibo21", "", "埃航客机失事最后1分钟#埃航坠毁客机8名中国乘客遇难##埃塞俄比亚客机失事#晋中·太原师范学院来往这看的微博视频",
     "country", "埃塞俄比亚", "埃塞俄比亚"),
    # a country before its passengers or students is their nationality; a country's short form after 在/赴
    ("weibo21", "", "埃塞俄比亚空难，全机无人生还，希腊一名乘客却因迟到两分钟，捡回一命。", "country", "埃塞俄比亚", "埃塞俄比亚"),
    ("weibo21", "", "近日，2名中国女留学生在英失联11天，其中一名女留学生已经遇难。", "country", "英国", "英国"),
    ("hot search", "4名在泰失联中国公民已被找到", "", "country", "泰国", "泰国"),
    ("hot search", "在德失联23岁中国留学生遗体已找到", "", "country", "德国", "德国"),
]


@pytest.mark.parametrize(("source", "title", "body", "level", "label", "country"), ABROAD,
                         ids=[row[1][:12] for row in ABROAD])
def test_events_abroad_are_outside_every_jurisdiction(source, title, body, level, label, country) -> None:
    place = resolve_place(title, body)  # even under the default, the whole of China
    assert (place.level, place.label, place.country) == (level, label, country)
    assert place.inside is False and place.abroad
    assert "境外" in place.why


# (source, title, body, province, label): Chinese places, a county resolved up to its province
DOMESTIC = [
    ("cec", "澄城一工商执法车撞上摩托车 2人死亡1人重伤", "", "陕西省", "陕西省渭南市澄城县"),
    ("cec", "宁洛高速凤阳段一油罐车行驶中“自燃”", "", "安徽省", "安徽省滁州市凤阳县"),
    ("cec", "兰坪“12・2”大火基本扑灭", "", "云南省", "云南省怒江傈僳族自治州兰坪白族普米族自治县"),
    ("cec", "合肥高速两车相撞5人死亡18人受伤", "", "安徽省", "安徽省合肥市"),
    ("cec", "黑龙江五常发生特大交通事故6人死亡", "", "黑龙江省", "黑龙江省哈尔滨市五常市"),
    ("cec", "南京一50层高楼发生火灾", "", "江苏省", "江苏省南京市"),
    ("cec", "手机充电器爆炸引发大火 致2死2伤",  # no place in the headline: the body's
     "昨日凌晨，火灾发生在海珠区南村一栋出租屋内，造成2人死亡。", "广东省", "广东省广州市海珠区"),
    ("cec", "湖南24名游客在广西北海集体食物中毒", "", "广西壮族自治区", "广西壮族自治区"),  # 湖南: the tourists' origin
    ("example", "河南援助队赴四川地震灾区", "河南省派出的救援队今天抵达汶川县映秀镇。", "四川省",
     "四川省阿坝藏族羌族自治州汶川县"),
    ("example", "浙江籍男子在云南丽江坠崖身亡", "", "云南省", "云南省丽江市"),
    # a lead without a headline: the newspaper (西安晚报) and the dateline (西宁…电) are not the place
    ("cec", "", "西安晚报洛信息9月25日中午，丹凤县武关中学发生食物中毒事件，54名学生用餐后感觉身体不适。",
     "陕西省", "陕西省商洛市丹凤县"),
    ("cec", "", "中新网西宁2月22日电记者刚刚从青海省地震局获悉，甘肃省天祝县发生4.3级地震。", "甘肃省",
     "甘肃省武威市天祝藏族自治县"),
    # a post's check-in (成都·, 信阳·) is the poster's place; in a headline the dot joins names of the place
    ("weibo21", "", "睢宁东梁集镇刚发生一场案件，村里有人强行出村，对方回家拿出菜刀，值岗人员当场死亡。蚌埠·怀远县的微博视频",
     "江苏省", "江苏省徐州市睢宁县"),
    ("toutiao", "龙江·凤凰山五月上演季节“穿越” 冰雪风光吸粉千人", "", "黑龙江省", "黑龙江省齐齐哈尔市龙江县"),
]


def test_beijing_time_is_a_clock_not_a_place() -> None:
    lead = "中新网4月3日电据美国地质勘探局网站消息，北京时间4月3日10时43分，智利北部近海发生里氏7.4级地震。"  # CEC
    place = resolve_place(None, lead)
    assert (place.level, place.country, place.inside) == ("country", "智利", False)


@pytest.mark.parametrize(("source", "title", "body", "province", "label"), DOMESTIC,
                         ids=[row[1][:12] for row in DOMESTIC])
def test_a_domestic_place_resolves_up_to_its_province(source, title, body, province, label) -> None:
    place = resolve_place(title, body)
    assert (place.province, place.label, place.country) == (province, label, "中国")
    assert place.inside is True  # the default jurisdiction: the whole of China


@pytest.mark.parametrize(("title", "body", "inside"), [
    ("汕头潮阳一家庭作坊发生火灾 13人死亡3人重伤", "", True),  # CEC (汕头)
    ("京珠高速韶关段 高速大巴撞货车17人死", "", True),  # CEC (韶关)
    ("合肥高速两车相撞5人死亡18人受伤", "", False),  # CEC: another province
    ("宁夏两客车相撞11人死", "", False),  # CEC
    ("比利时养老院火灾9名老人死亡", "", False),  # CEC: abroad
])
def test_other_provinces_are_outside_a_provincial_jurisdiction(title, body, inside) -> None:
    place = resolve_place(title, body, jurisdiction=GUANGDONG)
    assert place.inside is inside
    if inside is False:
        assert "不属本辖区（广东省）" in place.why or "境外" in place.why


@pytest.mark.parametrize(("title", "inside"), [
    ("郑州中原区一居民楼发生燃气爆炸", True),  # a county inside the prefecture
    ("河南叶县廉村小学300人中毒", False),  # CEC: 平顶山's county, same province, another prefecture
    ("河南一化工厂发生爆炸", None),  # only the province: wider than the jurisdiction, cannot be told
    ("全国多地出现强降雨", None),  # China as a whole
])
def test_a_city_office_cannot_tell_a_place_wider_than_itself(title, inside) -> None:
    assert resolve_place(title, "", jurisdiction=ZHENGZHOU).inside is inside


@pytest.mark.parametrize(("title", "body", "label"), [
    # CEC: the headline's 密云 (北京) outranks the body's passing destination 承德 (河北)
    ("101国道密云段现惨祸 客车农用车相撞致6人亡",
     "昨天下午1点多，101国道密云县庄头峪村附近路段上，一辆开往承德、载有20多名乘客的依维柯车与一辆拉矿石的农用车相撞。",
     "北京市密云区"),
    # CEC: the body names the provinces where it was felt; the headline names where it struck
    ("四川蓬安县房屋瓦片被震落 广西陕西震感强烈", "广西、陕西、重庆等地震感强烈，重庆多处房屋出现裂缝。",
     "四川省南充市蓬安县"),
    # CEC: the body compares with a Japanese earthquake; the fire is in 长春
    ("长春一检验所发生火灾", "据日本媒体报道，仙台也曾发生类似火灾。", "吉林省长春市"),
])
def test_a_headline_place_outranks_a_body_mention(title, body, label) -> None:
    assert resolve_place(title, body).label == label
    assert resolve_place(title, body).why.startswith("标题")


@pytest.mark.parametrize(("title", "body"), [
    ("轿车蛇行撞房2死3伤 司机疑为酒后驾车", "一辆轿车在路上蛇行后撞进路边一间民房，造成2人死亡3人受伤。"),  # CEC
    ("面包车起火 致十人伤亡", "一辆面包车突然起火，车上十人伤亡。"),  # CEC
    ("好希望今天晚上我这9.3级地震", "睡着睡着就挂掉了"),  # the Weibo joke
    ("沿海地区出现大风降温", ""),  # 海地 inside 沿海地区 is no place
    ("郑州发现美国白蛾", ""),  # 美国白蛾 is a moth: the place is 郑州, not the United States
])
def test_no_place_or_no_false_foreign_place(title, body) -> None:
    place = resolve_place(title, body)
    assert not place.abroad
    if "郑州" in title:
        assert place.label == "河南省郑州市"
    else:
        assert place.level == "unknown" and place.inside is None and place.label == "不明"


def test_a_name_several_divisions_bear_stays_ambiguous_unless_another_mention_decides() -> None:
    alone = resolve_place("朝阳区一仓库起火", "")
    assert alone.province is None and len(alone.candidates) == 2 and "多处同名" in alone.why
    assert resolve_place("朝阳区一仓库起火", "", jurisdiction=GUANGDONG).inside is False  # neither is in 广东
    assert resolve_place("北京朝阳区一仓库起火", "").label == "北京市朝阳区"


# (source, title, body, label, inside a 广东 office?): universities, sights and airports stand in a division
LANDMARKS = [
    ("weibo21", "清华实验室爆炸32岁博士后遇难", "清华大学实验室昨天上午发生爆炸，博士后孟祥见遇难。", "北京市", False),
    ("weibo", "32岁博士后身亡母亲卖蛋供其上学",  # the victim's home province is an origin, the lab the place
     "据悉，死者系清华大学理学院化学系博士后孟祥见。孟是安徽萧县人，家中长子。", "北京市", False),
    ("weibo", "北师大一支牙膏引起的血案", "昨天北师大两个学生因为一支牙膏，引发了一场捅刀事件。", "北京市", False),
    ("weibo", "", "9月4日上午，上海外滩，汉口路，一辆网约车当街冲向交警，撞伤一名环卫工人！", "上海市黄浦区", False),
    ("example", "华山景区一游客坠崖身亡", "", "陕西省渭南市华阴市", False),
    ("example", "中山大学一实验室起火", "", "广东省广州市", True),  # not 中山市: 中山 is inside the name
    # its people and its work are no place: the event's own place decides
    ("weibo", "北大清华等高校选拔四名学生参加麻将世锦赛", "世界麻将锦标赛将于10月26日在重庆黔江举行。",
     "重庆市黔江区", False),
    ("example", "北大毕业生在云南丽江坠崖身亡", "", "云南省丽江市", False),
    ("weibo", "浙大学生溺亡", "6月29日，浙大男生和同学到杭州西湖孤山附近水域游泳时溺水。", "浙江省杭州市", False),
]


@pytest.mark.parametrize(("source", "title", "body", "label", "inside"), LANDMARKS,
                         ids=[(row[1] or row[2])[:12] for row in LANDMARKS])
def test_a_landmark_places_the_event_where_it_stands(source, title, body, label, inside) -> None:
    place = resolve_place(title, body, jurisdiction=GUANGDONG)
    assert (place.label, place.inside) == (label, inside)


def test_a_short_landmark_name_inside_another_word_is_none() -> None:
    assert resolve_place("北大荒集团今年粮食总产再创新高", "").label != "北京市"  # 北大荒 is a region, not 北大
    assert resolve_place("北京大学法学院举办研讨会", "").label == "北京市"  # the province head still counts


def test_the_place_round_trips_through_its_dict() -> None:
    place = resolve_place("汕头潮阳一家庭作坊发生火灾", "", jurisdiction=GUANGDONG)
    from sentinel.analyse.places import Place

    assert Place.from_dict(place.to_dict()) == place


# ------------------------------------------------------------------------------- the data files

def test_the_divisions_form_a_hierarchy_county_prefecture_province() -> None:
    table = load_gazetteer()
    wenchuan = table.resolve("汶川县")[0]
    assert [d.name for d in table.chain(wenchuan)] == ["汶川县", "阿坝藏族羌族自治州", "四川省"]
    # a county of a municipality and a county directly under its province hang from the province
    assert [d.name for d in table.chain(table.resolve("北京市朝阳区")[0])] == ["朝阳区", "北京市"]
    assert [d.name for d in table.chain(table.resolve("仙桃市")[0])] == ["仙桃市", "湖北省"]
    assert len([d for d in table.divisions.values() if d.level == "province"]) == 34
    for division in table.divisions.values():  # every parent exists and is one level wider
        if division.parent:
            parent = table.divisions[division.parent]
            assert division.code.startswith(parent.prefix) and parent.level != division.level


def test_each_landmark_names_one_division_and_no_division_or_foreign_place_is_one() -> None:
    table = load_gazetteer()
    assert table.landmarks["清华"].name == "北京市" and table.landmarks["浙江大学"].name == "杭州市"
    assert table.full_name(table.landmarks["华山"]) == "陕西省渭南市华阴市"
    divisions = {name for d in table.divisions.values() for name in (d.name, *d.aliases)}
    assert not set(table.landmarks) & (divisions | set(table.foreign))


def test_the_foreign_list_has_countries_cities_regions_and_no_chinese_division() -> None:
    table = load_gazetteer()
    for name, country in (("尼日利亚", "尼日利亚"), ("拉各斯", "尼日利亚"), ("阿留申群岛", "美国"),
                          ("玻利维亚", "玻利维亚"), ("沙特", "沙特阿拉伯"), ("北韩", "朝鲜")):
        assert table.foreign[name].country == country
    assert not set(table.foreign) & set(table.by_name)
    assert {"美国白蛾", "蒙古族"} <= {compound for pairs in table.stops.values() for compound, _ in pairs}


@pytest.mark.parametrize(("names", "error"), [
    (["不存在市"], "no such administrative division"),
    (["朝阳区"], "names 2 divisions (北京市朝阳区、吉林省长春市朝阳区): qualify it"),
    (["河南省", "火星"], "[1] '火星'"),
])
def test_a_jurisdiction_names_known_divisions_only(names, error) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        Jurisdiction.parse(names)
    assert error in str(caught.value)


@pytest.mark.parametrize(("names", "codes"), [
    ([], ()),
    (["全国"], ()),
    (["郑州"], ("410100",)),
    (["北京市朝阳区", "410100"], ("110105", "410100")),
    (["吉林"], ("220000",)),  # the province, not 吉林市
])
def test_a_jurisdiction_is_read_as_an_office_writes_it(names, codes) -> None:
    assert tuple(d.code for d in Jurisdiction.parse(names).divisions) == codes
