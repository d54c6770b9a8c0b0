"""Facts in the words of Weibo posts and of the headlines reposted in them.

Each table pins one rule, found on a development miss of the facts sets. Sentences marked with a
source are trimmed from the public corpora the project evaluates on (SMP2020-EWECT, weibo_senti_100k,
weibo2018 and CLUE emotion posts; THUCNews headlines; the CCF BDCI 2019 news set, whose text has its
Arabic digits stripped); the others are written to pin a rule in the words posts use.
"""

from __future__ import annotations

import pytest

from sentinel.analyse.event_report import own_facts
from sentinel.analyse.facts import FIELDS, extract_facts


def _got(title: str, text: str) -> dict[str, float]:
    facts = extract_facts(text, title or None)
    return {f: getattr(facts, f) for f in FIELDS if getattr(facts, f) is not None}


def _cases(table: list[tuple[str, str, str, dict[str, float]]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize(("title", "text", "expected"), [c[1:] for c in table], ids=[c[0] for c in table])


# (why, title, text, expected); fields not named must be None.
PLOTS = [
    ("an episode", "女人不哭岁女孩母亲为了保护弟弟被砸死", "女人不哭第集在线观看平台腾讯视频", {}),  # BDCI
    ("a plot's characters", "",
     "看完震惊了，只是里面的人物关系让我觉得可怕。一个整容学家的妻子出车祸烧伤后死亡。", {}),  # SMP2020
    ("a drama's count still counts", "", "不是电视剧情节，昨天这个路口真的发生车祸，造成2人死亡。", {"deaths": 2}),
]


@_cases(PLOTS)
def test_a_plot_names_no_victim(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


ONE_VICTIM = [
    ("a long clause with a time of day", "",
     "昨天晚上有位外卖小哥晚上6点多在共和新路涉水被电击躺落水中不幸身亡[泪]", {"deaths": 1}),  # weibo_senti_100k
    ("the one robbed", "",
     "上午10点左右，南京发生枪击抢劫，被抢者头部中枪当场身亡，20万现金被抢。", {"deaths": 1}),  # weibo_senti_100k
    ("killing verbs joined by 、", "", "【长春杀婴案主犯是在行驶中将婴儿掐、勒死。】", {"deaths": 1}),  # weibo_senti_100k
    ("thrown to death", "男子嫌母亲唠叨将其抛下4楼摔死", "", {"deaths": 1}),  # THUCNews
    ("thrown to death, the victim named before", "", "【阿婆厕所捡婴儿 被计生干部查获后活活摔死】", {"deaths": 1}),  # CED
    ("nearly thrown to death", "", "酗酒后突然抢走街上一男子怀里7个月大的女婴，高高举过头顶后猛摔在地险些摔死。", {}),  # CED
    ("animals thrown to death", "", "因为小贩收摊慢了点，城管把小动物活活摔死，有小狗、小兔子、小乌龟和宠物鼠。", {}),  # CED
    ("the subject caused it", "", "男子唐某驾驶摩托车在中山古镇失控倒地导致朋友受伤", {}),  # BDCI
    ("a total over roads is no one", "老司机也注意公安部公布大危险路段累计造成人死亡", "", {}),  # BDCI
    ("found dead", "", "【25岁英国名媛红颜早逝 死因不明】 4月7日被发现在家中死亡，警方称她的死十分突然", {"deaths": 1}),  # weibo_senti_100k, without its #topics#
    ("found dead, plural", "", "他们被发现死在家中", {}),
    ("the one a sentence is about", "",
     "日前，北京一主妇煮饭时见蟑螂跑到煤气灶下，就拿杀虫剂对着正烧着火的煤气炉喷射，结果发生爆炸，"
     "全身85%灼伤，最终因心肺衰竭而死亡。", {"deaths": 1}),  # SMP2020
    ("others counted in that sentence", "", "一男子驾车撞倒两名行人，最终不治身亡。", {}),
    ("a killing named as a case", "", "昨天城管打死卖野菜学生事件，据说又用的是神秘武器：秤砣！", {"deaths": 1}),  # CED
    ("a kind of case that recurs", "", "城管打死小贩事件频发，谁来管管？", {}),
    ("a kind of case wished for", "", "真想打死这个小偷事件的主角", {}),
    ("a porpoise found dead", "",
     "素有“水中大熊猫”之称的长江江豚昨日在九江段蛤蟆石附近被发现死亡，身上有大面积创伤", {}),  # weibo_senti_100k
]


@_cases(ONE_VICTIM)
def test_one_victim_named_without_a_number(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


COUNT_FAR_FROM_VERB = [
    ("a relative clause between count and verb", "3名袭击联合国驻阿机构的塔利班人员被击毙", "", {"deaths": 3}),  # THUCNews
    ("the ones counted did the killing", "",
     "最后一视频，两初中生把小狗活活折磨和用鞭炮炸死！", {}),  # weibo_senti_100k
]


@_cases(COUNT_FAR_FROM_VERB)
def test_a_count_far_from_its_verb(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


INJURED = [
    ("the wound before the one wounded", "",
     "舜玉路一精神病患者把警察手指咬下来了，受伤民警和断指已送往医院。", {"injured": 1}),  # weibo2018
    ("the speaker is not the one hurt", "", "回家一看狗儿子左眼流血，赶紧去医院。医生说是眼角受伤，好玄！", {}),  # weibo_senti_100k
    ("a feeling, said", "", "心理咨询的结果是我有反社会人格和自杀倾向，宝宝表示很受伤", {}),  # SMP2020
    ("a causative before 其 names someone else", "蚌埠两男子车内吸毒被查竟开车冲撞交警致其受伤", "", {"injured": 1}),  # BDCI
    ("讨说法 is no speech", "【卡宴撞孕妇 丈夫讨说法被撞死】", "", {"deaths": 1}),  # weibo_senti_100k
]


@_cases(INJURED)
def test_injured_named_without_a_number(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# A clause that ends on a death reports one, whoever is named and however far before; the CED rows
# are original posts of the Chinese Rumor Dataset (CED part, development third of facts_ced.tsv).
CLAUSE_ENDS_ON_A_DEATH = [
    ("a number of floors in the gap", "",
     "一名女子在沈阳一宾馆8楼客房裸体坠楼身亡。事发前，她应一男子的邀请来到酒楼吃夜宵", {"deaths": 1}),  # CED
    ("a time of day in the gap", "", "【芙蓉姐姐就这么走了】芙蓉姐姐于下午13点左右在家中自杀身亡，原因不明！", {"deaths": 1}),  # CED
    ("the clause has no subject of its own", "",
     "四川省达州万源17岁在校学生把自己捡的野山菌拿到街上来卖，遭到城管殴打，送到医院抢救无效死亡。", {"deaths": 1}),  # CED
    ("去世 with its cause", "",
     "尼古拉斯·凯奇（Nicolas Cage,1964年1月7日－2013年1月17日）因滑雪事故去世[蜡烛]", {"deaths": 1}),  # CED
    ("plural words far back in the sentence do not count", "",
     "《变脸》《天使之城》这些都成了记忆，刚才消息：偶像尼古拉斯·凯奇于美时1月17日滑雪意外丧生，", {"deaths": 1}),  # CED
    ("a pilot", "", "一架歼-8飞机在夜间飞行训练时失事，飞行员牺牲，地面无人员伤亡。", {"deaths": 1}),  # CED (the ground's zero is not the crew's)
    ("去世 of an illness", "", "台独教父李登辉今天凌晨在其家中因心脏病复发抢救无效死亡。", {}),  # CED
    ("离世 with its cause, as 去世", "", "外卖小哥送餐途中遭遇车祸不幸离世", {"deaths": 1}),  # written
    ("离世 with no cause", "", "老艺术家于昨日在北京离世，享年92岁。", {}),  # written
    ("a rumour of a death is no cause of it", "", "台湾歌星再被传去世，好友称联系不上", {}),  # written (离世 alike)
    ("no vital signs, as a rescue's bulletin says", "", "被困男子被救出时已无生命体征", {"deaths": 1}),  # written
    ("no vital signs, found by the doctors", "", "120到场确认该男子已无生命体征", {"deaths": 1}),  # written
    ("a virus", "", "冠状病毒“56℃，30分钟，就死亡了。", {}),  # SMP2020
    ("an animal in an earlier clause", "", "海豚送医后，由于呛水严重于昨晚12点死亡。", {}),  # weibo_senti_100k
    ("death as a noun", "", "鼻塞喉咙痛牙痛耳朵痛后脑痛我选择死亡", {}),  # SMP2020
    ("a rate", "", "最初一批患者中68%已经出院，15%已经死亡。", {}),  # SMP2020
    ("a curse", "", "贱人！希望你出门遭车撞死[鄙视]", {}),  # weibo2018
    ("a dream", "", "特别爱记录自己的梦，梦到躲仇家，躲进朋友家柜子里，结果还是被找到杀害。", {}),  # SMP2020
    ("counted in the sentence", "", "震惊！5个流浪儿童一起被冻死！", {}),  # weibo_senti_100k (how many is the count's)
    ("a hyperbole in the first person", "", "我快猝死了。大家新闻见了。", {}),  # weibo_senti_100k
]


@_cases(CLAUSE_ENDS_ON_A_DEATH)
def test_a_clause_that_ends_on_a_death(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# Two people who died together, named one by one: a mother who jumps with her baby (CED: "2 where the
# text says both died"), two people joined by 及/和 before one death verb.
BOTH_DIED = [
    ("two named one each, one verb", "",
     "宁波妇儿医院今天下午1点48分，一妇女及一婴儿在住院楼跳楼，后抢救无效死亡。", {"deaths": 2}),  # CED
    ("a mother jumps with her baby", "",
     "一妇女因小孩病重，又负担不起昂贵的医疗费，带着仅四个月的宝宝从12楼跳楼身亡。", {"deaths": 2}),  # CED
    ("the child was saved", "", "一名女子抱着孩子跳楼身亡，孩子被救起后送医。", {"deaths": 1}),
    ("nearly", "", "女子抱着孩子险些跳楼身亡，被民警拉住。", {}),
    ("one of the two named again", "", "一男子和一女子发生争执，男子跳楼身亡。", {"deaths": 1}),
    ("one of the two, counted", "", "一男子和一女子在河边散步，其中一人不慎落水溺亡。", {"deaths": 1}),
    ("an animal", "", "一男子带着小狗跳河，小狗溺亡。", {}),
    ("a relative who also died", "【学生工疲劳死 其父又被打死】", "", {"deaths": 2}),  # CED
    ("a relative who also died, in a post", "", "女儿溺水身亡，其母也跳河身亡。", {"deaths": 2}),
    ("a relative killed after a beating", "男子被打 其父又被打死", "", {"deaths": 1}),
    ("a relative who nearly died too", "", "女儿溺水身亡，其母也险些丧命。", {"deaths": 1}),
    ("a pair with the shots they took", "", "最终可怜的父女俩身中300多枪身亡。", {"deaths": 2}),  # CED
    ("a pair, one of them died", "", "母子俩身中17刀，母亲身亡。", {"deaths": 1}),
    ("a pair, nearly", "", "夫妻俩身中3枪险些丧命。", {}),
    ("parents, swept away together", "男子父母被卷至百米高空后遇难", "", {"deaths": 2}),  # hot2
    ("parents who heard of a death", "", "父母得知儿子遇难后赶到现场。", {"deaths": 1}),
    ("two joined by 和", "", "老人和孙子在洪水中遇难。", {"deaths": 2}),
    ("two joined by 和, one drowned", "", "男子和朋友喝酒后溺亡。", {"deaths": 1}),
]


@_cases(BOTH_DIED)
def test_two_who_died_together(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# Words that look like a death and report none: an idiom, a kind of thing that can kill, a class of
# accidents by their toll, an indefinite 某.
NO_DEATH = [
    ("an idiom", "", "在无可奈何之际，他自沉于汨罗江中，以明其忠贞爱国之怀，虽九死而无悔矣！", {}),  # CED
    ("a count in a headline", "车祸致九死三伤", "", {"deaths": 9, "injured": 3}),
    ("what a thing can do", "", "普京随后回应称“致人死亡的黄瓜听上去实在不怎么样”", {}),  # CED
    ("a case named by what was done", "醉驾致人死亡的司机被判刑", "", {"deaths": 1}),
    ("accidents classed by their toll", "",
     "统计资料显示，近年发生的导致10人以上死亡的重特大交通事故中，超长途汽车客运事故占很大比例。", {}),  # CED
    ("a toll with 以上", "", "事故已造成10人以上死亡。", {"deaths": 10}),
    ("某些 is no surname", "", "菲律宾和德国牲畜食用某些种类的转基因玉米后死亡了。", {}),  # CED
    ("a surname with 某", "", "被害人王某被刺身亡。", {"deaths": 1}),
]


@_cases(NO_DEATH)
def test_words_that_report_no_death(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# 当年 before what it qualifies ("当年那道光", the hero of a childhood) names a thing remembered, not
# the time of the death that follows; 当年 before a day or an event is another time.
THEN_QUALIFIES = [
    ("the hero remembered, his death today", "",
     "当年那道光 长野博(真角大古） 2013 4.25因车祸去世了，童年里的那位英雄那道光。", {"deaths": 1}),  # CED
    ("the girl remembered", "", "当年的女孩昨天在家中自杀身亡。", {"deaths": 1}),
    ("on that day years ago", "", "当年的今天，一名男子在这里因车祸身亡。", {}),
    ("an accident of those years", "", "当年那起车祸中，司机当场死亡。", {}),
]


@_cases(THEN_QUALIFIES)
def test_then_before_what_it_qualifies(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# A #topic# is someone else's headline: its counts are not the post's, but one person's death by its
# cause, when the post's own words state none, is the news the post relays.
TOPIC_DEATH = [
    ("one named person's death by a cause", "【 #尼古拉斯•凯奇因滑雪意外事故死亡#】[蜡烛]  @新浪娱乐", {"deaths": 1}),  # CED
    ("killed, passive", "#女大学生被出租车司机杀害# 太可怕了，大家晚上出门小心", {"deaths": 1}),
    ("a count in a topic is the topic's", "#新型肺炎已致湖北17人死亡# 大家出门一定戴好口罩", {}),
    ("two in a topic", "#兄弟俩溺水身亡# 暑假看好孩子", {}),
    ("an illness", "#著名歌手因病去世# 一路走好", {}),
    ("no cause", "#某明星去世# 一路走好", {}),
    ("an animal", "#大熊猫被车撞死# 心疼", {}),
    ("the post denies it", "#尼古拉斯•凯奇因滑雪意外事故死亡# 经核实，此消息系谣言", {}),
    ("the post doubts it", "#尼古拉斯•凯奇因滑雪意外事故死亡# 真的假的？", {}),
    ("a drama's plot", "#男主角车祸身亡# 这部电视剧的大结局太虐了", {}),
    ("the post's own words win", "#男子车祸身亡# 事故已造成2人死亡", {"deaths": 2}),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in TOPIC_DEATH], ids=[c[0] for c in TOPIC_DEATH])
def test_a_topic_stating_one_death(text: str, expected: dict[str, float]) -> None:
    facts = own_facts("", text, extract_facts(text, None), post=True)
    assert {f: getattr(facts, f) for f in FIELDS if getattr(facts, f) is not None} == expected


# A body found is a death: one, when the clause counts no more (a count of bodies wins).
BODY_FOUND = [
    ("found after days missing", "",
     "【男生失踪9天后遗体被发现只剩骨架】据报道黄埔石化中学初一2班周小龙离奇失踪9天后终于被找到。"
     "遗体在他回家路边的小山包上被发现，仅剩骨架及一点残留的头发。", {"deaths": 1}),  # CED
    ("found by the police", "", "9月24日，失踪儿童徐妙语的遗体被警方找到，该儿童是被其母亲投入村边机井内。", {"deaths": 1}),  # SMP2020
    ("found, the body after the verb", "", "搜救队员今天上午在河道下游找到了他的遗体。", {"deaths": 1}),
    ("a count of bodies wins", "", "救援人员在废墟中发现3具遗体。", {"deaths": 3}),
    ("the bodies of two", "", "利特祖父母的遗体被发现时在家中用被子盖着。", {}),  # weibo_senti_100k
    ("victims' bodies, how many not said", "", "遇难者遗体已被找到，正在进行DNA比对。", {}),
    ("not yet found", "", "落水男子的遗体至今仍未被找到。", {}),
    ("an animal", "", "一只江豚的尸体在江边被发现。", {}),
]


@_cases(BODY_FOUND)
def test_a_body_found(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# Deaths that are no case of the news: a class of victims blamed (害死 before a bare class of people),
# a toll blamed (害死了N), a war's or an era's toll (a million or more), a text that says it is made up,
# and a count of those who killed (an active killing verb with its object after it).
NO_CASE = [
    ("a class of victims blamed", "", "现在的广告害死小学生 [衰]", {}),  # CED
    ("a class of victims blamed, in a question", "",
     "记者又问：“既然如此为何没人对四川地震豆腐渣工程害死儿童的负责？”", {}),  # CED
    ("a determined victim", "", "男子酒后害死了自己的女儿", {"deaths": 1}),
    ("a class of victims", "", "很多中层都是只管自己，害死员工和企业[衰]", {}),  # weibo_senti_100k
    ("a legend's toll", "",
     "这条蛇是世界上最长的一条，巨大蛇害死了320游客和125埃及潜水员，八名埃及潜水员合作杀害了红海巨蛇！", {}),  # CED
    ("a war's toll", "", "同理，打伊拉克致使上百万人死亡，我也不是故意的，乃是误信萨达姆情报导致的结果。", {}),  # CED
    ("a made-up story", "",
     "【未经证实消息：因本拉登被击毙，央行决定延迟加息时间】原本决定今晚宣布加息0.25%。（以上纯属杜撰，不得传播）", {}),  # CED
    ("the ones counted killed", "", "相当于一人杀死三只麻雀！", {}),  # weibo_senti_100k
    ("the ones counted were killed", "", "3名村民被歹徒杀害。", {"deaths": 3}),
    ("the ones counted died where", "", "2名工人砸死在工地上。", {"deaths": 2}),
    ("killed a count", "派出所副所长驾车撞死2人逃逸", "", {"deaths": 2}),  # THUCNews
    ("a kind of case that happens again", "",
     "【 怒！摔死女童惨剧又在河南重演】河南林州一民警，酗酒后突然抢走街上一男子怀里7个月大的女婴，"
     "高高举过头顶后猛摔在地。目前女婴已住院。", {}),  # CED
    ("a case, once", "", "【男子摔死女童惨剧】昨天下午，一男子将邻居女童摔死。", {"deaths": 1}),
]


@_cases(NO_CASE)
def test_deaths_that_are_no_case(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# A death verb as a clause of its own ends the story its sentence told, when that story tells a cause.
DEATH_ALONE = [
    ("after a hospital", "",
     "半个小时后家人找到女孩，内脏被挖，送往淮南某医院，拒绝接收，送往合肥某医院，死亡…", {"deaths": 1}),  # CED
    ("after a wound", "", "受伤后，他被独自留在工作多年的公交上，流干了血，去世。", {"deaths": 1}),  # CED
    ("no cause told", "", "老人晚年独居乡下，去世。", {}),
    ("an illness", "", "他被查出肝癌，送往医院，去世。", {}),
    ("counted", "", "两名工人被砸中，送往医院，死亡。", {}),
    ("an animal", "", "小狗被车撞了，送往医院，死亡。", {}),
]


@_cases(DEATH_ALONE)
def test_a_death_verb_as_a_clause_of_its_own(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# 摔死 ending its clause after a fall: the subject fell to death. Words that hold an animal's character
# and name none (钓鱼, 钓鱼岛, 熊孩子) do not make the one who died an animal.
FELL_TO_DEATH = [
    ("fell from a cliff, beside 钓鱼岛", "",
     "国有购买钓鱼岛发起者石原慎太郎－－不是他－－是他儿子石原延启，今上午不慎爬山坠崖摔死，", {"deaths": 1}),  # CED
    ("fell from a building", "", "一名工人从楼上掉下来摔死了。", {"deaths": 1}),
    ("a hard fall", "", "妈蛋。今天骑电瓶车摔死了。", {}),  # SMP2020
    ("a cat fell", "", "邻居家的猫从阳台跳下摔死了。", {}),
    ("drowned while fishing", "", "一男子在水库边钓鱼时不慎落水溺亡。", {"deaths": 1}),
]


@_cases(FELL_TO_DEATH)
def test_fell_to_death(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# The news of a death ("听到他因滑雪去世的消息") is no screen story, whatever film is named beside it; 去世
# 因 a cause that is no illness counts; an illness that kills on the spot is a sudden death, as 猝死 is.
NEWS_OF_A_DEATH = [
    ("the news of a death beside a film", "",
     "今天上午刚温习了一遍老电影《空中监狱》，尼古拉斯·凯奇是我少年时期的电影明星偶像之一，"
     "晚上听到他因滑雪去世的消息而扼腕悲痛。", {"deaths": 1}),  # CED
    ("a death on screen", "", "昨晚看电影，男主角因车祸去世，哭死我了。", {}),
    ("the news of an illness", "", "听到他因肺炎去世的消息，很难过。", {}),
    ("a cat's death in the news", "", "这只小猫是图书馆馆长。今天它被杀害的消息激怒了学子们。", {}),  # weibo_senti_100k
    ("an illness on the spot", "",
     "结果张峻一语成谶，当场心脏病发去世。", {"deaths": 1}),  # CED
    ("on the spot, a curse", "", "妈的，吃野味的当场去世[怒]", {}),  # SMP2020
    ("an illness, not sudden", "", "他因心脏病去世，享年80岁。", {}),
]


@_cases(NEWS_OF_A_DEATH)
def test_the_news_of_a_death(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# A death behind a grievance pursued for years is its background, not news.
GRIEVANCE = [
    ("a killing behind years of appeals", "",
     "洛阳一名约50岁女子站在法院的车上大喊“苍天啊”。据说该女子弟弟被法院人员杀害，上诉多年，但是多部门一直推诿扯皮。", {}),  # CED
    ("a killing, then an appeal", "", "昨天她的弟弟被人杀害，家属已向法院上诉。", {"deaths": 1}),
]


@_cases(GRIEVANCE)
def test_a_death_behind_a_grievance(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# Hot-search topics of 2025-2026, read alone as headlines (the archive outside the shared data).
HEADLINES_ALONE = [
    ("the accident before 去世", "演员凯莉霍特尔车祸去世", "", {"deaths": 1}),  # hot2
    ("遭 and 遇 an accident", "老人卖菜获博主帮助后遇车祸去世", "", {"deaths": 1}),  # hot2
    ("a fall before 遇难", "大年初五8岁男童虎跳峡坠崖遇难", "", {"deaths": 1}),  # hot2
    ("poisoning before 离世", "单亲爸爸打铁花成网红中毒离世", "", {"deaths": 1, "poisoned": 1}),  # hot2
    ("a counted fall still counts", "3名游客坠崖遇难", "", {"deaths": 3}),
    ("a rate is no death", "今年车祸死亡率明显下降", "", {}),
    ("a body found, in a headline", "陕西11岁失联男孩遗体被发现", "", {"deaths": 1}),  # hot2
    ("a body already found", "在德失联23岁中国留学生遗体已找到", "", {"deaths": 1}),  # hot2
    ("bodies counted", "3名失联游客遗体被发现", "", {"deaths": 3}),
    ("N死M失联", "洪灾已致广西39死9失联", "", {"deaths": 39, "missing": 9}),  # hot2
    ("a death threat", "Faker奶奶被死亡威胁", "", {}),  # hot2
    ("killing a match", "林允杀死比赛", "", {}),  # hot2
    ("killing one's own mood", "这段话杀死了我的精神内耗", "", {}),  # hot2
    ("a rhetorical who", "谁杀死了驾校", "", {}),  # hot2
    ("killing a neighbour", "男子杀死邻居后自首", "", {"deaths": 1}),
    ("wounding my ex-husband is a wound", "交警包庇开车撞伤我的前夫", "", {"injured": 1}),
    ("the killers counted, then the killed", "印度4名少年砍死1人被游街示众", "", {"deaths": 1}),  # hot2
    ("the killed counted after a passive", "5人被砍死", "", {"deaths": 5}),
    ("children counted without a classifier", "母亲阳台烧香起火致2子女身亡", "", {"deaths": 2}),  # hot2
    ("the case of one named by age", "13岁脑瘫女孩留遗书跳楼坠亡案后续", "", {"deaths": 1}),  # hot2
    ("a kind of case, though aged", "3岁男童坠亡事件频发", "", {}),
    ("而亡 after what caused it", "男子离奇中毒送医后多脏器衰竭而亡", "", {"deaths": 1, "poisoned": 1}),  # hot2
    ("a sublandlord is not two", "二房东厨房改卧室致租客中毒身亡", "", {"deaths": 1, "poisoned": 1}),  # hot2
]

# Poisoned and dead in one phrase, and 一氧化碳 (its 一 is no numeral) between a count and its verb.
POISONED_DEAD = [
    ("poisoned, and dead", "", "警方尸检结果显示，5人系一氧化碳中毒死亡", {"deaths": 5, "poisoned": 5}),  # CED
    ("poisoned, not dead", "", "只能点火取暖，导致五位儿童一氧化碳中毒!", {"poisoned": 5}),  # CED
    ("some of the poisoned died", "", "食堂32人中毒，其中2人死亡。", {"deaths": 2, "poisoned": 32}),
    ("poisoned, and then dead", "", "5人因一氧化碳中毒而亡。", {"deaths": 5, "poisoned": 5}),
]


@_cases(HEADLINES_ALONE)
def test_a_headline_read_alone(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


# Toutiao headlines of 2018 (labels/facts_toutiao.tsv, dev rows): idioms, counts after 致死, a count
# that is the next phrase's, figures in 万, a supposed pair, 惨死.
PORTAL_HEADLINES = [
    ("打死 before a refusal", "这几种二手车，打死也不能买", "", {}),
    ("打死不…", "就喜欢有性格的宝马X3，增配不减价，打死不加长", "", {}),
    ("rather be killed", "穿着防弹衣被子弹打是什么样的体验？老兵：有时候宁愿被打死！", "", {}),
    ("a killing is still one", "男子打死别人家的狗后又打死邻居", "", {"deaths": 1}),
    ("a count after 致死", "加沙发生爆炸致死6人", "", {"deaths": 6}),
    ("the next phrase's count", "柬埔寨东北部发生中毒事件 已致6人死亡52人住院", "", {"deaths": 6, "poisoned": 58}),
    ("惨死 counted", "“惨遭报应”! 美国战机突然坠亡，9名高级军官全部惨死！", "", {"deaths": 9}),
    ("a toll in 万 is many, not one", "这些来自地狱的财富曾支撑了西班牙300年的辉煌，800万人因此丧生", "", {}),
    ("one rich man", "湖北亿万富翁天津坠楼身亡", "", {"deaths": 1}),
    ("a supposed pair", "如果父母死亡，名下的房产子女一直不去过户，会怎么样？", "", {}),
    ("an archenemy", "一不留神这款国产防空导弹已经成功出口海外：还成了红旗16死敌", "", {}),
    # Tenth round: a case named by its one victim, and 遭 as a passive.
    ("one victim's case", "警方通报空姐遇害案：嫌疑人作案后弃车跳河", "", {"deaths": 1}),
    ("one victim's case, qualified", "从东京女留学生遇害案，说说清末为何喜欢扎堆留学日本？", "", {"deaths": 1}),
    ("killed, then a case", "警方通报16岁高中生被刺死案", "", {"deaths": 1}),
    ("a counted case is counted", "两名学生遇害案开庭", "", {"deaths": 2}),
    ("a kind of case recurs", "学生溺亡案频发", "", {}),
    ("遭 … 杀害 is passive", "“春季攻势”再来 阿富汗反恐官疑遭塔利班杀害", "", {"deaths": 1}),
    ("反恐 is no fear", "民警在反恐行动中牺牲", "", {"deaths": 1}),
    ("周遭 is no passive", "周遭被杀害的人", "", {}),
    ("死亡 after what came before", "女子住院被朋友殴打昏迷数天后死亡", "", {"deaths": 1}),
    ("a rate after 后 is no death", "术后死亡率下降", "", {}),
    ("ranks listed, then the toll", "俄罗斯一架安-26运输机在叙利亚坠毁致1名少将、26名军官死亡，到底发生了什么？", "",
     {"deaths": 27}),
    ("roles listed", "事故造成3名学生、1名教师死亡，5人受伤", "", {"deaths": 4, "injured": 5}),
    ("the dead are not listed with the injured", "已造成28名群众遇难、113名群众受伤", "",
     {"deaths": 28, "injured": 113}),
]


@_cases(PORTAL_HEADLINES)
def test_portal_headlines(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected


@_cases(POISONED_DEAD)
def test_poisoned_and_dead(title: str, text: str, expected: dict[str, float]) -> None:
    assert _got(title, text) == expected
