"""The phrases reporters use for casualties, loss and magnitude, found in a title and a body.

:func:`find_mentions` returns every count phrase that belongs to the reported event (see
:mod:`sentinel.analyse.event_scope` for what does not) as a :class:`Mention`; :mod:`sentinel.analyse.facts`
chooses among them. The other finders give what is stated without a count: a zero ("尚无人员伤亡"), one
victim ("女大学生被车撞飞身亡", "将老师打成重伤"), and the loss and magnitude phrases.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sentinel.analyse.event_scope import Scope
from sentinel.analyse.numerals import NUMERAL, Quantity, parse_number

__all__ = ["Doc", "Mention", "find_hurt_singular", "find_loss", "find_magnitudes", "find_mentions",
           "find_singular", "find_topic_singular", "find_zeros", "has_trigger"]

_Q = rf"(?P<q>{NUMERAL})"
_Q2 = rf"(?P<q2>{NUMERAL})"
_CLS = r"(?:人|名|位|个|口|例|具)"
_ONE_PERSON = (
    r"小学生|中学生|初中生|高中生|大学生|研究生|留学生|学生|女生|男生|儿童|幼儿|幼童|孩童|婴儿|女婴|男婴|孩子|"
    r"男孩|女孩|男童|女童|少年|少女|青年|小伙子?|打工仔|男子|女子|妇女|孕妇|产妇|老人|老太太?|老汉|老翁|老伯|大爷|大妈|"
    r"奶奶|爷爷|司机|驾驶员|驾驶人|乘客|旅客|游客|行人|路人|骑手|环卫工人?|工人|女工|民工|农民工|员工|职工|矿工|"
    r"电工|工程师|船员|飞行员|机长|船长|乘务员|列车员|渔民|保安|老板|店主|摊主|村民|市民|居民|教师|老师|医生|护士|"
    r"护理师|患者|病人|民警|交警|辅警|"
    r"协警|特警|消防员|士兵|军人|警察|干部|官员|镇长|县长|局长|所长|校长|院长|厂长|书记|记者|编辑|主持人?|歌手|演员|"
    r"女星|男星|明星|丈夫|妻子|老公|老婆|儿子|女儿|父亲|母亲|侄子|弟弟|哥哥|姐姐|妹妹|男友|女友|情敌|新娘|"
    r"独子|嫌犯|嫌疑人|小偷|窃贼|网管|商贩|表弟|表哥|表姐|表妹|堂弟|堂哥|堂姐|堂妹|孙子|孙女|外孙|外甥|继父|继母|"
    r"岳父|岳母|公公|婆婆|儿媳|女婿|同学|同窗|舍友|室友|邻居|房东|租客|业主|"
    r"新生儿|胎儿|宝宝|小孩|农民|农妇|房主|店员|职员|保姆|厨师|快递员|外卖员|小哥|大叔|阿姨|大姐|"
    r"教授|律师|法官|村干部|村官|战士|队员|志愿者|企业家|富商|商人|企业主|被害人|受害人|主妇|名媛|"
    # the one an act was done to: "被抢者头部中枪当场身亡", "被害者", "被撞者"
    r"被[\u4e00-\u9fff]者"
)
# People a headline names one of ("女大学生被车撞飞身亡") or counts without a classifier ("32学生",
# "两路人", "两兄妹"). Sports people are left out: "姚明受伤" is not an event.
_PAIR_NOUN = r"兄妹|姐弟|兄弟|姐妹|夫妻|夫妇|母女|母子|父子|父女|祖孙|爷孙|婆孙|情侣"
_PERSON = rf"(?:{_ONE_PERSON}|{_PAIR_NOUN}|群众|师生|平民)"
_STOP = r"\s0-9０-９，,。；;！!？?、：:（）()“”\"'《》【】"
_CN_DIGITS = "零〇一二两俩三四五六七八九"
# Between the count and the verb: a few characters of the same clause; an age or a day may sit in
# it ("一名3岁男童当场死亡", "一名妇女经医治无效于6日死亡") but no other number.
_AGE_OR_DAY = r"[0-9０-９]+(?:岁|日|时|号)"
_GAP = rf"(?P<gap>(?:{_AGE_OR_DAY}|[^{_STOP}{_CN_DIGITS}]){{0,20}}?)"
# Killing verbs: "撞死", "杀死"; and the ones that kill without 死: "杀害", "枪杀", "射杀", "击毙".
# ("枪杀案", "杀害事件" name a kind of case, not a death.) Written as two character classes and a
# lookbehind that drops the pairs that are no verb: an alternation here, inside every death phrase,
# slowed the whole extraction by a tenth.
_KILL_BY = "熏炸烧砸撞压淹砍刺毒电冻困捅打轧碾勒掐踩摔枪杀害"
_KILL_WITHOUT_DEATH = ("杀害", "枪杀", "射杀", "击毙")
_KILL_VERBS = {c + "死" for c in _KILL_BY} | set(_KILL_WITHOUT_DEATH)
_NOT_KILL_VERBS = "|".join(a + b for a in _KILL_BY + "射击" for b in "死害杀毙" if a + b not in _KILL_VERBS)
_KILLED = rf"(?:[{_KILL_BY}射击][死害杀毙](?<!{_NOT_KILL_VERBS})(?!案|事件))"
_DEATH_VERB = (r"(?:死亡|身亡|遇难|罹难|丧生|丧命|殒命|命丧|毙命|遇害|殉职|牺牲|致死|不治|死于|溺亡|猝死|[坠碾压]亡|溺毙|"
               rf"{_KILLED}|没有生命体征|无生命体征|已无生命迹象|没有生命迹象|夺[走去]了?(?:宝贵的)?(?:生命|性命))")
_DEATH_NOUN = r"(?:遇难者|罹难者|死者|遗体|尸体)"
# "因重伤死亡" is a death: a wound word followed by death is left for the death verb.
_DIED = r"(?![而后]?(?:死亡|身亡|不治))"
_SERIOUS = rf"(?:(?:重伤|伤势严重|伤势较重|伤势危重|伤情严重|伤情较重|危重){_DIED})"
_LIGHT = r"(?:轻伤|伤势较轻)"
_MINOR = r"(?:轻微伤)"
_WOUNDED = r"(?:受伤|负伤|受了伤|[烧砸撞刺砍炸摔灼捅打咬烫轧碾扎割击]伤)"
# 伤者 followed by a death ("两名伤者经抢救无效死亡") are deaths, not injured.
_HURT = (rf"(?:{_WOUNDED}(?!病){_DIED}"
         r"|(?:伤者|伤员)(?![^，,。；;]{0,8}?(?:死亡|身亡|不治)))")
# Falling ill in a poisoning report: "52名学生出现呕吐症状" (counted only when the text says 中毒).
_SYMPTOM = r"(?:出现[^，,。；;]{0,14}?症状|发病)"
_MISSING = r"(?:失踪|下落不明|失联)"
_VERBS = (rf"(?P<verb>(?:由{NUMERAL}{_CLS}?)?(?:已经|已|目前|共|累计|总计|则|也|又|再|还|分别|一度)?"
          r"(?:上升|攀升|增加|增|升|达到|达|为|是|有|修正|更新|调整|核减|下调|更正)*(?:到|至|了)?(?:约)?)")
# Where a numeral can start: a lookahead on it lets the engine skip most positions at once.
_NUM_START = r"(?=[0-9０-９零〇○一二两俩三四五六七八九十百千万亿数几约近逾超上大将接不至最多])"
# Words that follow 死 in idioms and compounds, so that "N死" there is no count: 九死一生, 一死了之,
# 虽九死而无悔.
_NOT_COMPACT = r"(?![亡者刑因了神角心机守板罪囚缓于去掉活扛磕忠鬼路穴寂定命搏战党记胡而]|一生|[无不]悔)"

# Count first; one scan for every shape that starts with the number:
#   "造成3人死亡", "13名女工被毒烟熏死", "十余人受伤", "24人失踪"   count, classifier, verb
#   "12具遇难者遗体", "60名死者"                                     count, classifier, noun
#   "致6人亡", "26人伤"   one-character verb right after the classifier ("10人伤亡" is no death count)
#   "2死5伤", "两死一重伤", "3死多伤", "5死1失踪", "五死特大交通事故"  compact
_COUNT_FIRST = re.compile(
    rf"{_NUM_START}{_Q}(?:"
    rf"{_CLS}(?P<noungap>[^{_STOP}]{{0,4}}?){_DEATH_NOUN}"
    rf"|(?:{_CLS}|(?={_PERSON})){_GAP}(?:(?P<death>{_DEATH_VERB})|(?P<serious>{_SERIOUS})"
    rf"|(?P<minor>{_MINOR})|(?P<light>{_LIGHT})|(?P<hurt>{_HURT})|(?P<missing>{_MISSING})"
    rf"|(?P<poisoned>中毒)|(?P<symptom>{_SYMPTOM}))"
    rf"|[人名](?P<short>亡|死{_NOT_COMPACT}(?![伤亡]))"
    rf"|{_CLS}(?P<shorthurt>伤)(?![亡者势心员病情口])"
    # "夺走12条生命" (the verb is checked in code: "挽救了12条生命" is the opposite)
    r"|[条个](?P<lives>(?:鲜活的?)?(?:生命|人命))"
    rf"|(?P<compact>死)(?:[，,、]?{_Q2}[人名]?(?P<q2kind>重伤|轻伤|受伤|伤|失踪)(?![亡者势心员病情])|{_NOT_COMPACT})"
    r")"
)
# Word then count: "死亡人数上升至十三人", "重伤5人", "撞死1人", "失踪失联人员39名", "中毒人数为308人".
# The count must not open the next phrase: in "5人死亡18人受伤" the 18 belongs to 受伤.
_BEFORE = re.compile(
    rf"(?:(?P<death>死亡|遇难|罹难|丧生|死者|{_KILLED})|(?P<serious>重伤)|(?P<light>轻伤)|(?P<minor>轻微伤)"
    r"|(?P<hurt>受伤|伤者|伤员|[撞砸炸烧砍刺打捅咬轧碾]伤|(?<=[，,、])伤(?=[0-9０-９]))|(?P<missing>失踪(?:失联)?|下落不明|失联)"
    r"|(?P<poisoned>中毒(?:症状)?(?:的)?))"
    rf"(?P<noun>人数|者|人员|学生|员工|患者|病人)?{_VERBS}(?:一家)?{_Q}(?P<cls>{_CLS}|(?={_PERSON}))?"
    r"(?!多?月|小时|星期|多?天|年)"  # "失联一个月" is a duration
)
# After a predicate ("5人死亡18人受伤") a bare count opens the next phrase; after a transitive verb
# ("撞死1人后再撞伤3人") it is the verb's object.
_NEXT_PHRASE = re.compile(r"[^，,。；;、\s]{0,6}?(?:伤|死|亡|遇难|失踪|中毒|下落不明)")
_TRANSITIVE = re.compile(rf"^(?:[撞砸炸烧砍刺毒打捅咬轧碾勒掐踩枪杀害][死伤]|{'|'.join(_KILL_WITHOUT_DEATH)})$")
# The shots or stabs a victim took, between the victim and the verb: "父女俩身中300多枪身亡".
_WOUNDS_COUNTED = r"[0-9０-９]+[多余]?[枪刀弹处]"
# Two killed without a number: "母女俩被捅死", "州长夫妇遇空难身亡", "父亲相救双双身亡", "烧死母亲和妹妹".
_PAIR = re.compile(
    rf"(?:{_PAIR_NOUN}|小两口|老两口|两口子|一儿一女|一子一女|一男一女)(?:俩|二人|两人)?"
    rf"(?P<gap>(?:{_WOUNDS_COUNTED}|[^{_STOP}]){{0,12}}?){_DEATH_VERB}"
    rf"|双双[^{_STOP}]{{0,4}}?{_DEATH_VERB}"
    rf"|{_KILLED}了?[^{_STOP}{_CN_DIGITS}]{{0,4}}?(?:{_PAIR_NOUN})"
)
_COUNTED_PAIR = re.compile(r"[三四五六七八九十几多数]$")
# Several killed, named one by one: "烧死母亲和妹妹" (2), "杀死妻子及岳父母" (3).
_TWO_PEOPLE = rf"岳父母|父母|公婆|双亲|{_PAIR_NOUN}"
_KIN = rf"[^{_STOP}{_CN_DIGITS}]{{0,3}}?(?:{_TWO_PEOPLE}|{_ONE_PERSON})"
_NAMED_VICTIMS = re.compile(rf"{_KILLED}了?(?P<victims>{_KIN}(?:(?:和|与|及|、){_KIN}){{1,3}})")
_VICTIM = re.compile(rf"(?P<two>{_TWO_PEOPLE})|{_ONE_PERSON}")
# Loss in yuan; foreign currencies are left alone, compensation ("获赔损失") is not a loss, and a bare
# 损失 (not 经济/财产/直接) needs 元: "损失百万" is a career's price, "损失约6亿" may be any currency.
_LOSS = re.compile(
    r"(?<![赔挽])(?:(?:直接)?(?:经济|财产)损失(?:[^，。；\d０-９]{0,6}?)"
    rf"(?P<q>{NUMERAL})(?:元|人民币|(?<=[万亿])(?![欧美英日韩港澳台卢泰新]))"
    rf"|损失(?:[^，。；\d０-９]{{0,6}}?)(?P<qb>{NUMERAL})(?:元|人民币))"
    rf"|(?P<qa>{NUMERAL})元(?:人民币)?(?:的)?(?:直接)?(?:经济|财产)损失"
)
_MAGNITUDE = re.compile(
    rf"(?P<pre>里氏|震级为?|[MＭ][SsLlＳｓ]?\s?)?(?P<q>{NUMERAL})级(?:左右)?"
    r"(?P<post>(?:以上)?(?:强|大|浅源)?(?:地震|强震|余震))?"
)
_ZERO = re.compile(
    r"(?:无|没有|未|尚无|暂无|并无|未有)(?:造成|出现|发生|收到|接到|有|引起|导致)?"
    r"(?P<gap>[^，,。；;！？、]{0,8}?)(?:人员|人)(?:均)?(?P<what>伤亡|死伤|死亡|遇难)"
    r"|(?:零|人员无)(?P<what2>伤亡|死伤|死亡)"
    r"|(?<!有)(?:暂无|尚无|并无|没有|未有|无|未造成|未发生|未出现)(?P<what3>伤亡|死伤|死亡)"
    # an epidemic's bulletin: "无重症病例、死亡病例和出院病例", "死亡病例0例"
    r"|(?:无|暂无|尚无|没有)(?:[^，,。；;！？]{0,8}?、)?(?P<what4>死亡)病例|(?P<what5>死亡)病例(?:为)?[0０零]例"
)
# "尚未确认人员伤亡" is not "no casualties"; "无中方人员伤亡" speaks of a subgroup only.
_ZERO_GAP_BAD = re.compile(r"法|确认|统计|核实|清楚|了解|查明|掌握|得知|公布|透露|评估|其他|其余|另外|中方|中国|华人|新增"
                           r"|致|使|令|让|把|将|被|证")
# One victim named without a number: "司机当场死亡", "女大学生被车撞飞身亡", "刺死老师", "致其死亡"; a
# surname with 某 ("王某"), not 某些/某种/某类 ("食用某些种类的玉米后死亡").
_ONE = rf"(?:{_ONE_PERSON}|[\u4e00-\u9fff]某某?(?![些种类])|(?<=[致使令将把])(?:其|对方)|(?<=致)人)"
# A gap may hold a measure ("被车撞飞10米", "跳下5楼", "遭两辆公交车夹击") but no other count.
_MEASURE = (r"(?:[0-9０-９]+|[一二两三四五六七八九十]+)(?:岁|旬|日|时|号|点多?|点半|米|层|楼|刀|天|小时|分钟|个月|辆|车|双|次|年|月|后|吨|斤|公斤|公里)"
            r"|[高初大研][一二三四五六]")
# Killing verbs joined by 、 share the victim: "将婴儿掐、勒死".
_JOINED_VERB = rf"[{_KILL_BY}]、(?=[{_KILL_BY}])"
_ONE_GAP = rf"(?:{_MEASURE}|{_JOINED_VERB}|[A-Za-z][A-Za-z0-9]*|[^{_STOP}{_CN_DIGITS}]){{0,20}}?"
_OBJECT_GAP = rf"(?:{_MEASURE}|[^{_STOP}{_CN_DIGITS}]){{0,4}}?"
# Two people named one each, then one death verb for both, later in the sentence: "一妇女及一婴儿在住院楼
# 跳楼，后抢救无效死亡" (2). Whoever the gap names or counts ("其中一人", "婴儿获救") died alone, if at all.
_A_PERSON = rf"一(?<![0-9０-９{_CN_DIGITS}十]一)(?:名|位|个)?(?:{_ONE_PERSON})"
_BOTH_NAMED = re.compile(rf"{_A_PERSON}(?:及|和|与|、|同)(?:{_A_PERSON})(?P<gap>[^。！？!?]{{0,24}}?)"
                         r"(?:死亡|身亡|遇难|罹难|丧生|殒命|丧命|溺亡|坠亡)")
# A parent who jumps with a child, both dead where the verb ends it: "带着仅四个月的宝宝从12楼跳楼身亡" (2).
_CHILD = r"宝宝|孩子|小孩|婴儿|女婴|男婴|幼子|幼女|女儿|儿子"
_JUMP = r"跳楼|跳河|跳江|跳湖|跳海|跳崖|跳井|跳水|跳下|投河|投江|投湖|卧轨|坠楼"
_WITH_CHILD = re.compile(rf"[带抱携]着?(?P<gap>{_OBJECT_GAP})(?:{_CHILD})"
                         rf"[^。！？!?，,]{{0,10}}?(?:{_JUMP})[^。！？!?，,]{{0,4}}?(?:身亡|死亡|溺亡|坠亡)")
# A relative of one who died, who "also" died: "学生工疲劳死 其父又被打死" (2, with a death before it).
_KIN_ALSO_DIED = re.compile(rf"其(?:父亲?|母亲?|妻子?|丈夫|儿子|女儿|子|女|兄|弟|姐|妹|家人)(?:又|也|亦)"
                            rf"(?P<gap>[^{_STOP}]{{0,8}}?){_DEATH_VERB}")
_DEATH_BEFORE = re.compile(r"死|亡|遇害|遇难|丧生|毙|杀害")
# One of them lived: "孩子被救起", "婴儿幸存".
_SURVIVED = re.compile(r"获救|生还|幸存|幸免|被救|救起|救上|脱险|无恙|活了下来|抢救过来|保住")
_SINGULAR = re.compile(
    rf"{_ONE}(?P<gap>{_ONE_GAP})(?P<v>死亡|身亡|丧生|遇难|殒命|遇害|溺亡|丧命|殉职|牺牲|不治|命丧|毙命|致死|猝死|[坠碾压]亡|溺毙|{_KILLED})(?!者|线|题)"  # (死亡线, 遇难题 are idioms)
    rf"|{_KILLED}了?(?P<gap2>{_OBJECT_GAP})(?:{_ONE_PERSON})"
    # the verb before the victim: "丧生的复旦大学学生黄某", "殉职女干部王秋婷"
    rf"|(?:身亡|丧生|遇难(?!题)|遇害|殉职|牺牲|溺亡|坠亡|猝死)的?(?P<gap3>(?:{_MEASURE}|[^{_STOP}{_CN_DIGITS}]){{0,6}}?)(?:{_ONE_PERSON}|[\u4e00-\u9fff]某)"
    # found dead, the one found named before: "（名媛）4月7日被发现在家中死亡"
    rf"|被发现(?P<gap4>(?:{_MEASURE}|[^{_STOP}{_CN_DIGITS}]){{0,8}}?)(?:死亡|身亡)"
)
_HURT_SINGULAR = re.compile(
    rf"{_ONE}(?P<gap>{_ONE_GAP})(?P<v>受了?重伤|受了?轻伤|{_WOUNDED}|重伤|轻伤)(?![而后]?(?:致死|死亡|身亡|不治)|者)"
    rf"|[撞砍刺捅打咬烫砸烧轧碾扎割]伤(?P<gap2>{_OBJECT_GAP})(?:{_ONE_PERSON})"
    # the wound before the one wounded: "受伤民警已送往医院"
    rf"|受伤的?(?P<gap3>{_OBJECT_GAP})(?:{_ONE_PERSON})"
)
# Where a one-victim phrase can be: around its verb, within a subject, a gap and an object.
_DEATH_ANCHOR = re.compile(rf"死|亡|遇难|殒命|遇害|丧命|丧生|殉职|牺牲|不治|毙|{'|'.join(_KILL_WITHOUT_DEATH)}")
_HURT_ANCHOR = re.compile(r"伤")
_WINDOW = 40  # beyond the longest subject, gap and verb the pattern allows
# A transitive verb after its subject ("男子酒后扎伤舍友", "女孩杀死表弟") names the attacker, unless passive.
_TRANSITIVE_VERB = re.compile(r"^[撞砍刺捅打咬砸扎割击轧碾勒掐杀害枪射踩毒电]")
_PASSIVE = re.compile(r"被|遭")
# The victim is a type, not a person: "学生溺亡事故", "坠楼死亡事件".
_GENERIC_AFTER = re.compile(r"事故|事件|案|率|人数|现象|问题|风险|几率|概率|隐患|原因")
# A killing named with its victim is one case ("城管打死卖野菜学生事件"), unless said to recur.
_ONE_CASE_AFTER = re.compile(r"(?:事件|案)(?![^，,。；;！？!?]{0,4}?(?:频|屡|多|不断|时有|再|又|一再))")
# A headline's death verb with no count and no plural names one death, whoever died: "湖北亿万富翁天津坠楼
# 身亡", "军校生不满队长恶言跳楼身亡". (遇难, 死亡 and 牺牲 are left out: "乘客全部遇难", "死亡威胁".)
# 牺牲 ends its clause there ("23岁战士执行任务时不幸牺牲"; "牺牲形象" is no death); 弑父 kills one.
_HEADLINE_DEATH = re.compile(rf"身亡|遇害|殒命|溺亡|丧生|殉职|丧命|命丧|毙命|猝死|[坠碾]亡|(?<=毒)亡|致死|牺牲(?=$|后|续)"
                             rf"|弑(?:父|母|兄|弟|妻|夫|师)(?![母亲])|被[^{_STOP}]{{0,8}}?(?P<passive>{_KILLED}|杀害)")
# Or it kills one: "16岁辍学少年因琐事捅死同窗" (the object is named right after the verb).
_CLAUSE_CHARS = rf"[^{_STOP.replace('0-9０-９', '')}]"  # numbers stay inside: "杀死44岁情夫"
_CLAUSE = re.compile(rf"{_CLAUSE_CHARS}+")
# (一 alone counts one: "一个动作失误滑落河中溺亡" is one death; 一家, 一群, 一对 are caught by their nouns.)
# Numerals count people only with a people's classifier or a person ("数条生命", "两只船" are not people).
# A count above one ("3", "两", "十几", "多"): 一 alone counts one.
_MANY = rf"[0-9０-９{_CN_DIGITS.replace('一', '')}十百千多数几]+"
_PLURAL_CLAUSE = re.compile(rf"{_MANY}(?:[名人位口具]|个?(?={_PERSON}))"
                            r"|[群些对]|们|等|均|都|全部|纷纷|先后|相继|分别|一家|双双|多少")
_HEADLINE_KILLS_DEATH = re.compile(rf"(?P<v>{_KILLED})了?(?P<obj>(?:{_MEASURE}|[^{_STOP}]){{1,6}})")
_HEADLINE_WOUNDS = re.compile(rf"(?P<v>[撞砍刺捅打咬砸扎击烧烫割]伤)(?![而后]?(?:致死|死亡|身亡|不治))了?"
                              rf"(?P<obj>(?:{_MEASURE}|[^{_STOP}]){{1,6}})")
_MEASURE_RE = re.compile(_MEASURE)
# Several people, not one: "多名村民", "学生们", "两人都".
_PLURAL_BEFORE = re.compile(rf"(?:[0-9０-９{_CN_DIGITS.replace('一', '')}十百千万多数几群些对]|(?<!一)[名位个])$")  # "一男子" is one
_PLURAL_GAP = re.compile(rf"们|等|多|数|群|家|俩|双双|都|均|全部|全体|所有|纷纷|先后|相继|分别|一起|一家|累计|共计|总计"
                         rf"|(?:及|和|与|、)(?:{_ONE_PERSON}|{_PAIR_NOUN}|[\u4e00-\u9fff]某)")
_NEGATORS = re.compile(r"未|没|险|差点|幸免|免于|避免|防止|担心|恐|可能|或将|或被|或者|是否|想|要|欲|企图|威胁|称要|"
                       r"如果|万一|立誓|扬言|发誓|活该")
# Words that hold a negator's character without negating anything: "3人在恐怖袭击中死亡", "未婚夫自缢
# 身亡", "一名未成年人溺水身亡", "为索要钱财勒死女开发商", "遇险渔民", "被洪水淹没".
_NOT_NEGATING = re.compile(r"未婚|未成年|未满|未来|未知|没收|[淹埋吞出湮]没|[遇脱抢涉保风危冒探]险|险情|恐怖|惊恐|恐慌|"
                           r"可能性|[思理感梦]想|想到|要求|[需重主只索讨]要|要[账债钱犯案员害道]|欲望")
# The count is the attackers, not the victims: "七名歹徒抢劫网吧遭拒刺伤网管".
_PERPETRATORS = re.compile(r"歹徒|凶手|嫌疑|暴徒|恐怖分子|武装分子|匪徒|劫匪|枪手")
_NEGATED_BEFORE = re.compile(r"(?:无|没有|未有|并无)$")
# "每10万人中有1人死亡", "每33个人就会有一人死亡", "称每次射杀N人": a rate or a threat, not a count.
_RATE = re.compile(r"每(?:[0-9０-９一二两三四五六七八九十百千万]|次|个|位|名)")
# "人终有一死", "难逃一死", "求一死": fate, not a count.
_FATE_BEFORE = ("有", "逃", "求")
# "确诊440例死亡9例": a count right after another noun or verb is that word's, not the next verb's.
_OTHER_COUNT_BEFORE = re.compile(r"(?:确诊|感染|疑似|病例|阳性|治愈|出院)$")
_TOOK_LIVES = re.compile(r"夺走|夺去|吞噬|带走|葬送|失去|造成")
# "239个鲜活的生命，154名同胞就此消逝": the lives counted are lost later in the sentence.
_LIVES_LOST = re.compile(r"[^。！？!?]{0,16}?(?:消逝|逝去|陨落|离去|罹难|遇难)")
# No single event of the news has killed a million people: a toll that large is a war's or an era's.
_WAR_TOLL = 1_000_000
_CORRECTION = re.compile(r"修正|更正|核减|下调|调整")
_REVISED = re.compile(r"(?:修正|上调|下调|调整|修订|更正)[为至到]$")
_SPOT = re.compile(r"当场|现场")
_LATER = re.compile(r"抢救无效|不治|送医|送往医院|途中|医院|伤重")
_TRIGGER = re.compile(r"死|亡|弑|遇难|罹难|丧|伤|里氏|失踪|下落不明|失联|中毒|损失|震|遗体|尸体|殒命|殉职|牺牲|生命|性命|人命|毙|症状|发病|遇害|去世")
# The killing verbs without 死 ("杀害", "枪杀"), tested only in a text holding 杀: one more alternative in
# _TRIGGER costs every text a slower scan.
_KILL_TRIGGER = re.compile("|".join(verb for verb in _KILL_WITHOUT_DEATH if "杀" in verb))
_KINDS = ("death", "serious", "minor", "light", "hurt", "missing", "poisoned", "symptom")
_Q2_KIND = {"重伤": "serious", "轻伤": "hurt", "受伤": "hurt", "伤": "hurt", "失踪": "missing"}


@dataclass(frozen=True, slots=True)
class Mention:
    """One stated figure: its kind, its quantity, where it stands and the phrase that gave it."""

    kind: str          # death | serious | light | minor | hurt | missing | poisoned | loss | magnitude
    qty: Quantity
    pos: int           # offset in the title or the body
    phrase: str
    in_title: bool
    flags: frozenset[str] = frozenset()


class Doc:
    """Title and body with the bookkeeping the rules need: which parts speak of the event."""

    def __init__(self, text: str, title: str | None) -> None:
        self.title = title or ""
        self.body = text or ""
        self.scope = Scope(self.title, self.body)

    def sentence(self, pos: int) -> str:
        """The body sentence holding offset ``pos``."""
        return self.scope.sentence(pos)[2]

    def outside(self, pos: int, in_title: bool) -> bool:
        """The figure at ``pos`` is not the event's (a statistic, another time, another event)."""
        return self.scope.outside(pos, in_title) is not None

    def sources(self) -> Iterator[tuple[str, bool]]:
        if self.title:
            yield self.title, True
        yield self.body, False


def has_trigger(text: str, title: str | None) -> bool:
    """Whether the text could state a figure at all (a cheap test before the full scan)."""
    text, title = text or "", title or ""
    return bool(_TRIGGER.search(text) or _TRIGGER.search(title)
                or ("杀" in text and _KILL_TRIGGER.search(text)) or ("杀" in title and _KILL_TRIGGER.search(title)))


def find_mentions(doc: Doc) -> list[Mention]:
    """Every count phrase of the event in the title and body."""
    found: list[Mention] = []
    claimed: set[tuple[bool, int]] = set()
    poisoning = "中毒" in doc.body or "中毒" in doc.title

    def add(kind: str, group: str, m: re.Match[str], src: str, in_title: bool, flags: frozenset[str]) -> None:
        if (in_title, m.start(group)) in claimed:
            return
        qty = parse_number(m.group(group))
        if qty is None or src.startswith(("一个", "一口"), m.start()):
            return  # 一个/一口 is mostly the indefinite article ("一个死人", "一口吐沫把我淹死")
        if kind == "death" and qty.value >= _WAR_TOLL:
            return  # a war's, a famine's or an era's toll ("打伊拉克致使上百万人死亡"), never one event's
        gap = m.groupdict().get("gap") or ""
        before = src[max(0, m.start() - 3): m.start()]
        if m.groupdict().get("compact") and (m.group(group) in ("十", "百", "千", "万", "亿")
                                             or before.endswith(_FATE_BEFORE)):
            return  # a bare unit before 死 is an idiom, not a count: "罪该万死"; so is "人终有一死"
        if _is_rate(src, m.start()):
            return  # a rate, not a count: "每33个人就会有一人死亡"
        if gap.startswith("以上") and (src.startswith("的", m.end()) or _GENERIC_AFTER.match(src, m.end())):
            return  # a class of events by their toll: "近年发生的导致10人以上死亡的重特大交通事故中"
        if before.endswith(("高", "初", "大", "研")) and len(m.group(group)) == 1:
            return  # a school year, not a count: "高二男生", "大四女生"
        if (_NEGATED_BEFORE.search(before) or _OTHER_COUNT_BEFORE.search(before)
                or _negated(gap) or _attacker(gap) or _agents(gap, m.groupdict().get("death"))):
            return
        if (m.groupdict().get("death") and m.start("death") > m.start(group) and _KILLING.fullmatch(m.group("death"))
                and _PASSIVE.search(gap) is None and _OBJECT_AFTER.match(src, m.end())):
            return  # "八名潜水员合作杀害了红海巨蛇": the ones counted killed whoever is named after the verb
        if doc.outside(m.start(), in_title):
            return
        if kind == "hurt" and m.groupdict().get("hurt") in ("伤者", "伤员"):
            flags |= {"noun"}  # "3名伤者被送往医院" names some of the injured, not their total
        found.append(Mention(kind, qty, m.start(), m.group(), in_title, flags))

    for src, in_title in doc.sources():
        # Word-then-count first: its count is taken, so "撞死1人后再撞伤3人" does not also read
        # "1人后再撞伤" as one injured.
        for m in _BEFORE.finditer(src):
            if m.group("cls") is None and m.group("noun") != "人数":
                continue  # "死亡2小时后" is not a count
            if m.group("death") == "害死":
                continue  # an accusation's or a legend's toll ("巨大蛇害死了320游客"), not a report's
            kind = next(k for k in _KINDS if m.group(k))
            if (not m.group("verb") and not m.group("noun") and not _TRANSITIVE.match(m.group(kind))
                    and _NEXT_PHRASE.match(src, m.end())):
                continue
            flags = frozenset({"correction"} if _CORRECTION.search(m.group("verb") or "") else ())
            add(kind, "q", m, src, in_title, flags)
            claimed.add((in_title, m.start("q")))
        for m in _COUNT_FIRST.finditer(src):
            if m.group("lives"):
                if (_TOOK_LIVES.search(src, max(0, m.start() - 6), m.start())
                        or _LIVES_LOST.match(src, m.end())):
                    add("death", "q", m, src, in_title, frozenset())
                continue
            if m.group("compact"):
                add("death", "q", m, src, in_title, frozenset())
                if m.group("q2"):
                    second = _Q2_KIND[m.group("q2kind")]
                    add(second, "q2", m, src, in_title, frozenset())
                    if second == "serious":
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
        for m in _NAMED_VICTIMS.finditer(src):
            n = sum(2 if v.group("two") else 1 for v in _VICTIM.finditer(m.group("victims")))
            if not doc.outside(m.start(), in_title):
                found.append(Mention("death", Quantity(n, False, n, n, m.group()), m.start(), m.group(), in_title))
        for m in _PAIR.finditer(src):
            if _COUNTED_PAIR.search(src, max(0, m.start() - 2), m.start()):
                continue  # "五兄弟在六弟惨遭抢劫杀害后": the noun is counted, and not two
            gap = m.group("gap") or ""
            # "夫妻争吵妻子身亡": one of the two is named, and only one died.
            if not (_negated(gap) or re.search(_ONE_PERSON, gap) or doc.outside(m.start(), in_title)):
                found.append(Mention("death", Quantity(2, False, 2, 2, m.group()), m.start(), m.group(), in_title))
        for m in _KIN_ALSO_DIED.finditer(src):
            start = doc.scope.sentence(m.start())[1] if not in_title else 0
            if (_DEATH_BEFORE.search(src, start, m.start()) and not _negated(m.group())
                    and not doc.outside(m.start(), in_title)):
                found.append(Mention("death", Quantity(2, False, 2, 2, m.group()), m.start(), m.group(), in_title))
        for m in itertools.chain(_BOTH_NAMED.finditer(src), _WITH_CHILD.finditer(src)):
            gap = m.group("gap")
            if (_negated(src[max(0, m.start() - 4): m.start()] + m.group()) or _PERSON_RE.search(gap)
                    or "其中" in gap or _KILLING.search(gap) or _SURVIVED.search(src, m.start())
                    or doc.outside(m.start(), in_title)):
                continue
            found.append(Mention("death", Quantity(2, False, 2, 2, m.group()), m.start(), m.group(), in_title))
    return found


# A death the text itself denies: "…被电身亡赔偿案纯属假新闻", "司机猝死系谣言".
_DENIED = re.compile(r"谣言|谣传|假新闻|不实|辟谣|纯属虚构|子虚乌有|假消息")
# The one who died is an animal: "猫不幸身亡", "蟒蛇…被村民打死", "司机捡被撞死野鸡".
_ANIMAL = re.compile(r"猫|狗|犬|蛇|蟒|鸡|鸭|鹅|猪|牛|羊|熊猫|熊|虎|狼|狮|豹|猴|鱼|鸟|鹰|鹿|兔|鼠|豚|鲸|宠物|动物")
_ANIMAL_LAST = re.compile(rf"(?:{_ANIMAL.pattern})$")
_ANIMAL_AFTER = re.compile(rf"[^{_STOP}]?(?:{_ANIMAL.pattern})")  # "被撞死野鸡": the animal is the one killed
# Words between a subject and its verb that say how, not who: "猫不幸身亡".
_ADVERBS = re.compile(r"不幸|意外|当场|竟然?|已经?|也|均|最终|突然|因此|而")
_PERSON_RE = re.compile(_PERSON)
# An attacker named as the object of the victim's act: "保安队长抓歹徒牺牲", "与歹徒搏斗".
_AGAINST = re.compile(r"(?:抓|追|擒|斗|与|同|和|制服|阻止|阻拦|拦截|举报|劝)$")


def _is_rate(src: str, pos: int) -> bool:
    """Whether the clause before offset ``pos`` (up to 20 characters) says 每N: a rate, not a count."""
    window = src[max(0, pos - 20): pos]
    if "每" not in window:
        return False
    return _RATE.search(re.split(r"[，,。；;！!？?]", window)[-1]) is not None


# "两初中生把小狗…炸死": the ones counted before 把/将 and a killing verb did the killing; "两男子…冲撞交警
# 致其受伤": a causative before a pronoun names someone else as the one hurt.
_DISPOSAL = re.compile(r"[把将]")
_KILLING = re.compile(_KILLED)
_CAUSED_TO_OTHER = re.compile(r"[致使令将把让](?:其|对方|他|她)")


# What follows an active killing verb is its object (who was killed), not where or when: "杀害了红海巨蛇",
# not "撞死在路边", "打死后", "杀害的".
_OBJECT_AFTER = re.compile(r"了?(?![在于后时的了过])[\u4e00-\u9fff]")


def _agents(gap: str, verb: str | None) -> bool:
    """Whether the count before ``gap`` names who did it (the victim is named after), not who suffered."""
    if _CAUSED_TO_OTHER.search(gap):
        return True
    return (verb is not None and _KILLING.fullmatch(verb) is not None and "被" not in gap
            and _DISPOSAL.search(gap) is not None)


def _attacker(gap: str) -> bool:
    """Whether ``gap`` names the attackers (not someone the victim acted against)."""
    m = _PERPETRATORS.search(gap)
    # "3名村民被歹徒杀害": the attackers are the passive's agent, the ones counted its victims.
    return m is not None and _AGAINST.search(gap[: m.start()]) is None and _PASSIVE.search(gap[: m.start()]) is None


def _animal_before(text: str, *, pronoun: bool = False) -> bool:
    """Whether the one who died, named just before the verb, is an animal.

    The subject stands right before the verb (adverbs aside), or before 被/遭 in a passive; for a
    pronoun ("致其死亡") it is whoever the clause named last.
    """
    cut = max(text.rfind("被"), text.rfind("遭"))
    subject = _ADVERBS.sub("", text[:cut] if cut > 0 else text)
    if not (pronoun or cut > 0):
        return _ANIMAL_LAST.search(subject) is not None
    animals = [m.end() for m in _ANIMAL.finditer(subject)]
    people = [m.end() for m in _PERSON_RE.finditer(subject)]
    return bool(animals) and (not people or animals[-1] > people[-1])


def _negated(text: str) -> bool:
    """Whether ``text`` negates or hedges what follows ("险些丧生", "扬言要杀死"), compounds aside."""
    return _NEGATORS.search(_NOT_NEGATING.sub("", text)) is not None


# "将自己丈夫杀害", "把其妻子勒死": 将/把 a few words before the victim named.
_OBJECT_BEFORE = re.compile(r"[将把](?:自己的?|其|他的?|她的?|亲生)$")
# The one "killed" is the writer or the reader: "真尼玛撞死我了", "砍死你", hyperbole, not a death.
_PRONOUN_OBJECT = re.compile(r"[我你]")
_CAUSE = re.compile(r"导致|致使|造成")
_SPEECH = re.compile(r"说是|说道|声称|宣称|表示|告诉|透露|(?<=[方者人])称")
_INVADERS = re.compile(r"鬼子|日寇|侵华日军")
# 害死 blames: before a bare class of people it names a kind of victim ("广告害死小学生", "害死员工和企
# 业"), not a case; a case has its victim determined ("害死了女儿", "害死自己的孩子", "害死一名老人").
_BLAMED = re.compile(r"害死(?!了)")
# A killing named as a kind of case that happens again: "摔死女童惨剧又在河南重演", "…悲剧再次上演".
_RECURS = re.compile(r"(?:惨剧|悲剧|惨案|事件|案)?[^，,。；;！？!?]{0,2}?(?:又|再次?|一再)[^，,。；;！？!?]{0,6}?(?:重演|上演|再现)")
_DETERMINED = re.compile(r"[一这那该其此]|自己|亲生|[他她我你]的")


def _names_one(m: re.Match[str], src: str) -> bool:
    """The match names one victim: not plural, not negated, not the attacker, not a type of victim."""
    subject_first = m.group("gap") is not None
    gap = m.group("gap") if subject_first else (m.groupdict().get("gap2") or m.groupdict().get("gap3")
                                                 or m.groupdict().get("gap4") or "")
    context = src[max(0, m.start() - 2): m.start()] + m.group()
    # Who is named: in the gap, or (found dead) just before: "他们被发现死亡" is plural.
    who = src[max(0, m.start() - 6): m.start()] if m.groupdict().get("gap4") is not None else gap
    if _negated(context) or _PLURAL_GAP.search(_MEASURE_RE.sub("", who)) or _attacker(gap):  # ("6点多")
        return False
    if not subject_first and _PRONOUN_OBJECT.match(gap):
        return False
    if _INVADERS.search(src, max(0, m.start() - 8), m.start()):
        return False  # "鬼子枪杀村民": the war of 1937–45 told again (history, a drama), not news
    if _is_rate(src, m.start()):
        return False
    if _DENIED.search(re.split(r"[。！？!?；;]", src[m.start():], maxsplit=1)[0]):
        return False
    if _ANIMAL_AFTER.match(("" if subject_first else gap) + src[m.end(): m.end() + 3]):
        return False
    if (src.startswith(("其", "对方"), m.start()) or m.groupdict().get("gap4") is not None) and _animal_before(
            src[max(0, m.start() - 30): m.start()], pronoun=True):
        return False  # (found dead: "长江江豚…被发现死亡")
    if subject_first:
        if _CAUSE.search(gap) or _SPEECH.search(gap):
            # "男子唐某驾驶摩托车…导致朋友受伤": the subject caused it, the victim comes after;
            # "医生说是眼角受伤": the subject speaks of someone else's wound.
            return False
        before = _MEASURE_RE.sub("", src[max(0, m.start() - 3): m.start()])
        if _PLURAL_BEFORE.search(before):
            return False
        # "男子…杀死" names the attacker; "将其勒死", "被…撞死" name the victim.
        is_object = (src[m.start() - 1: m.start()] in ("将", "把", "致", "使", "令")
                     or _OBJECT_BEFORE.search(src, max(0, m.start() - 5), m.start()) is not None)
        if _TRANSITIVE_VERB.match(m.group("v")) and not (_PASSIVE.search(gap) or is_object):
            return False
    if src.startswith("人", m.start()) and src.startswith("的", m.end()) and not _PERSON_RE.match(src, m.end() + 1):
        return False  # "致人死亡的黄瓜" says what a thing can do; "醉驾致人死亡的司机" names a case
    if _RECURS.match(src, m.end()):
        return False  # "摔死女童惨剧又在河南重演": a kind of case, the new one's toll is told apart
    if m.groupdict().get("gap2") is not None and _BLAMED.match(m.group()) and not _DETERMINED.search(m.group("gap2")):
        return False  # "现在的广告害死小学生", "豆腐渣工程害死儿童": a class of people, not a case
    if m.groupdict().get("gap2") is not None and _ONE_CASE_AFTER.match(src, m.end()):
        return True
    return not _GENERIC_AFTER.match(src, m.end())


def _headline_one(doc: Doc, verb: re.Pattern[str]) -> str | None:
    """A title clause stating one victim without a number (see ``_HEADLINE_DEATH``)."""
    for clause in _CLAUSE.finditer(doc.title):
        text = clause.group()
        for m in verb.finditer(text):
            tail = m.groupdict().get("obj")
            counted = _MEASURE_RE.sub("", tail if tail is not None else text[: m.start()]).replace("零", "")
            if tail is not None and (_TRANSITIVE_VERB.match(m.group("v")) is None or _PAIR.search(text)
                                     or "被" in text[max(0, m.start() - 8): m.start()]):
                continue  # (a passive's victim is its subject: "被村民打死带回去吃肉")
            # A negator counts only just before the verb: "未争吵突然一方车主猝死" is a death.
            if (_PLURAL_CLAUSE.search(counted) or _negated(text[max(0, m.start() - 6): m.end()])
                    or _RATE.search(text[: m.start()])
                    or _GENERIC_AFTER.match(text, m.end()) or _DENIED.search(doc.title)):
                continue
            passive = bool(m.groupdict().get("passive"))  # "蟒蛇…被村民打死": the subject is the one killed
            if tail is not None and _ANIMAL.search(tail) and not _PERSON_RE.search(tail):
                continue  # "射杀中国水鹿": an animal, however qualified, and no person
            if _ANIMAL_AFTER.match(tail) if tail is not None else (
                    _animal_before(text[: m.start()], pronoun=passive) or _ANIMAL_AFTER.match(text, m.end())):
                continue
            if not doc.outside(clause.start(), True):
                return text
    return None


def _one(doc: Doc, pattern: re.Pattern[str], anchor: re.Pattern[str]) -> re.Match[str] | None:
    """The first phrase naming one victim of the event.

    The pattern is tried only around its verb (``anchor``): a long alternation of nouns scanned over a
    whole article costs more than all the other phrases together.
    """
    for src, in_title in doc.sources():
        for a in anchor.finditer(src):
            pos, end = max(0, a.start() - _WINDOW), min(len(src), a.end() + _WINDOW // 2)
            while (m := pattern.search(src, pos, end)) is not None:
                if _names_one(m, src) and not doc.outside(m.start(), in_title):
                    return m
                pos = m.start() + 1  # overlapping: "多名村民称精神病人死亡" holds "病人死亡"
    return None


# Words said only of a story (a film's, a drama's, a novel's): "女人不哭第3集在线观看", "里面的人物关系让我
#觉得可怕". Someone who dies in a plot is named without a number; a count is left to the count rules.
_PLOT = re.compile(r"剧情|剧中|剧集|电视剧|网剧|连续剧|大结局|剧透|在线观看|第[0-9０-９一二三四五六七八九十]*集|"
                   r"人物关系|主人公|男主角|女主角|小说[里中]")


# A text that says it is made up: "（以上纯属杜撰，不得传播）", "纯属虚构".
_MADE_UP = re.compile(r"杜撰|以上[^，,。]{0,4}?纯属|纯属(?:虚构|娱乐|恶搞|玩笑)")


def _plot(doc: Doc) -> bool:
    """A story's plot, or a text that says it is made up."""
    return any(p.search(doc.title) is not None or p.search(doc.body) is not None for p in (_PLOT, _MADE_UP))


def find_singular(doc: Doc) -> str | None:
    """The phrase naming one dead victim without a number, if any (none in a story's plot)."""
    if _plot(doc):
        return None
    m = _one(doc, _SINGULAR, _DEATH_ANCHOR)
    if m is not None:
        return m.group()
    return (_headline_one(doc, _HEADLINE_DEATH) or _headline_one(doc, _HEADLINE_KILLS_DEATH)
            or _topic_one(doc) or _clause_one(doc) or _body_found(doc))


# A clause that ends on a death ("…在家中自杀身亡。", "…送到医院抢救无效死亡，", "…遭淋汽油烧死】") reports
# one death when nothing in its sentence counts more: whoever is named, however far before the verb.
# 去世 alone is mostly illness or age: it counts with a cause ("因滑雪事故去世", "因车祸去世"). 摔死 ending
# its clause has no object: the subject fell to death, when the clause tells the fall ("不慎爬山坠崖摔死，";
# "今天骑电瓶车摔死了" is a hard fall).
_CLAUSE_DEATH = re.compile(
    rf"(?:身亡|(?P<bare>死亡)|丧生|遇难|殒命|遇害|罹难|溺亡|坠亡|(?P<sudden>猝死)|丧命|(?P<died>去世)"
    rf"|(?P<passive>[被遭])[^{_STOP}]{{0,12}}?{_KILLED}|(?P<fell>摔死))了?(?=$|[{_STOP}…\[]|(?P<news>的(?:消息|噩耗|新闻)))")
_DEATH_CAUSE = re.compile(r"车祸|事故|意外|遇袭|遇刺|坠|溺|火灾|爆炸|被|猝|自杀|因(?![病故抢])")
# An illness that kills on the spot is a sudden death, as 猝死 is: "当场心脏病发去世", "突发脑溢血死亡".
_SUDDEN = re.compile(r"当场|突发|猝")
_FALL = re.compile(r"坠|跳|跌|掉|滑落|落下|楼上|山崖|悬崖")
_CLAUSE_TAIL = re.compile(rf"{_CLAUSE_CHARS}*$")
# Who or what the clause speaks of is not a person ("病毒56℃30分钟就死亡了", "牲畜食用…后死亡"), or
# it speaks of death in general ("寄生虫高温下很容易被杀死", "不害怕死亡", "在追逐死亡"); an illness or
# old age is no event (a sudden death, 猝死, is).
_NOT_PERSON = re.compile(rf"{_ANIMAL.pattern}|病毒|细菌|病菌|寄生虫|牲畜|家禽|禽|鸽|虫|蚊|蝇|细胞|植物|庄稼|它")  # (它: no person)
# Words that hold an animal's character and name no animal: "钓鱼时溺亡", "钓鱼岛", "熊孩子", "狗仔".
_NO_ANIMAL = re.compile(r"钓鱼|熊孩子|鼠标|牛奶|鸡蛋|[猪牛羊鸡鸭鱼]肉|牛仔|狗仔|猫眼")


def _not_person(head: str) -> bool:
    """Whether ``head`` speaks of an animal, a virus or a plant (``_NOT_PERSON``), compounds aside."""
    return _NOT_PERSON.search(_NO_ANIMAL.sub("", head)) is not None
_IN_GENERAL = re.compile(r"就|会|容易|可以|能够|怕|期待|等待|追逐|面对|面临|走向|直面|恐惧|畏惧|宁可|宁愿|与其|不如|值得"
                         r"|选择|经历|看待|除了|直到|加速|上演|只有|岂|[%％]|[我你]|希望|祝|愿|诅咒|许多|很多|大量|不少|一些")
_ILLNESS = re.compile(r"病|癌|瘤|衰竭|心梗|心肌梗|脑溢血|脑出血|中风|肺炎|肺痨|结核|感染|新冠|艾滋|败血|疾|高龄|寿终|年迈|衰老|年老")
# 死亡 is also a noun ("选择死亡", "有准备的死亡"): as a clause's last word it reports a death after how
# or when it came ("当场死亡", "抢救无效死亡", "于昨晚12点死亡", "中毒死亡").
_BARE_DEATH_AFTER = re.compile(r"(?:当场|无效|不治|不幸|意外|最终|后|而|于[^，,。]{1,8}|已经?|被发现|窒息|中毒|溺水|坠楼|"
                               r"跳楼|自杀|车祸|事故|重伤|烧伤|失血|身亡|猝|随即|相继|先后)$")
# A dream or a story told ("梦到躲仇家…被找到杀害", "正好播到…被…枪杀"); not the news of a death ("听到他因
# 滑雪去世的消息", beside the actor's old film).
_DREAM = re.compile(r"梦到|梦见|做梦|做了一?个梦|梦里|梦中|[播演]到|电视|电影|游戏")
_COUNTED = re.compile(rf"{_MANY}(?:[名人位口具]|个?(?=[^{_STOP}]{{0,3}}{_PERSON}))")
_PAIR_WORDS = re.compile(rf"{_PAIR_NOUN}|两口|一儿一女|一子一女|一男一女|俩|二人|两人")


# What a story tells before the death that ends it, in a clause of its own: a wound, a blow, a hospital.
_STORY_CAUSE = re.compile(rf"{_DEATH_CAUSE.pattern}|受伤|伤势|流血|血流|流干了?血|医院|抢救|送医|[撞砍捅刺烧砸打]|枪|中毒")


def _clause_one(doc: Doc) -> str | None:
    """A body clause ending on a death, in a sentence that names no more than one (``_CLAUSE_DEATH``)."""
    found = _CLAUSE_DEATH.finditer(doc.body)
    first = next(found, None)  # (most texts reaching here have none: the whole-text tests wait for one)
    if first is None or _DENIED.search(doc.body):
        return None
    dream = _DREAM.search(doc.body) is not None
    for m in itertools.chain((first,), found):
        if dream and not m.group("news"):
            continue  # (the news of a death is no screen story, whatever film is named beside it)
        _, start, _ = doc.scope.sentence(m.start())
        head = doc.body[start: m.start()]
        tail = _CLAUSE_TAIL.search(head)  # (it matches the empty string at least)
        clause_head = tail.group() if tail else ""
        # The verb as a clause of its own ends the story its sentence told: "…送往合肥某医院，死亡…",
        # "受伤后，他被独自留在…公交上，流干了血，去世。" (the cause told before it, in the sentence).
        alone = not clause_head and head.endswith(("，", ",")) and not m.group("passive")
        if alone:
            tail = _CLAUSE_TAIL.search(head[:-1])
            clause_head = tail.group() if tail else ""
        sudden = bool(m.group("sudden") or (_SUDDEN.search(clause_head) and _ILLNESS.search(clause_head)))
        if len(clause_head) < 2 or (alone and not _STORY_CAUSE.search(head)) or (not alone and (
                (m.group("died") and not (sudden or _DEATH_CAUSE.search(clause_head)))
                or (m.group("bare") and not _BARE_DEATH_AFTER.search(clause_head))
                or (m.group("fell") and not _FALL.search(clause_head)))):
            continue
        if (_not_person(head) or _IN_GENERAL.search(clause_head)
                or (not sudden and _ILLNESS.search(head))):
            continue
        # Counted people anywhere before it in the sentence; plural words only in its own clause
        # ("这些都成了记忆，…凯奇…滑雪意外丧生").
        counted = _MEASURE_RE.sub("", head).replace("零", "")
        if (_COUNTED.search(counted) or _PLURAL_CLAUSE.search(_MEASURE_RE.sub("", clause_head))
                or _PAIR_WORDS.search(head) or _negated(clause_head + m.group())
                or _RATE.search(head) or _animal_before(clause_head, pronoun=bool(m.group("passive")))
                or doc.outside(m.start(), False)):
            continue
        return clause_head + ("，" if alone else "") + m.group()
    return None


# A body found is a death: "失踪9天后遗体被发现", "遗体在…被找到", "找到了他的遗体" (one, when the clause
# counts no more; "N具遗体" is a count and wins). Whose body is named before it, in the same clause:
# 遇难者, 死者 may be many, and their number is the count rules'.
_BODY_FOUND = re.compile(
    rf"(?:遗体|尸体)[^{_STOP}]{{0,14}}?被(?:人|警方|村民|民警|搜救人员|救援人员)?(?:发现|找到|寻获|打捞)"
    rf"|(?:发现|找到|寻获|打捞[起出上]?)了?(?:其|他的?|她的?|[\u4e00-\u9fff]某的?)?(?:遗体|尸体)(?![^{_STOP}]{{0,4}}?[具名])")
_BODY_OF_MANY = re.compile(rf"遇难者|罹难者|死者|伤者|们|俩|均|都|全部|分别|先后|相继|陆续|其余|其他|另一|又|{_TWO_PEOPLE}")


def _body_found(doc: Doc) -> str | None:
    """A clause saying one person's body was found (``_BODY_FOUND``)."""
    if "遗体" not in doc.body and "尸体" not in doc.body:
        return None
    if _DENIED.search(doc.body) or _DREAM.search(doc.body):
        return None
    for m in _BODY_FOUND.finditer(doc.body):
        _, start, _ = doc.scope.sentence(m.start())
        head = doc.body[start: m.start()]
        tail = _CLAUSE_TAIL.search(head)  # (it matches the empty string at least)
        clause = (tail.group() if tail else "") + m.group()
        counted = _MEASURE_RE.sub("", head + m.group()).replace("零", "")
        if (_COUNTED.search(counted) or _PLURAL_CLAUSE.search(_MEASURE_RE.sub("", clause))
                or _BODY_OF_MANY.search(clause) or _PAIR_WORDS.search(head) or _negated(clause)
                or _not_person(clause) or doc.outside(m.start(), False)):
            continue
        return clause
    return None


# A sentence that introduces one person ("北京一主妇煮饭时…") and ends that person's story in a clause
# without a subject of its own ("…，最终因心肺衰竭而死亡"): the topic is the one who died.
_TOPIC = re.compile(rf"(?<![0-9０-９{_CN_DIGITS}十百千])一(?:名|位|个)?(?:{_ONE_PERSON})")
# Others counted in the sentence ("撞倒两名行人，最终不治身亡"): who died is not told.
_OTHERS_COUNTED = re.compile(rf"{_MANY}(?:名|人|位|个|口)")
_TOPIC_END = re.compile(r"[，,](?P<clause>(?:最终|最后|终因|终于|随后|后因|经抢救无效|抢救无效|经医院抢救无效|送医后|不幸)"
                        rf"[^{_STOP}]{{0,12}}?(?:死亡|身亡|不治))")


def _topic_one(doc: Doc) -> str | None:
    """A clause ending the story of the one person its sentence introduced (see ``_TOPIC_END``)."""
    for m in _TOPIC_END.finditer(doc.body):
        _, start, sentence = doc.scope.sentence(m.start())
        head = doc.body[start: m.start()]
        topic = _TOPIC.search(head)
        if (topic is None or _OTHERS_COUNTED.search(_MEASURE_RE.sub("", head))
                or head.startswith(("们", "俩"), topic.end())
                or _negated(m.group("clause")) or doc.outside(m.start(), False)):
            continue
        return f"{topic.group()}…{m.group('clause')}"
    return None


# A post's #topic# is a clause of its own, a headline someone else wrote: its counts are not the post's
# ("#新型肺炎已致湖北17人死亡#"), but a topic that states one person's death by its cause is the news the
# post relays ("#尼古拉斯•凯奇因滑雪意外事故死亡#"), when the post's own words state no death. The verbs
# below name their cause; 死亡, 身亡 or 去世 need one in the topic (车祸, 事故, 坠, 被…).
_VERB_NAMES_CAUSE = re.compile(r"遇害|遇难|罹难|溺亡|坠亡|猝死|[被遭]")
# The post doubts what the topic says: "#…身亡# 真的假的？", "求证".
_DOUBTED = re.compile(r"求证|真的假的|是真的吗|真的吗|假的吧")


def find_topic_singular(topic: str, text: str) -> str | None:
    """The death of one person stated by the #topic# ``topic`` of the post ``text``, if any.

    The clause rule (``_clause_one``) reads the topic with its guards (no count, no plural, no animal, no
    illness, no noun 死亡, no negation); the post must not deny or doubt it, nor tell a dream or a story.
    """
    if (_CLAUSE_DEATH.search(topic) is None or _DENIED.search(text) or _DOUBTED.search(text)
            or _DREAM.search(text) or _PLOT.search(text)):
        return None
    phrase = _clause_one(Doc(topic, None))
    if phrase is None or not (_DEATH_CAUSE.search(phrase) or _VERB_NAMES_CAUSE.search(phrase)):
        return None
    return phrase


def find_hurt_singular(doc: Doc) -> tuple[str, bool] | None:
    """(phrase, seriously) for one injured victim named without a number, if any (none in a plot)."""
    if _plot(doc):
        return None
    m = _one(doc, _HURT_SINGULAR, _HURT_ANCHOR)
    if m is not None:
        return m.group(), "重伤" in (m.group("v") or "")
    clause = _headline_one(doc, _HEADLINE_WOUNDS)
    return (clause, False) if clause else None


def find_zeros(doc: Doc) -> tuple[str | None, str | None]:
    """The zero statement for deaths and for injured, if any (the phrase)."""
    deaths = injured = None
    for src, in_title in doc.sources():
        for m in _ZERO.finditer(src):
            if (m.group("gap") and _ZERO_GAP_BAD.search(m.group("gap"))) or doc.outside(m.start(), in_title):
                continue
            what = m.group("what") or m.group("what2") or m.group("what3") or m.group("what4") or m.group("what5")
            deaths = deaths or m.group()
            if what in ("伤亡", "死伤"):
                injured = injured or m.group()
    return deaths, injured


def find_loss(doc: Doc) -> list[Mention]:
    """Every direct loss in yuan stated for the event."""
    mentions = []
    for src, in_title in doc.sources():
        if "损失" not in src:
            continue
        for m in _LOSS.finditer(src):
            q = parse_number(m.group("q") or m.group("qb") or m.group("qa"))
            if q is None or doc.outside(m.start(), in_title):
                continue
            mentions.append(Mention("loss", q, m.start(), m.group(), in_title))
    return mentions


def find_magnitudes(doc: Doc) -> list[tuple[int, Mention]]:
    """Every main-shock magnitude stated, with its priority: 0 title, 1 a revision, 2 the body."""
    candidates: list[tuple[int, Mention]] = []
    for src, in_title in doc.sources():
        if "级" not in src:
            continue
        for m in _MAGNITUDE.finditer(src):
            q = parse_number(m.group("q"))
            if q is None or not 1.0 <= q.value < 10.0:
                continue
            is_decimal = not float(q.value).is_integer()
            sentence = src if in_title else doc.sentence(m.start())
            if not (m.group("pre") or m.group("post") or (is_decimal and "震" in sentence)):
                continue
            # An aftershock is named right after the figure ("6.0级余震") or just before it, in the
            # same sentence ("发生余震四十四次，最大震级五点零级").
            before = src[max(0, m.start() - 15): m.start()].rsplit("。", 1)[-1]
            if (m.group("post") or "").endswith("余震") or "余震" in before:
                continue
            if doc.outside(m.start(), in_title):
                continue
            revised = bool(_REVISED.search(src[max(0, m.start() - 6): m.start()]))
            priority = 0 if in_title else (1 if revised else 2)
            candidates.append((priority, Mention("magnitude", q, m.start(), m.group(), in_title)))
    return candidates
