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

# Rules of the second round, each found on rows the first round missed.
WHO_DIED = [
    ("恐 in 恐怖 negates nothing", "", "3人在恐怖袭击中死亡，另有5人受伤。", {"deaths": 3, "injured": 5}),
    ("未 in 未婚夫 negates nothing", "未婚夫自缢身亡 女方被要求退还彩礼", "", {"deaths": 1}),
    ("未 in 未成年", "一名未成年人溺水身亡", "", {"deaths": 1}),
    ("要 in 索要", "业委会主任为索要钱财勒死女开发商", "", {"deaths": 1}),  # THUCNews
    ("a negator far from the verb", "两车剐蹭后双方报警且未争吵突然一方车主猝死法院怎么判", "", {"deaths": 1}),  # BDCI
    ("未 of another verb", "公车司机起步行驶未关门致乘客死亡", "", {"deaths": 1}),  # THUCNews
    ("an attacker caught by the victim", "保安队长抓歹徒牺牲 家属获赔56万", "", {"deaths": 1}),  # THUCNews
    ("牺牲 ending the clause", "23岁战士执行空降任务时不幸牺牲", "", {"deaths": 1}),
    ("牺牲 with an object is no death", "官恩娜牺牲形象玩游戏", "", {}),  # THUCNews
    ("弑父", "18岁少年弑父救母被从轻判刑3年", "", {"deaths": 1}),  # THUCNews
    ("中毒亡", "员工洗澡中毒亡 雇主和房东赔13万", "", {"deaths": 1, "poisoned": 1}),  # THUCNews
    ("an age inside the object", "19岁女孩雇凶杀死44岁情夫被判死缓", "", {"deaths": 1}),  # THUCNews
    ("months inside the object", "母亲因怨恨杀死1岁零3个月女儿后自残", "", {"deaths": 1}),  # THUCNews
    ("a weight in the gap", "业主寻猫被人防工程一吨重铁门砸死", "", {"deaths": 1}),  # THUCNews
    ("victims named one by one", "丈夫遇离婚危机杀死妻子及岳父母", "", {"deaths": 3}),  # THUCNews
    ("一家N口 after the verb", "凶手杀死一家3口后在命案现场住两天", "", {"deaths": 3}),  # THUCNews
    ("与 a vehicle is no second victim", "六安一男子骑摩托车与货车迎面相撞当场死亡", "", {"deaths": 1}),  # BDCI
    ("numbers of things are no plural", "缅甸好心男子挽救数条生命却因一件小事身亡", "", {"deaths": 1}),  # BDCI
    ("被杀害", "女大学生被男友杀害后尸体藏在下水道", "", {"deaths": 1}),  # BDCI
    ("命丧", "岁儿童命丧斑马线前事故原因竟然是", "", {"deaths": 1}),  # BDCI
    ("a pet held is not the one who died", "女子跪求男友回心转意遭拒 抱爱犬跳楼身亡", "", {"deaths": 1}),  # THUCNews
    ("击伤", "嫌犯逃跑途中用枪击伤刑警", "", {"injured": 1}),  # THUCNews
    ("an animal died", "主人为给猫取暖打开暖炉发生火灾猫不幸身亡", "", {}),  # BDCI
    ("an animal killed, passive", "只蟒蛇正在交配被村民打死带回去吃肉", "", {}),  # BDCI
    ("an animal killed, after the verb", "司机高速公路上捡被撞死野鸡遭罚200元", "", {}),  # THUCNews
    ("致其 of an animal", "为爱猫取暖打开暖炉不料引发火灾致其死亡", "", {}),  # BDCI
    ("a denied death", "武汉中院通报澄清小偷偷电瓶车被电身亡赔偿案纯属假新闻", "", {}),  # BDCI
    ("活该 is an insult, not news", "", "网民蒋某在微博发表言论董存瑞活该炸死。", {}),  # BDCI
    ("多少人 is a question", "巨婴成人害死多少人", "", {}),  # BDCI
    ("遇难者 is a noun", "在美中国留学生为昆明恐怖袭击事件遇难者祈福", "", {}),  # CEC
    ("遇难题 is no death", "群众办理户口遇难题户籍民警热心来解决", "", {}),  # BDCI
    ("the verb before the victim", "", "因被投毒而于今天下午3时23分丧生的复旦大学学生黄某，在中毒当晚曾感觉味道不对。",
     {"deaths": 1}),  # weibo_senti_100k
    ("丧生 after its subject", "", "一名男子在事故中丧生。", {"deaths": 1}),
    ("lives lost later in the sentence", "", "239个鲜活的生命，154名同胞就此消逝！", {"deaths": 239}),  # weibo_senti_100k
    ("伤 opening a clause", "", "雅安地震已致当地44人死亡，伤500人以上。", {"deaths": 44, "injured": 500}),  # weibo_senti_100k
    ("a duration is no count", "", "航班失联一个月，家属举行祈福仪式。", {}),  # weibo_senti_100k
    ("an epidemic bulletin's zero", "", "新增确诊病例4例。无重症病例、死亡病例和出院病例。", {"deaths": 0}),  # SMP2020
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
    # THUCNews: another time in a headline marks only what follows it.
    ("a headline's later clause", "杀害医生嫌犯被批捕 13年前医患纠纷引发仇恨", "", {"deaths": 1}),
    ("a headline's earlier clause", "去年一场车祸致3人死亡 肇事司机今日受审", "", {}),
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


@_cases(WHO_DIED)
def test_who_died_and_how_many(title: str, text: str, expected: dict[str, float]) -> None:
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


# Rules of the third round, each found on a development miss of the fresh set (Weibo hot-search topics,
# Weibo posts) or of the older sets: the killing verbs without 死, and readings that are no count.
KILLING = [
    ("杀害 a pair", "俄罗斯姐弟在泰国被杀害", "", {"deaths": 2}),  # hot search
    ("杀害 a pair as object", "男子杀害母子原地隐匿20年至退休", "", {"deaths": 2}),  # hot search
    ("杀害 one named", "泰国嫌犯供述杀害中国富商之子过程", "", {"deaths": 1}),  # hot search
    ("击毙 the attacker", "民警开12枪当场击毙劫持人质歹徒", "", {"deaths": 1}),  # THUCNews
    ("将自己…杀害", "", "陕西一女子因家庭琐事竟然将自己丈夫杀害并放火焚毁", {"deaths": 1}),  # BDCI
    ("a 枪杀案 is a kind of case", "重庆一名男子报枪杀案假警被拘留", "", {}),  # THUCNews
    ("an animal shot", "美国女猎手射杀动物后食其肉还上网炫耀钟爱射杀中国水鹿", "", {}),  # BDCI
    ("the invaders of a war drama", "鬼子枪杀村民没想到姑娘拿重机枪狂扫鬼子", "", {}),  # BDCI
    ("五兄弟 are not a pair", "", "讲述了五兄弟在六弟惨遭抢劫杀害后，追遍千里捉拿凶手的故事。", {}),  # cnews
]

NO_COUNT = [
    ("the writer 'killed'", "", "下雨天本来就视线受阻，还被远光灯照着，真尼玛撞死我了吓死宝宝了", {}),  # SMP2020
    ("人终有一死", "", "疫情就过去了，人终有一死，还有一些没实现的事情", {}),  # SMP2020
    ("a rate", "", "确诊人数大约每33个人就会有一人死亡，希望大家都能好好的", {}),  # SMP2020
    ("an entrepreneur is one", "", "有一企业家身亡，而且死在政府大楼，必有玄机", {"deaths": 1}),  # weibo_senti_100k
]


@_cases(KILLING)
def test_killing_verbs_without_si(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(NO_COUNT)
def test_readings_that_are_no_count(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# Rules of the eleventh round, each found on a development miss of the Toutiao headlines or the
# hot-search archive: who else died in the killing, and who was killed by an animal.
KILLER_AND_ANIMALS = [
    ("a killer who shot himself after", "惨剧！美国亚裔教授枪杀娇妻后饮弹，放火烧房仅剩5岁孤女", "", {"deaths": 2}),  # Toutiao
    ("victims named, then the killer", "男子杀死妻子和岳母后自缢身亡", "", {"deaths": 3}),
    ("自杀 alone may be an attempt", "男子刺死妻子后自杀未遂", "", {"deaths": 1}),
    ("victims not counted", "美国枪击犯射杀祖父母等多名家人后自杀身亡", "", {}),
    ("killed by a bear", "坚持要和受伤懒熊自拍 大叔蹲下举起手机秒遭活生生咬死", "", {"deaths": 1}),  # Toutiao
    ("the bear met is no victim", "印出租车司机路遇黑熊欲拍合照留念反遭袭丧命", "", {"deaths": 1}),  # Toutiao
    ("a pet bitten to death", "", "小黄被咬死了！小白身上都是血还瘸了，都是我的错", {}),
    ("a sheep bitten to death", "", "村里的羊被狼咬死了。", {}),
    ("撞死人 beside a dog", "男子遛狗从不拴绳撞死人否认养狗", "", {"deaths": 1}),  # hot search
    ("an animal killed beside a person", "司机撞死野猪后报警", "", {}),
    ("an animal opens the clause", "小猴子石山玩耍不慎坠落身亡", "", {}),  # hot search
    ("熊孩子 is a child", "熊孩子玩耍不慎坠楼身亡", "", {"deaths": 1}),
]

FAMILY = [
    ("one named in the family", "一家4口爬山祈福妻子坠亡", "", {"deaths": 1}),  # hot search
    ("a father in the family", "一家三口出游父亲溺亡", "", {"deaths": 1}),
    ("the whole family", "一家5口在车祸中全部遇难", "", {"deaths": 5}),
    ("the family, no one named", "一家三口煤气中毒身亡", "", {"deaths": 3, "poisoned": 3}),
]

COUNT_THEN_CLAUSE = [
    ("the count, a comma, the death", "强硬报复！叙利亚7名击落以色列战机的英雄，遭以色列袭击身亡", "", {"deaths": 7}),  # Toutiao
    ("均已遇难 after the count", "", "2名被困矿工，均已遇难。", {"deaths": 2}),
    ("others in the second clause", "", "3名游客，被当地村民救起后一老人死亡。", {"deaths": 1}),
    ("a wound in the first clause", "", "3名工人受伤，被送医后死亡。", {"injured": 3}),
]

KIN_LISTED = [
    ("kin side by side", "父母姐姐身亡12岁孩子被叔侵占140万", "", {"deaths": 3}),  # hot search
    ("kin listed, and others", "哈梅内伊的女儿女婿等遇难", "", {"deaths": 2}),  # hot search
    ("kin side by side in an accident", "儿子儿媳在车祸中遇难", "", {"deaths": 2}),
    ("a role before a kin term is its owner", "司机妻子身亡", "", {"deaths": 1}),
    ("a third dead right after a pair", "一家人买车遭狱警设套 父母被枪杀女儿沉湖淹死", "", {"deaths": 3}),  # Toutiao
    ("a pair dead, a third hurt", "夫妻遇害儿子受伤", "", {"deaths": 2, "injured": 1}),
    ("the subject and one joined by 与", "66岁男子吸烟失火与87岁母亲身亡", "", {"deaths": 2}),  # hot search
    ("与 someone, then what one did", "男子和朋友喝酒后溺亡", "", {"deaths": 1}),
]

NAME_AFTER_A_SPACE = [
    ("a role, a space, a name", "医疗事故致歌手 申海哲死亡医生被判一年有期徒刑", "", {"deaths": 1}),  # Toutiao
    ("a journalist named after a space", "记者 王刚遇害", "", {"deaths": 1}),
    ("a space between clauses", "货车撞倒行人 司机逃逸", "", {}),
]

A_KIND_OF_CASE = [
    ("这类事件 after the killing", "如何避免空姐搭乘滴滴顺风车被杀害这类事件", "", {}),  # Toutiao
    ("此类悲剧 after the death", "", "如何防止孩子溺亡此类悲剧再次发生？", {}),
    ("the case itself", "空姐搭乘顺风车被杀害", "", {"deaths": 1}),
    ("a bare noun after its verb, 全部 after it", "贝加尔湖遇难中国游客身份全部确认", "", {}),  # hot search
    ("a bare noun after its verb, one", "天津高空跳伞事故遇难女子年仅24岁", "", {"deaths": 1}),  # hot search
    ("我们 after the noun is no plural of it", "", "波士顿马拉松中丧生的8岁小男孩给我们留下的话", {"deaths": 1}),
]

POISONED_GROUPS = [
    ("the dead and the hospitalised", "柬埔寨桔井省中毒事件死亡人数增至10人 百余人入院", "", {"deaths": 10, "poisoned": 110}),  # Toutiao
    ("the hospitalised alone", "乌克兰一所学校发生儿童集体中毒事件 已有55人送医", "", {"poisoned": 55}),  # Toutiao
    ("deaths after treatment are hospitalised", "",  # CEC
     "出现食物中毒，两人当场死亡，另6人被送往医院，其中4人因抢救无效死亡。", {"deaths": 6, "poisoned": 8}),
    ("a number poisoned stated", "", "共造成74人中毒，39人住院治疗。", {"poisoned": 74}),  # CEC
    ("those still in hospital", "", "初步确定为疑似食物中毒。截至20时，尚有4人住院治疗。", {}),  # CEC
    ("no poisoning", "", "车祸致3人死亡5人住院。", {"deaths": 3}),
    ("one named, poisoned to death", "二房东厨房改卧室致租客中毒身亡", "", {"deaths": 1, "poisoned": 1}),  # hot search
    ("one named, died of a poisoning", "男子离奇中毒送医后多脏器衰竭而亡", "", {"deaths": 1, "poisoned": 1}),  # hot search
    ("a death on the way to hospital", "", "１人在送往医院的途中死亡，另有２人中毒。", {"deaths": 1, "poisoned": 2}),
]

ALREADY_DEAD = [
    ("已死亡 in a headline", "基地组织网上发表声明证实本-拉登已死亡", "", {"deaths": 1}),  # THUCNews
    ("已经死亡", "警方确认失联男子已经死亡", "", {"deaths": 1}),
    ("已死亡 of many", "多名矿工已死亡", "", {}),
    ("cells are no person", "癌细胞已死亡", "", {}),
]

DEATH_TOTAL = [
    ("an increment, then the total", "墨西哥甲型流感死亡人数新增4人 总数达89人", "", {"deaths": 89}),  # THUCNews
    ("another kind's total", "", "地震死亡人数升至30人，受伤总数达200人。", {"deaths": 30}),
]

WHAT_CAN_HAPPEN = [
    ("也能 before the killing", "惊悚！电动车也能撞死人", "", {}),  # Toutiao
    ("不会被 before the killing", "汽车发动后车内飞着的苍蝇为何不会被撞死？", "", {}),  # Toutiao
    ("村委会被 is no modal", "村支书因工程承包问题在村委会被村民捅死", "", {"deaths": 1}),  # THUCNews
]

# Reposts of the CED part (labels/facts_cedrepost.tsv, development rows) and their counterparts.
WISHED_RECALLED_OR_MANY = [
    ("a wish", "", "多么希望听到的是，解放军歼20击毁两架日本自卫队阿帕奇直升机，造成日自卫队36人死亡。", {}),
    ("a report", "", "两架阿帕奇直升机发生相撞事故，造成日自卫队36人死亡。", {"deaths": 36}),
    ("an anniversary", "", "今天是传奇歌手Jeff Buckley溺水身亡15周年。[蜡烛]", {}),
    ("a drowning", "", "传奇歌手Jeff Buckley昨日溺水身亡。", {"deaths": 1}),
    ("a potential toll", "", "研究显示造成超过2000人潜在死亡的事故的概率是1百万年分之一。", {}),
    ("the rescued are no toll", "", "此狗在汶川地震、玉树地震中均救三十二人后死亡。", {}),
    ("the injured being saved are injured", "", "医院正在抢救2名重伤者，另有3人死亡。",
     {"deaths": 3, "injured": 2, "seriously_injured": 2}),
    ("many of a kind", "", "太多环卫工人在高速公路发生事故身亡，但是并没有引起重视。", {}),
    ("one supposed", "", "只要有一个无辜的孩子曾在此因为求学而丧生，我们就要记得他。", {}),
    ("many speak of one", "", "不少村民称男子被打死。", {"deaths": 1}),
    ("hyperbole", "", "哟哟哟哟啊啊啊啊哼哼哼哼吐血身亡[生病]", {}),
    ("bleeding is no crowd", "", "一名城管用秤砣击打学生头部数下，导致大量出血在送往医院抢救的途中不治身亡！", {"deaths": 1}),
    ("the reason one was killed", "", "李翔遇害的原因至今仍是网友们讨论的热点。", {"deaths": 1}),
]


# Weibo21 posts (the thirteenth round): paperwork, the law's thresholds, a fall after an illness, a
# prophecy, the unhurt counted, a hostage.
PAPERS_THRESHOLDS_AND_FALLS = [
    ("a death certificate", "", "他为进福利院准备材料，独自一人来办亡父的死亡证明。", {}),
    ("a death", "", "他的父亲昨日在工地独自一人死亡。", {"deaths": 1}),
    ("the law's threshold", "", "只有造成3人以上的死亡多人重伤才算是严重危害，才能获刑7年以上。", {}),
    ("a toll over a number", "", "事故已造成3人死亡，多人重伤。", {"deaths": 3}),
    ("a fall after an illness told", "", "一身的疾病也只能靠自己硬扛，最终95岁的抗战老兵从三楼跳下身亡。", {"deaths": 1}),
    ("an illness death", "", "他一身的疾病，最终在医院身亡。", {}),
    ("a prophecy", "", "会母病，捶床哭泣，道人张目：完了，学备而养欠，他日必因此殒命。", {}),
    ("the unhurt counted", "", "现场已解救出4名被困人员（1人轻伤，其他3人无受伤）。", {"injured": 1}),
    ("a hostage", "", "不幸遇难的中国人质名叫樊京辉，来自北京。", {"deaths": 1}),
    ("the cumulative toll of a mixed numeral", "", "巴西衛生部公布，昨日新增807人死亡，累計2萬3千多人死亡。", {"deaths": 23_000}),
    ("no casualty hoped for", "", "连续大雨汛情严重，山体滑坡。眼见着一整个山体在慢慢移动，希望没有人员伤亡。", {}),
    ("no casualty reported", "", "连续大雨汛情严重，山体滑坡，所幸没有人员伤亡。", {"deaths": 0, "injured": 0}),
    ("a statute's condition", "", "组织和利用邪教组织蒙骗他人，致人死亡的，依照前款的规定处罚。", {}),
    ("people acting on the bodies", "", "现场三名民警护送遗体离开。", {}),
    ("the bodies counted", "", "搜救人员找到3名学生遗体。", {"deaths": 3}),
    # 去世 and 离世 count only with the event between the count and the verb
    ("the injured passed away", "", "28名受伤群众在医院接受救治，4名伤者因伤势过重抢救无效不幸离世。",
     {"deaths": 4, "injured": 28}),
    ("passed away in the accident", "", "4人在事故中不幸去世。", {"deaths": 4}),
    ("actors passed away over the years", "", "86版《西游记》距今32年，11位演员先后离世。", {}),
    ("the injured passed away of an illness", "", "两名伤者后来因病去世。", {}),
    # a post's 死了 before a count, after a pause or an adverb; not after another verb, nor one of a kind
    ("died, colloquially", "", "事故就在我身边，好可怕！死了20多人", {"deaths": 20}),
    ("died in all", "", "事实上总共死了七个！", {"deaths": 7}),
    ("died, as reported", "", "河北电视台还报道说死了三个人，无语了", {"deaths": 3}),
    ("mosquitoes swatted", "", "卫生间里发现了4只大花蚊子，被我拍死了3个。", {}),
    ("a game's deaths, as it seemed", "", "然后rng好像死了四个，当时看的一脸懵逼", {}),
    ("a question of history", "", "那怎么死了几千人？", {}),
    ("one of a kind", "", "世界上最不缺的就是政客，死了一个，千万人补上来。", {}),
    ("hearsay", "", "燃气爆炸太吓人了，据说死了几十个人，要是真的这么多就完了", {}),
    # no one hurt says nothing of deaths
    ("no one hurt", "", "公交车撞上违停私家车，车门严重变形！所幸无人员受伤。", {"injured": 0}),
    ("no one hurt, in a post's words", "", "幸亏当时已过上下学高峰期，没有人受伤。", {"injured": 0}),
    ("no one hurt, hoped for", "", "一辆货车起火，希望没有人受伤", {}),
    # 1 in figures counts one, as 一 does: the singular rules still read the victim
    ("one in figures, a floor number after", "", "1名男子从10楼跳楼身亡", {"deaths": 1}),
    # the count before the next phrase belongs to it, 失联 and 丧生 as much as 失踪 and 死亡
    ("the missing right after the dead", "", "事故已造成3人遇难2人失联", {"deaths": 3, "missing": 2}),
    ("the dead right after the hurt", "", "爆炸致3人受伤2人丧生", {"deaths": 2, "injured": 3}),
    # ... unless that phrase has a count of its own after its word: then the count is the word's before
    ("the dead, then the missing, each word before its count", "", "广西因灾死亡6人失联11人", {"deaths": 6, "missing": 11}),
    ("the dead, then the hurt, each word before its count", "", "事故死亡6人受伤11人", {"deaths": 6, "injured": 11}),
]


@_cases(PAPERS_THRESHOLDS_AND_FALLS)
def test_papers_thresholds_falls_and_mixed_numerals(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(WISHED_RECALLED_OR_MANY)
def test_wishes_anniversaries_and_many_of_a_kind_are_no_toll(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(WHAT_CAN_HAPPEN)
def test_what_can_happen_is_no_death(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(DEATH_TOTAL)
def test_the_total_after_an_increment(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(ALREADY_DEAD)
def test_already_dead_in_a_headline(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(POISONED_GROUPS)
def test_poisoned_are_the_dead_and_hospitalised(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(A_KIND_OF_CASE)
def test_a_kind_of_case_names_no_victim(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(NAME_AFTER_A_SPACE)
def test_a_name_after_a_space(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(KIN_LISTED)
def test_kin_listed_before_one_verb(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(COUNT_THEN_CLAUSE)
def test_a_count_before_the_comma(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(FAMILY)
def test_one_named_in_a_family(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(KILLER_AND_ANIMALS)
def test_the_killer_and_animals(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected
