"""The phrases reporters use for casualties, loss and magnitude, found in a title and a body.

:func:`find_mentions` returns every count phrase that belongs to the reported event (see
:mod:`sentinel.analyse.event_scope` for what does not) as a :class:`Mention`; :mod:`sentinel.analyse.facts`
chooses among them. The other finders give what is stated without a count: a zero ("尚无人员伤亡"), and the
loss and magnitude phrases. One victim named without a number ("女大学生被车撞飞身亡") is
:mod:`sentinel.analyse.fact_victims`' subject; it reads with the words defined here (people, killing
verbs, measures) and with the guards the counts use too (negation, attacker, rate).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from sentinel.analyse.event_scope import Scope
from sentinel.analyse.numerals import NUMERAL, Quantity, parse_number

__all__ = ["Doc", "Mention", "find_loss", "find_magnitudes", "find_mentions", "find_zeros", "has_trigger"]

_Q = rf"(?P<q>{NUMERAL})"
_Q2 = rf"(?P<q2>{NUMERAL})"
_CLS = r"(?:人|名|位|个|口|例|具)"
_ONE_PERSON = (
    r"小学生|中学生|初中生|高中生|大学生|研究生|留学生|学生|女生|男生|儿童|幼儿|幼童|孩童|婴儿|女婴|男婴|孩子|"
    r"男孩|女孩|男童|女童|少年|少女|青年|小伙子?|打工仔|男子|女子|妇女|孕妇|产妇|老人|老太太?|老汉|老翁|老伯|大爷|大妈|"
    r"奶奶|爷爷|司机|驾驶员|驾驶人|乘客|旅客|游客|行人|路人|骑手|环卫工人?|工人|女工|民工|农民工|员工|职工|矿工|"
    r"电工|工程师|船员|飞行员|机长|船长|乘务员|空姐|空乘|列车员|渔民|保安|老板|店主|摊主|村民|市民|居民|教师|老师|医生|护士|"
    r"护理师|患者|病人|人质|民警|交警|辅警|"
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
_PERSON = rf"(?:{_ONE_PERSON}|{_PAIR_NOUN}|群众|师生|平民|子女|儿女)"
_STOP = r"\s0-9０-９，,。；;！!？?、：:（）()“”\"'《》【】"
_CN_DIGITS = "零〇一二两俩三四五六七八九"
# Between the count and the verb: a few characters of the same clause; an age or a day may sit in
# it ("一名3岁男童当场死亡", "一名妇女经医治无效于6日死亡") but no other number.
_AGE_OR_DAY = r"[0-9０-９]+(?:岁|日|时|号)"
# (一氧化碳 and its kind hold a numeral's character and count nothing: "3名工人一氧化碳中毒".)
_GAP = rf"(?P<gap>(?:{_AGE_OR_DAY}|[一二]氧化[碳硫氮]|[^{_STOP}{_CN_DIGITS}]){{0,20}}?)"
# Killing verbs: "撞死", "杀死"; and the ones that kill without 死: "杀害", "枪杀", "射杀", "击毙".
# ("枪杀案", "杀害事件" name a kind of case, not a death.) Written as two character classes and a
# lookbehind that drops the pairs that are no verb: an alternation here, inside every death phrase,
# slowed the whole extraction by a tenth.
# (咬死 is an animal's killing: "大叔…遭活生生咬死"; "咬死不放" holds no victim a rule would read.)
_KILL_BY = "熏炸烧砸撞压淹砍刺毒电冻困捅打轧碾勒掐踩摔枪杀害咬"
_KILL_WITHOUT_DEATH = ("杀害", "枪杀", "射杀", "击毙")
_KILL_VERBS = {c + "死" for c in _KILL_BY} | set(_KILL_WITHOUT_DEATH)
_NOT_KILL_VERBS = "|".join(a + b for a in _KILL_BY + "射击" for b in "死害杀毙" if a + b not in _KILL_VERBS)
# ("打死也不能买", "打死不加长": 打死 before a refusal is "whatever happens", no killing.)
_KILLED = rf"(?:[{_KILL_BY}射击][死害杀毙](?<!{_NOT_KILL_VERBS})(?!案|事件)(?!(?<=打死)[我你他她]?[也都]?不))"
# 死亡 before a document or its formalities is paperwork, no death of the event: "来办亡父的死亡证明".
_DEATH_VERB = (r"(?:死亡(?!证|登记|手续|注销|销户)|身亡|遇难|罹难|丧生|丧命|殒命|命丧|毙命|遇害|殉职|牺牲|致死|不治|死于|溺亡|猝死|[坠碾压]亡|溺毙|而亡|惨死|"
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
         r"|(?:伤者|伤员)(?![^，,。；;]{0,16}?(?:死亡|身亡|不治|去世|离世)))")
# Falling ill in a poisoning report: "52名学生出现呕吐症状" (counted only when the text says 中毒).
_SYMPTOM = r"(?:出现[^，,。；;]{0,14}?症状|发病)"
# Taken to hospital in a poisoning report: "已致6人死亡52人住院" (counted only when the text says 中毒, and
# only when it states no number poisoned: the poisoned are then the dead and the hospitalised).
# (A death after it is the count's: "1人在送往医院的途中死亡".)
_HOSPITAL = r"(?:住院|入院|送医|就医|被?送往?医院)(?![^，,。；;]{0,8}?(?:死|亡|不治))"
_REMAINDER = re.compile(r"尚|仍|还有|其中|剩")
_MISSING = r"(?:失踪|下落不明|失联)"
_VERBS = (rf"(?P<verb>(?:由{NUMERAL}{_CLS}?)?(?:已经|已|目前|共|累计|总计|则|也|又|再|还|分别|一度)?"
          r"(?:上升|攀升|增加|增|升|达到|达|为|是|有|修正|更新|调整|核减|下调|更正)*(?:到|至|了)?(?:约)?)")
# Where a numeral can start: a lookahead on it lets the engine skip most positions at once.
_NUM_START = r"(?=[0-9０-９零〇○一二两俩三四五六七八九十百千万亿数几约近逾超上大将接不至最多])"
# Words that follow 死 in idioms and compounds, so that "N死" there is no count: 九死一生, 一死了之,
# 虽九死而无悔.
_NOT_COMPACT = r"(?![亡者刑因了神角心机守板罪囚缓于去掉活扛磕忠鬼路穴寂定命搏战党记胡而敌]|一生|[无不]悔)"

# Count first; one scan for every shape that starts with the number:
#   "造成3人死亡", "13名女工被毒烟熏死", "十余人受伤", "24人失踪"   count, classifier, verb
#   "12具遇难者遗体", "60名死者"                                     count, classifier, noun
#   "致6人亡", "26人伤"   one-character verb right after the classifier ("10人伤亡" is no death count)
#   "2死5伤", "两死一重伤", "3死多伤", "5死1失踪", "39死9失联", "五死特大交通事故"  compact
#   "一家三口煤气中毒身亡"                                             poisoned and dead
_COUNT_FIRST = re.compile(
    rf"{_NUM_START}{_Q}(?:"
    rf"{_CLS}(?P<noungap>[^{_STOP}]{{0,4}}?){_DEATH_NOUN}"
    rf"|(?:{_CLS}|(?={_PERSON})){_GAP}(?:(?P<death>{_DEATH_VERB}|(?P<passed>去世|离世))|(?P<serious>{_SERIOUS})"
    rf"|(?P<minor>{_MINOR})|(?P<light>{_LIGHT})|(?P<hurt>{_HURT})|(?P<missing>{_MISSING})"
    rf"|(?P<poisoned>中毒(?P<poisondeath>而亡|(?:而|后)?(?:身亡|死亡|致死|不治))?)|(?P<symptom>{_SYMPTOM})"
    rf"|(?P<hospital>{_HOSPITAL}))"
    rf"|[人名](?P<short>亡|死{_NOT_COMPACT}(?![伤亡]))"
    rf"|{_CLS}(?P<shorthurt>伤)(?![亡者势心员病情口])"
    # "夺走12条生命" (the verb is checked in code: "挽救了12条生命" is the opposite)
    r"|[条个](?P<lives>(?:鲜活的?)?(?:生命|人命))"
    rf"|(?P<compact>死)(?:[，,、]?{_Q2}[人名]?(?P<q2kind>重伤|轻伤|受伤|伤|失踪|失联)(?![亡者势心员病情])|{_NOT_COMPACT})"
    r")"
)
# A killing verb's object counted right after it ("砍死1人", "杀死了3名"): the victims.
_KILLED_RE = re.compile(_KILLED)
_OBJECT_COUNT = re.compile(rf"了?{_NUM_START}{NUMERAL}{_CLS}")
# A post's 死了 before a count ("事故就在我身边，死了20多人", "总共死了七个", "一天死了十个人"), after a pause, an
# adverb or a report ("报道说死了三个人"): not after another verb ("拍死了3个" mosquitoes, "泄漏死了", "好像死了
# 四个" in a game), a question ("怎么死了几千人") or hearsay ("据说死了几十个人", "听说死了").
_DIED_COLLOQUIAL = r"(?:(?<=[共都又就已还也天])|(?<=[^据听]说)|(?<![\u4e00-\u9fff]))死了"
# Word then count: "死亡人数上升至十三人", "重伤5人", "撞死1人", "失踪失联人员39名", "中毒人数为308人".
# The count must not open the next phrase: in "5人死亡18人受伤" the 18 belongs to 受伤.
_BEFORE = re.compile(
    rf"(?:(?P<death>死亡|遇难|罹难|丧生|死者|致死|{_DIED_COLLOQUIAL}|{_KILLED})|(?P<serious>重伤)|(?P<light>轻伤)|(?P<minor>轻微伤)"
    r"|(?P<hurt>受伤|伤者|伤员|[撞砸炸烧砍刺打捅咬轧碾]伤|(?<=[，,、])伤(?=[0-9０-９]))|(?P<missing>失踪(?:失联)?|下落不明|失联)"
    r"|(?P<poisoned>中毒(?:症状)?(?:的)?))"
    rf"(?P<noun>人数|者|人员|学生|员工|患者|病人)?{_VERBS}(?:一家)?{_Q}(?P<cls>{_CLS}|(?={_PERSON}))?"
    r"(?!多?月|小时|星期|多?天|年)"  # "失联一个月" is a duration
)
# After a predicate ("5人死亡18人受伤") a bare count opens the next phrase; after a transitive verb
# ("撞死1人后再撞伤3人") it is the verb's object; and so it is when the next phrase has a count of its own
# after its word ("死亡6人失联11人", "死亡6人受伤11人").
_NEXT_PHRASE = re.compile(r"[^，,。；;、\s]{0,6}?(?:伤|死|亡|遇难|罹难|丧生|遇害|失踪|失联|中毒|下落不明|住院|入院|送医|就医|获救|被救)"
                          r"(?!(?:约|近|逾|超过?|达|为)?[0-9０-９一二两三四五六七八九十百千数几])")
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
# Parents, and two named with 和, dead together: "男子父母被卷至百米高空后遇难", "老人和孙子遇难" (2). Only
# what can stand between the two and the verb without another actor: "父母得知儿子遇难" is no pair's death,
# "男子和朋友喝酒后溺亡" may be one's.
_TOGETHER = rf"(?:双双|均|都|先后|相继|一同|一起|不幸|当场|现场|被[^{_STOP}]{{0,10}}?|在[^{_STOP}]{{0,8}}?中)*"
_PARENTS = re.compile(rf"(?:岳父母|父母|双亲|公婆)(?P<gap>{_TOGETHER}){_DEATH_VERB}")
_TWO_JOINED = re.compile(rf"(?<![\u4e00-\u9fff]的)(?:{_ONE_PERSON})(?:和|与|及|同)(?:{_ONE_PERSON})(?P<gap>{_TOGETHER}){_DEATH_VERB}")
# Kin listed one by one before one death verb, joined or side by side: "父母姐姐身亡" (3), "哈梅内伊的女儿女婿
# 等遇难" (2, at least). Side by side only kin terms list (no role noun before a kin term: "司机妻子身亡"
# is the driver's wife).
_KIN_TERM = (r"外?祖父母|岳父母|父母|公婆|双亲|父亲|母亲|丈夫|妻子|儿子|女儿|儿媳|女婿|外?孙子|外?孙女|哥哥|姐姐|弟弟|妹妹"
             r"|爷爷|奶奶|外公|外婆|岳父|岳母|公公|婆婆|姐夫|嫂子")
_KIN_PAIR = re.compile(r"外?祖父母|岳父母|父母|公婆|双亲")
_KIN_RE = re.compile(_KIN_TERM)
_KIN_LISTED = re.compile(rf"(?P<list>(?:{_KIN_TERM})(?:(?:和|与|及|、)?(?:{_KIN_TERM})){{1,3}})等?"
                         rf"(?P<gap>{_TOGETHER}){_DEATH_VERB}")
# An increment, then the total it brings deaths to: "死亡人数新增4人 总数达89人" (89). The total is of the
# same kind when no other kind is named between.
_DEATH_TOTAL = re.compile(rf"(?:死亡|遇难|罹难)(?:人数)?(?P<between>[^。；;！？!?]{{0,12}}?)(?:总数|总人数|总计|共计)"
                          rf"(?:已|则)?(?:达到|达|为|升至|增至|上升至|至)?{_Q}{_CLS}")
_OTHER_KIND = re.compile(r"伤|失踪|失联|中毒|感染|确诊|病例|住院|获救")
# The subject named at the clause's start and one more joined to the verb by 与/和/同: "66岁男子吸烟失火与87岁
# 母亲身亡" (2). What stands between the one joined and the verb is only how they died together
# ("男子与朋友喝酒后溺亡" may be the man's death alone).
_WITH_ONE_MORE = re.compile(rf"(?<![\u4e00-\u9fff]的)(?:与|和|同)(?:{_AGE_OR_DAY})?(?:{_KIN_TERM}|{_ONE_PERSON})"
                            rf"(?P<gap>{_TOGETHER}){_DEATH_VERB}")
# One more victim's death told right after a pair's, in the same clause: "父母被枪杀女儿沉湖淹死" (3). With
# nothing between the two, the headline lists the dead; a comma or a space would start another story.
_ONE_MORE_DIED = re.compile(rf"(?:{_KIN_TERM}|{_ONE_PERSON})(?P<gap>[^{_STOP}{_CN_DIGITS}]{{0,8}}?){_DEATH_VERB}")
# A clause's characters: numbers stay inside ("杀死44岁情夫", "66岁男子"); its tail, up to a point.
_CLAUSE_CHARS = rf"[^{_STOP.replace('0-9０-９', '')}]"
_CLAUSE_TAIL = re.compile(rf"{_CLAUSE_CHARS}*$")
_COUNTED_IN_HEAD = re.compile(rf"[0-9０-９{_CN_DIGITS}十百千多数几]+[名人位口个]")
_COUNTED_PAIR = re.compile(r"[三四五六七八九十几多数]$")
# A pair supposed: "如果父母死亡，名下的房产…".
_CONDITIONAL = re.compile(r"如果|假如|万一|要是|倘若|若是")
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
    r"(?P<gap>[^，,。；;！？、]{0,8}?)(?:人员|人)(?:均)?(?P<what>伤亡|死伤|死亡|遇难|受伤)"
    r"|(?:零|人员无)(?P<what2>伤亡|死伤|死亡)"
    r"|(?<!有)(?:暂无|尚无|并无|没有|未有|无|未造成|未发生|未出现)(?P<what3>伤亡|死伤|死亡)"
    # an epidemic's bulletin: "无重症病例、死亡病例和出院病例", "死亡病例0例"
    r"|(?:无|暂无|尚无|没有)(?:[^，,。；;！？]{0,8}?、)?(?P<what4>死亡)病例|(?P<what5>死亡)病例(?:为)?[0０零]例"
)
# "尚未确认人员伤亡" is not "no casualties"; "无中方人员伤亡" speaks of a subgroup only.
_ZERO_GAP_BAD = re.compile(r"法|确认|统计|核实|清楚|了解|查明|掌握|得知|公布|透露|评估|其他|其余|另外|中方|中国|华人|新增"
                           r"|致|使|令|让|把|将|被|证")
# A gap may hold a measure ("被车撞飞10米", "跳下5楼", "遭两辆公交车夹击") but no other count.
_MEASURE = (r"(?:[0-9０-９]+|[一二两三四五六七八九十]+)(?:岁|旬|日|时|号|点多?|点半|米|层|楼|刀|天|小时|分钟|个月|辆|车|双|次|年|月|后|吨|斤|公斤|公里)"
            r"|[高初大研][一二三四五六]")
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
# The people counted as a clause's subject, and the death told in the next clause without a subject of its
# own: "叙利亚7名击落以色列战机的英雄，遭以色列袭击身亡" (7), "2名被困矿工，均已遇难" (2). The second
# clause opens on a passive or an adverb of the same subject; a wound or a disappearance in the first
# ("5人受伤，送医后不治身亡") leaves how many died untold.
_COUNT_THEN_DIED = re.compile(
    rf"{_NUM_START}{_Q}[名位人](?P<gap>[^{_STOP}{_CN_DIGITS}]{{0,20}}?)[，,]"
    rf"(?P<gap2>(?:遭|被|均|都|全部|不幸|已|先后|相继)[^{_STOP}]{{0,10}}?)"
    r"(?P<death>身亡|遇难|遇害|丧生|罹难|死亡|殒命|牺牲)(?![率人数者])")
_NOT_DEATH_FIRST = re.compile(r"伤|失踪|失联|下落不明|中毒|获救|死|亡|遇难|丧生")
# A killer who ends their own life after the killing is dead too: "枪杀娇妻后饮弹" (2), "杀死妻子和岳母后
# 自缢身亡" (3). 饮弹, 自尽 and 自缢 end a life; 自杀, 跳楼 alone may be an attempt ("自杀未遂"), so they
# count with a death verb. The victims are added as named ("父母" two), one when their noun is not listed.
_SELF_AFTER = (r"(?:饮弹|吞枪|自尽|自缢|上吊身亡|(?:自杀|自焚|服毒|跳楼|跳河|跳江|跳海|卧轨)(?:身亡|死亡))")
_KILLED_THEN_SELF = re.compile(rf"{_KILLED}了?(?P<victims>[^{_STOP}{_CN_DIGITS}]{{1,6}}?)(?:之?后|随后)"
                               rf"(?P<gap>[^{_STOP}]{{0,4}}?){_SELF_AFTER}(?P<after>.{{0,4}})")
# Victims not listed one by one ("等多名家人", "全家"): how many died is not said.
_VICTIMS_UNCOUNTED = re.compile(r"[们等多数全几群些]|家人")
_SURVIVED_SELF = re.compile(r"未遂|获救|被救|抢救过来|生还")
# One of them lived: "孩子被救起", "婴儿幸存".
_SURVIVED = re.compile(r"获救|生还|幸存|幸免|被救|救起|救上|脱险|无恙|活了下来|抢救过来|保住")
_PASSIVE = re.compile(r"被|遭")
# The victim is a type, not a person: "学生溺亡事故", "坠楼死亡事件", "空姐…被杀害这类事件" (a kind named
# by 这类/此类/这种, whatever noun follows).
_GENERIC_AFTER = re.compile(r"事故|事件|案|率|人数|现象|问题|风险|几率|概率|隐患|原因|[这此那][类种]")
_NEGATORS = re.compile(r"未|没|险|差点|幸免|免于|避免|防止|担心|恐|可能|或将|或被|或者|是否|想|要|欲|企图|威胁|称要|潜在|"
                       r"如果|假如|万一|立誓|扬言|发誓|活该|宁愿|宁可|"
                       # what can or would happen, not what did: "电动车也能撞死人", "为何不会被撞死"
                       r"[也都就]能|能被|[不也都就]会被")
# Words that hold a negator's character without negating anything: "3人在恐怖袭击中死亡", "未婚夫自缢
# 身亡", "一名未成年人溺水身亡", "为索要钱财勒死女开发商", "遇险渔民", "被洪水淹没".
_NOT_NEGATING = re.compile(r"未婚|未成年|未满|未来|未知|没收|[淹埋吞出湮]没|[遇脱抢涉保风危冒探]险|险情|恐怖|惊恐|恐慌|"
                           r"反恐|可能性|[思理感梦]想|想到|要求|[需重主只索讨]要|要[账债钱犯案员害道]|欲望")
# The count is the attackers, not the victims: "七名歹徒抢劫网吧遭拒刺伤网管".
_PERPETRATORS = re.compile(r"歹徒|凶手|嫌疑|暴徒|恐怖分子|武装分子|匪徒|劫匪|枪手")
_NEGATED_BEFORE = re.compile(r"(?:无|没有|未有|并无)$")
# 无 right before the verb denies it of those counted: "其他3人无受伤", "2人均无伤亡".
_NEGATED_GAP = re.compile(r"(?:^|[均都皆也亦])无$")
# "每10万人中有1人死亡", "每33个人就会有一人死亡", "称每次射杀N人": a rate or a threat, not a count.
_RATE = re.compile(r"每(?:[0-9０-９一二两三四五六七八九十百千万]|次|个|位|名)")
# "人终有一死", "难逃一死", "求一死": fate, not a count.
_FATE_BEFORE = ("有", "逃", "求")
# People counted by rank or role before the last count of their toll: "1名少将、26名军官死亡" (27).
_ENUMERATED = re.compile(r"(?:(?<![0-9０-９])[0-9０-９一二两三四五六七八九十百]+名(?:(?![死亡伤难踪毒])[\u4e00-\u9fff]){1,4}、)+$")
_ENUMERATED_COUNT = re.compile(r"([0-9０-９一二两三四五六七八九十百]+)名")
# "确诊440例死亡9例": a count right after another noun or verb is that word's, not the next verb's.
_OTHER_COUNT_BEFORE = re.compile(r"(?:确诊|感染|疑似|病例|阳性|治愈|出院)$")
# The people a rescue verb counts were saved, whatever death follows ("均救三十二人后死亡", a dog's);
# the injured it counts are still injured ("正在抢救2名重伤者").
_RESCUED_BEFORE = re.compile(r"(?:救|救出|救起|救活|救下|营救|解救)$")
_TOOK_LIVES = re.compile(r"夺走|夺去|吞噬|带走|葬送|失去|造成")
# "239个鲜活的生命，154名同胞就此消逝": the lives counted are lost later in the sentence.
_LIVES_LOST = re.compile(r"[^。！？!?]{0,16}?(?:消逝|逝去|陨落|离去|罹难|遇难)")
# No single event of the news has killed a million people: a toll that large is a war's or an era's.
_WAR_TOLL = 1_000_000
_CORRECTION = re.compile(r"修正|更正|核减|下调|调整")
_REVISED = re.compile(r"(?:修正|上调|下调|调整|修订|更正)[为至到]$")
_SPOT = re.compile(r"当场|现场")
_LATER = re.compile(r"抢救无效|不治|送医|送往医院|途中|医院|伤重")
# 去世 and 离世 are mostly illness or age ("11位演员先后离世"): a count of them is the event's only with
# the event between the count and the verb: "4名伤者不幸离世", "4人在事故中不幸去世".
_PASSED_IN_EVENT = re.compile(r"伤者|伤员|伤势|伤重|重伤|抢救|事故|车祸|意外|火灾|大火|爆炸|坍塌|垮塌|地震|洪水|泥石流|"
                              r"山洪|溺水|落水|坠|被困|遇险|中毒|袭击|枪击|踩踏|撞")
#: Illness and age: a death of them is no event's (fact_victims reads a victim's death with it too).
ILLNESS = re.compile(r"病|癌|瘤|衰竭|心梗|心肌梗|脑溢血|脑出血|中风|肺炎|肺痨|结核|感染|新冠|艾滋|败血|疾|高龄|寿终|年迈|衰老|年老")
_TRIGGER = re.compile(r"死|亡|弑|遇难|罹难|丧|伤|里氏|失踪|下落不明|失联|中毒|损失|震|遗体|尸体|殒命|殉职|牺牲|生命|性命|人命|毙|症状|发病|遇害|[去离]世")
# The killing verbs without 死 ("杀害", "枪杀"), tested only in a text holding 杀: one more alternative in
# _TRIGGER costs every text a slower scan.
_KILL_TRIGGER = re.compile("|".join(verb for verb in _KILL_WITHOUT_DEATH if "杀" in verb))
_KINDS = ("death", "serious", "minor", "light", "hurt", "missing", "poisoned", "symptom", "hospital")
_Q2_KIND = {"重伤": "serious", "轻伤": "hurt", "受伤": "hurt", "伤": "hurt", "失踪": "missing", "失联": "missing"}


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
        if src.startswith("二房东", m.start()):
            return  # a sublandlord, not two landlords: "二房东厨房改卧室致租客中毒身亡"
        if kind == "death" and qty.value >= _WAR_TOLL:
            return  # a war's, a famine's or an era's toll ("打伊拉克致使上百万人死亡"), never one event's
        gap = m.groupdict().get("gap") or ""
        if _ACTING_ON_BODY.search(m.groupdict().get("noungap") or ""):
            return  # the ones counted act on the body: "四个妻子抢夺遗体", "3名民警护送遗体"
        before = src[max(0, m.start() - 3): m.start()]
        if m.groupdict().get("compact") and (m.group(group) in ("十", "百", "千", "万", "亿")
                                             or before.endswith(_FATE_BEFORE)):
            return  # a bare unit before 死 is an idiom, not a count: "罪该万死"; so is "人终有一死"
        if _is_rate(src, m.start()):
            return  # a rate, not a count: "每33个人就会有一人死亡"
        if _unreal(src, m.start(), m.end()):
            return  # a wish or an anniversary: "多么希望听到的是，…造成36人死亡", "遇难20周年"
        if gap.startswith("以上") and (src.startswith("的", m.end()) or _GENERIC_AFTER.match(src, m.end())
                                       or gap.endswith("的")):
            # a class of events by their toll: "近年发生的导致10人以上死亡的重特大交通事故中", "只有造成3人以上的
            # 死亡…才算是严重危害" (a toll as a noun after 以上的: the law's threshold)
            return
        if before.endswith(("高", "初", "大", "研")) and len(m.group(group)) == 1:
            return  # a school year, not a count: "高二男生", "大四女生"
        if (_NEGATED_BEFORE.search(before) or _OTHER_COUNT_BEFORE.search(before)
                or (kind == "death" and _RESCUED_BEFORE.search(before))
                or _negated(gap) or _NEGATED_GAP.search(gap) or _attacker(gap) or _agents(gap, m.groupdict().get("death"))):
            return
        if (m.groupdict().get("death") and m.start("death") > m.start(group) and _KILLING.fullmatch(m.group("death"))
                and _PASSIVE.search(gap) is None and _OBJECT_AFTER.match(src, m.end())):
            return  # "八名潜水员合作杀害了红海巨蛇": the ones counted killed whoever is named after the verb
        if (kind == "death" and src.endswith("家", 0, m.start()) and _PERSON_RE.search(gap)
                and not _PLURAL_IN_GAP.search(gap)):
            return  # "一家4口爬山祈福妻子坠亡": the family is counted, the one named in it died
        if doc.outside(m.start(), in_title):
            return
        if kind == "hurt" and m.groupdict().get("hurt") in ("伤者", "伤员"):
            flags |= {"noun"}  # "3名伤者被送往医院" names some of the injured, not their total
        if kind == "death" and m.start(group) == m.start() and src.startswith("名", m.end(group)):
            listed = _ENUMERATED.search(src, max(0, m.start() - 30), m.start())
            counts = [parse_number(n) for n in _ENUMERATED_COUNT.findall(listed.group())] if listed else []
            if counts and all(counts) and not qty.is_range:
                qty = replace(qty, value=qty.value + sum(c.value for c in counts if c), low=None, high=None)
        found.append(Mention(kind, qty, m.start(), m.group(), in_title, flags))

    for src, in_title in doc.sources():
        # Word-then-count first: its count is taken, so "撞死1人后再撞伤3人" does not also read
        # "1人后再撞伤" as one injured.
        for m in _BEFORE.finditer(src):
            if m.group("cls") is None and m.group("noun") != "人数":
                continue  # "死亡2小时后" is not a count
            if m.group("death") == "害死":
                continue  # an accusation's or a legend's toll ("巨大蛇害死了320游客"), not a report's
            if m.group("death") == "死了" and src.startswith("一个", m.start("q")) and not src.startswith("一个人", m.start("q")):
                continue  # "死了一个，千万人补上来": one of a kind, no toll
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
            if kind == "hospital" and (not poisoning or _REMAINDER.search(
                    re.split(r"[，,。；;！？]", src[max(0, m.start() - 10): m.start()])[-1])):
                continue  # "尚有4人住院治疗", "其中3人住院": those still in hospital, or some, not the group
            if m.group("passed") and (_PASSED_IN_EVENT.search(m.group("gap")) is None
                                      or ILLNESS.search(m.group("gap"))):
                continue
            when = ""
            if (m.group("death") and _KILLED_RE.fullmatch(m.group("death")) and "被" not in m.group()
                    and _OBJECT_COUNT.match(src, m.end())):
                continue  # "4名少年砍死1人": the count before the verb is the killers', the one after it counts
            if m.group("death"):
                # "当场有4人死亡": the clause's opening words count too.
                context = re.split(r"[，,。；;！？]", src[max(0, m.start() - 8): m.start()])[-1] + m.group()
                when = "spot" if _SPOT.search(context) else "later" if _LATER.search(context) else ""
            add(kind, "q", m, src, in_title, frozenset({when} - {""}))
            if m.group("poisondeath"):  # "一家三口煤气中毒身亡": poisoned, and dead
                add("death", "q", m, src, in_title, frozenset())
        for m in _NAMED_VICTIMS.finditer(src):
            n = sum(2 if v.group("two") else 1 for v in _VICTIM.finditer(m.group("victims")))
            if not doc.outside(m.start(), in_title):
                found.append(Mention("death", Quantity(n, False, n, n, m.group()), m.start(), m.group(), in_title))
        for m in itertools.chain(_PAIR.finditer(src), _PARENTS.finditer(src), _TWO_JOINED.finditer(src)):
            if _COUNTED_PAIR.search(src, max(0, m.start() - 2), m.start()):
                continue  # "五兄弟在六弟惨遭抢劫杀害后": the noun is counted, and not two
            gap = m.group("gap") or ""
            # "夫妻争吵妻子身亡": one of the two is named, and only one died.
            if not (_negated(gap) or _CONDITIONAL.search(src, max(0, m.start() - 4), m.start())
                    or re.search(_ONE_PERSON, gap) or doc.outside(m.start(), in_title)):
                n, phrase = 2, m.group()
                more = _ONE_MORE_DIED.match(src, m.end())
                if more is not None and not (_negated(more.group("gap")) or _PERSON_RE.search(more.group("gap"))):
                    n, phrase = 3, m.group() + more.group()  # "父母被枪杀女儿沉湖淹死": a third, told right after
                found.append(Mention("death", Quantity(n, False, n, n, phrase), m.start(), phrase, in_title))
        for m in _KIN_LISTED.finditer(src):
            kin = [k.group() for k in _KIN_RE.finditer(m.group("list"))]
            if (len(set(kin)) < len(kin) or _negated(m.group("gap"))
                    or _CONDITIONAL.search(src, max(0, m.start() - 4), m.start())
                    or _COUNTED_PAIR.search(src, max(0, m.start() - 2), m.start()) or doc.outside(m.start(), in_title)):
                continue
            n = sum(2 if _KIN_PAIR.fullmatch(k) else 1 for k in kin)
            others = "等" in m.group()  # "女儿女婿等": at least the two named
            found.append(Mention("death", Quantity(n, others, n, None if others else n, m.group()), m.start(),
                                 m.group(), in_title))
        for m in _DEATH_TOTAL.finditer(src):
            if not _OTHER_KIND.search(m.group("between")):
                add("death", "q", m, src, in_title, frozenset())
        for m in _WITH_ONE_MORE.finditer(src):
            start = m.start() - len(_CLAUSE_TAIL.search(src, 0, m.start()).group())  # type: ignore[union-attr]
            head = src[start: m.start()]
            subject = _PERSON_RE.search(head)
            if (subject is None or _KILLING.search(head) or _COUNTED_IN_HEAD.search(head)
                    or _PERSON_RE.search(head, subject.end()) or _negated(head + m.group("gap"))
                    or doc.outside(m.start(), in_title)):
                continue  # one subject, no other person, no killing, no count: the two died together
            phrase = head[subject.start():] + m.group()
            found.append(Mention("death", Quantity(2, False, 2, 2, phrase), start, phrase, in_title))
        for m in _KIN_ALSO_DIED.finditer(src):
            start = doc.scope.sentence(m.start())[1] if not in_title else 0
            if (_DEATH_BEFORE.search(src, start, m.start()) and not _negated(m.group())
                    and not doc.outside(m.start(), in_title)):
                found.append(Mention("death", Quantity(2, False, 2, 2, m.group()), m.start(), m.group(), in_title))
        for m in _COUNT_THEN_DIED.finditer(src):
            if (_NOT_DEATH_FIRST.search(m.group("gap")) or _PERSON_RE.search(m.group("gap2"))
                    or _negated(m.group("gap2"))):
                continue
            add("death", "q", m, src, in_title, frozenset())
        for m in _KILLED_THEN_SELF.finditer(src):
            victims = m.group("victims")
            if (_VICTIMS_UNCOUNTED.search(victims) or _negated(src[max(0, m.start() - 4): m.start()] + m.group("gap"))
                    or _SURVIVED_SELF.search(m.group("after")) or doc.outside(m.start(), in_title)):
                continue
            n = max(1, sum(2 if v.group("two") else 1 for v in _VICTIM.finditer(victims))) + 1
            phrase = m.group()[: len(m.group()) - len(m.group("after"))]
            found.append(Mention("death", Quantity(n, False, n, n, phrase), m.start(), phrase, in_title))
        for m in itertools.chain(_BOTH_NAMED.finditer(src), _WITH_CHILD.finditer(src)):
            gap = m.group("gap")
            if (_negated(src[max(0, m.start() - 4): m.start()] + m.group()) or _PERSON_RE.search(gap)
                    or "其中" in gap or _KILLING.search(gap) or _SURVIVED.search(src, m.start())
                    or doc.outside(m.start(), in_title)):
                continue
            found.append(Mention("death", Quantity(2, False, 2, 2, m.group()), m.start(), m.group(), in_title))
    return found


_PERSON_RE = re.compile(_PERSON)
# A family counted ("一家4口"), then all or several of them named: the count stands.
_PLURAL_IN_GAP = re.compile(r"全|均|都|们|俩|双双|一起|一同|及|和|与|、")
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


# A sentence that wishes for what it tells ("多么希望听到的是，…36人死亡", "但愿…"); a death told with its
# anniversary ("溺水身亡15周年", "遇难四十周年"): no event of the day.
_WISHED = re.compile(r"希望(?:听到|看到|的是)|多么希望|但愿|巴不得|恨不得")
_SENTENCE_START = re.compile(r"[。！？!?\n][^。！？!?\n]*$")
#: "N周年", an anniversary's years (event_report reads an anniversary with it too).
ANNIVERSARY_YEARS = r"[0-9０-９一二三四五六七八九十百千万两]+周年"
_ANNIVERSARY_AFTER = re.compile(rf"[^，,。；;！？!?]{{0,4}}?{ANNIVERSARY_YEARS}")


# People counted before a body noun, with a verb between them and it: they are not the bodies.
_ACTING_ON_BODY = re.compile(rf"(?:{_ONE_PERSON})[^的]+$")
#: A statute's condition ("致人死亡的，依照前款的规定处罚", "造成3人以上死亡的，处…"): the law's case, no event.
STATUTE_AFTER = re.compile(r"的[，,]\s*(?:依照|依|按照|处|应当|可以|由)")
# A casualty-free outcome hoped for, not reported: "希望没有人员伤亡", "望无伤亡", "祈祷无人伤亡".
_HOPED_BEFORE = re.compile(r"(?:希望|望|愿|但愿|祈祷|祈求|保佑|祝)[^，,。；;！？!?]{0,4}$")


def _unreal(src: str, start: int, end: int) -> bool:
    """Whether the phrase at ``start:end`` of ``src`` is wished for, an anniversary's or a statute's."""
    head = src[max(0, start - 60): start]
    sentence = _SENTENCE_START.search(head)
    if _WISHED.search(sentence.group() if sentence else head):
        return True
    return _ANNIVERSARY_AFTER.match(src, end) is not None or STATUTE_AFTER.match(src, end) is not None


def _negated(text: str) -> bool:
    """Whether ``text`` negates or hedges what follows ("险些丧生", "扬言要杀死"), compounds aside."""
    return _NEGATORS.search(_NOT_NEGATING.sub("", text)) is not None


def find_zeros(doc: Doc) -> tuple[str | None, str | None]:
    """The zero statement for deaths and for injured, if any (the phrase)."""
    deaths = injured = None
    for src, in_title in doc.sources():
        for m in _ZERO.finditer(src):
            if ((m.group("gap") and _ZERO_GAP_BAD.search(m.group("gap"))) or doc.outside(m.start(), in_title)
                    or _HOPED_BEFORE.search(src[max(0, m.start() - 8): m.start()])):
                continue
            what = m.group("what") or m.group("what2") or m.group("what3") or m.group("what4") or m.group("what5")
            if what != "受伤":  # "所幸无人员受伤", "没有人受伤": no injured, and nothing said of deaths
                deaths = deaths or m.group()
            if what in ("伤亡", "死伤", "受伤"):
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
