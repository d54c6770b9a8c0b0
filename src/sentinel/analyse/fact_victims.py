"""One victim named without a number, in a title and a body: "女大学生被车撞飞身亡", "将老师打成重伤".

:func:`find_singular` gives the phrase naming one dead, :func:`find_hurt_singular` one injured (and
whether seriously), :func:`find_topic_singular` one death stated by a post's #topic#;
:mod:`sentinel.analyse.facts` reads them when the text states no count. A victim is found around a death
or wound verb ("司机当场死亡", "刺死老师", "致其死亡"), in a headline clause ("16岁辍学少年因琐事捅死同窗"),
in a body clause that ends on a death, in a sentence about one person ("北京一主妇煮饭时…，最终因心肺衰竭而
死亡") or as a body found ("遗体被发现"). The guards keep out what names no single victim of the event: a
plural or a count ("多名村民", "学生们"), a negation or a hedge ("险些丧生"), the attacker ("男子酒后扎伤舍
友"), an animal ("猫不幸身亡"), a virus or an illness, a rate ("每10万人中有1人死亡"), a kind of case
("学生溺亡事故", "惨剧又在河南重演"), a rumour denied ("系谣言"), a dream, a film's or a novel's plot, or a
text that says it is made up.

The words (people, killing verbs, measures) and the guards the counts share (negation, attacker, rate) are
:mod:`sentinel.analyse.fact_phrases`'.
"""

from __future__ import annotations

import itertools
import re

from sentinel.analyse.fact_phrases import (
    _ANNIVERSARY_AFTER,
    _CLAUSE_CHARS,
    _CLAUSE_TAIL,
    _CN_DIGITS,
    _CONDITIONAL,
    _GENERIC_AFTER,
    _KILL_BY,
    _KILL_WITHOUT_DEATH,
    _KILLED,
    _MEASURE,
    _OBJECT_GAP,
    _ONE_PERSON,
    _PAIR,
    _PAIR_NOUN,
    _PASSIVE,
    _PERSON,
    _PERSON_RE,
    _RATE,
    _STOP,
    _TWO_PEOPLE,
    _WOUNDED,
    ILLNESS,
    STATUTE_AFTER,
    Doc,
    _attacker,
    _is_rate,
    _negated,
)

__all__ = ["find_hurt_singular", "find_singular", "find_topic_singular"]


# One victim named without a number: "司机当场死亡", "女大学生被车撞飞身亡", "刺死老师", "致其死亡"; a
# surname with 某 ("王某"), not 某些/某种/某类 ("食用某些种类的玉米后死亡").
_ONE = rf"(?:{_ONE_PERSON}|[\u4e00-\u9fff]某某?(?![些种类])|(?<=[致使令将把])(?:其|对方)|(?<=致)人)"
# Killing verbs joined by 、 share the victim: "将婴儿掐、勒死".
_JOINED_VERB = rf"[{_KILL_BY}]、(?=[{_KILL_BY}])"
# A headline may set a space between a role and a name ("医疗事故致歌手 申海哲死亡"): a space followed by a
# name of two or three characters and the death verb does not end the clause.
_NAME_SPACE = r"\s(?=[\u4e00-\u9fff]{2,3}(?:死亡|身亡|遇难|遇害|丧生|去世))"
_ONE_GAP = rf"(?:{_MEASURE}|{_JOINED_VERB}|[A-Za-z][A-Za-z0-9]*|{_NAME_SPACE}|[^{_STOP}{_CN_DIGITS}]){{0,20}}?"
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
# A killing named with its victim is one case ("城管打死卖野菜学生事件"), unless said to recur.
_ONE_CASE_AFTER = re.compile(r"(?:事件|案)(?![^，,。；;！？!?]{0,4}?(?:频|屡|多|不断|时有|再|又|一再))")
# A headline's death verb with no count and no plural names one death, whoever died: "湖北亿万富翁天津坠楼
# 身亡", "军校生不满队长恶言跳楼身亡". (遇难, 死亡 and 牺牲 are left out, "乘客全部遇难", "死亡威胁", save
# after the accident that caused them.)
# 牺牲 ends its clause there ("23岁战士执行任务时不幸牺牲"; "牺牲形象" is no death); 弑父 kills one.
_HEADLINE_DEATH = re.compile(rf"身亡|遇害|殒命|溺亡|丧生|殉职|丧命|命丧|毙命|猝死|惨死|[坠碾]亡|(?<=毒)亡|(?<=[竭毒重症])而亡|致死"
                             rf"|牺牲(?=$|后|续)"
                             # 去世, 离世, 遇难 and 死亡 after the accident that caused them: "遇车祸去世",
                             # "虎跳峡坠崖遇难", "打铁花成网红中毒离世" (not "车祸死亡率", "事故遇难者")
                             rf"|(?<=车祸|事故|意外|空难|坠崖|坠楼|坠河|溺水|中毒|触电)(?:不幸)?(?:去世|离世|遇难|死亡)"
                             rf"(?![率人数者])"
                             # 死亡 after what came before it: "被朋友殴打昏迷数天后死亡"
                             rf"|(?<=后)(?:不幸)?死亡(?![率人数者])"
                             # 死亡 said to be so already: "证实本-拉登已死亡"
                             rf"|(?:(?<=已)|(?<=已经))(?P<already>死亡)(?![率人数者])"
                             rf"|弑(?:父|母|兄|弟|妻|夫|师)(?![母亲])|(?<![周遭])[被遭][^{_STOP}]{{0,8}}?(?P<passive>{_KILLED}|杀害)")
# Or it kills one: "16岁辍学少年因琐事捅死同窗" (the object is named right after the verb).
_CLAUSE = re.compile(rf"{_CLAUSE_CHARS}+")
# (一 alone counts one: "一个动作失误滑落河中溺亡" is one death; 一家, 一群, 一对 are caught by their nouns.)
# Numerals count people only with a people's classifier or a person ("数条生命", "两只船" are not people).
# A count above one ("3", "两", "十几", "多"): 一 alone counts one, and so does 1 ("1名男子从10楼跳楼身亡").
_MANY = rf"(?![1１](?![0-9０-９.]))[0-9０-９{_CN_DIGITS.replace('一', '')}十百千多数几]+"
# (Tens of thousands in figures, "800万人因此丧生", count many; "千万富翁", "亿万富翁" are one rich man.)
_PLURAL_CLAUSE = re.compile(rf"{_MANY}(?:[名人位口具]|个?(?={_PERSON}))|[0-9０-９.]+[万亿][名人]"
                            r"|[群些对]|们|等|均|都|全部|纷纷|先后|相继|分别|一家|双双|多少")
_HEADLINE_KILLS_DEATH = re.compile(rf"(?P<v>{_KILLED})了?(?P<obj>(?:{_MEASURE}|[^{_STOP}]){{1,6}})")
_HEADLINE_WOUNDS = re.compile(rf"(?P<v>[撞砍刺捅打咬砸扎击烧烫割]伤)(?![而后]?(?:致死|死亡|身亡|不治))了?"
                              rf"(?P<obj>(?:{_MEASURE}|[^{_STOP}]){{1,6}})")
_MEASURE_RE = re.compile(_MEASURE)
# Several people, not one: "多名村民", "学生们", "两人都".
_PLURAL_BEFORE = re.compile(rf"(?:[0-9０-９{_CN_DIGITS.replace('一', '')}十百千万多数几群些对]|(?<!一)[名位个])$")  # "一男子" is one
_PLURAL_GAP = re.compile(rf"们|等|多|数|群|家|俩|双双|都|均|全部|全体|所有|纷纷|先后|相继|分别|一起|一家|累计|共计|总计"
                         rf"|(?:及|和|与|、)(?:{_ONE_PERSON}|{_PAIR_NOUN}|[\u4e00-\u9fff]某)")


# A death the text itself denies: "…被电身亡赔偿案纯属假新闻", "司机猝死系谣言".
_DENIED = re.compile(r"谣言|谣传|假新闻|不实|辟谣|纯属虚构|子虚乌有|假消息")
# The one who died is an animal: "猫不幸身亡", "蟒蛇…被村民打死", "司机捡被撞死野鸡".
_ANIMAL = re.compile(r"猫|狗|犬|蛇|蟒|鸡|鸭|鹅|猪|牛|羊|熊猫|熊|虎|狼|狮|豹|猴|鱼|鸟|鹰|鹿|兔|鼠|豚|鲸|宠物|动物")
_ANIMAL_LAST = re.compile(rf"(?:{_ANIMAL.pattern})$")
_ANIMAL_AFTER = re.compile(rf"[^{_STOP}]?(?:{_ANIMAL.pattern})")  # "被撞死野鸡": the animal is the one killed
# Words between a subject and its verb that say how, not who: "猫不幸身亡".
# What a figurative killing kills: a match (a sports idiom), one's own moods or habits, a rhetorical
# question's institution ("谁杀死了驾校" is caught by its 谁).
_FIGURATIVE_OBJECT = re.compile(r"了?(?:比赛|悬念|(?:我|你|他|她|我们|你们|自己)的|我$|你$)")
_ADVERBS = re.compile(r"不幸|意外|当场|竟然?|已经?|也|均|最终|突然|因此|而")


# An animal after a verb of meeting or of what one did with it is the object, not the one who died:
# "出租车司机路遇黑熊欲拍合照留念反遭袭丧命" (the driver died), "和受伤懒熊自拍".
_ANIMAL_OBJECT = re.compile(rf"(?:遇到?|遇上|碰到|碰上|撞见|看见|看到|见到|喂|逗|拍|和|与|跟)[^{_STOP}]{{0,2}}?(?:{_ANIMAL.pattern})")


_ANIMAL_FIRST = re.compile(rf"(?:[一两三几][只头条匹]|小|大)?(?:{_ANIMAL.pattern})")


def _animal_before(text: str, *, pronoun: bool = False) -> bool:
    """Whether the one who died, named just before the verb, is an animal.

    The subject stands right before the verb (adverbs aside), or before 被/遭 in a passive; for a
    pronoun ("致其死亡") it is whoever the clause named last.
    """
    cut = max(text.rfind("被"), text.rfind("遭"))
    subject = _ADVERBS.sub("", text[:cut] if cut > 0 else text)
    if not (pronoun or cut > 0):
        # The subject is right before the verb, or opens the clause when no person is named in it:
        # "小猴子石山玩耍不慎坠落身亡".
        return _ANIMAL_LAST.search(subject) is not None or (
            _ANIMAL_FIRST.match(_NO_ANIMAL.sub("", subject)) is not None and _PERSON_RE.search(subject) is None)
    animals = [m.end() for m in _ANIMAL.finditer(_ANIMAL_OBJECT.sub(lambda o: "·" * len(o.group()), subject))]
    people = [m.end() for m in _PERSON_RE.finditer(subject)]
    return bool(animals) and (not people or animals[-1] > people[-1])


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


# A noun named after its death verb ("遇难中国游客") is bare, one or many: a quantifier after it in its clause
# ("…身份全部确认", "…均已") makes it many (们 and 等 are left out: "给我们", "等待").
_PLURAL_AFTER = re.compile(rf"[^{_STOP}]{{0,6}}?(?:全部|全都|全体|均|各自|分别)")


# Words of many people of a kind, and of a supposition.
_MANY_WORDS = r"许多|很多|太多|众多|诸多|无数|不少"
_SUPPOSING = rf"只要|{_CONDITIONAL.pattern}"
# Many of a kind, or one supposed, named in the clause before the subject: "太多环卫工人在高速公路发生事故身亡",
# "只要有一个无辜的孩子曾在此因为求学而丧生"; not when the many speak of the one ("不少村民称男子被打死").
_MANY_OR_SUPPOSED = re.compile(rf"(?:{_MANY_WORDS}|多少|{_SUPPOSING})[^{_STOP}称说]{{0,8}}$")


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
        if _PLURAL_BEFORE.search(before) or _MANY_OR_SUPPOSED.search(src, max(0, m.start() - 10), m.start()):
            return False
        # "男子…杀死" names the attacker; "将其勒死", "被…撞死" name the victim.
        is_object = (src[m.start() - 1: m.start()] in ("将", "把", "致", "使", "令")
                     or _OBJECT_BEFORE.search(src, max(0, m.start() - 5), m.start()) is not None)
        if _TRANSITIVE_VERB.match(m.group("v")) and not (_PASSIVE.search(gap) or is_object):
            return False
    if m.groupdict().get("gap3") is not None and _PLURAL_AFTER.match(src, m.end()):
        return False  # "贝加尔湖遇难中国游客身份全部确认": the noun after its verb is plural, said after it
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
                    or (_GENERIC_AFTER.match(text, m.end()) and not _aged_case(text, m))
                    or _DENIED.search(doc.title)):
                continue
            if m.groupdict().get("already") and _not_person(text[: m.start()]):
                continue  # "癌细胞已死亡": 已死亡 is said of anything alive
            passive = bool(m.groupdict().get("passive"))  # "蟒蛇…被村民打死": the subject is the one killed
            # "撞死人" kills a person, whatever animal the clause names after it ("遛狗从不拴绳撞死人否认养狗").
            if tail is not None and _ANIMAL.search(tail) and not (_PERSON_RE.search(tail) or tail.startswith("人")):
                continue  # "射杀中国水鹿": an animal, however qualified, and no person
            if tail is not None and "杀" in m.group("v") and (
                    _FIGURATIVE_OBJECT.match(tail) or text[max(0, m.start() - 1): m.start()] == "谁"):
                continue  # "杀死比赛", "杀死了我的精神内耗", "谁杀死了驾校": no one is killed
            if _ANIMAL_AFTER.match(tail) if tail is not None else (
                    _animal_before(text[: m.start()], pronoun=passive) or _ANIMAL_AFTER.match(text, m.end())):
                continue
            if not doc.outside(clause.start(), True):
                return text
    return None


_AGE = re.compile(r"[0-9０-９]+岁")
# The case of one person, named by who the victim was: "空姐遇害案", "东京女留学生遇害案", "高中生被刺死案"
# (a kind of case is said to recur: "学生溺亡案频发"; a count or a plural before it is left to the rules
# that count).
_PERSON_CASE = re.compile(rf"(?P<who>{_ONE_PERSON})(?:被[^{_STOP}]{{0,6}}?)?"
                          rf"(?P<v>遇害|被害|身亡|坠亡|溺亡|[{_KILL_BY}]死|杀害|枪杀|射杀)(?=案)")


def _aged_case(text: str, m: re.Match[str]) -> bool:
    """A case of one person named by age: "13岁脑瘫女孩留遗书跳楼坠亡案后续", "16岁高中生被刺死案" (a kind
    of case names no age: "学生溺亡事件频发")."""
    return _ONE_CASE_AFTER.match(text, m.end()) is not None and _AGE.search(text, 0, m.start()) is not None


# A death word that reports no death: a threat ("被死亡威胁").
_NO_DEATH_AROUND = re.compile(r"威胁|恐吓")


def _case_one(doc: Doc) -> str | None:
    """A title's case of one person (``_PERSON_CASE``)."""
    for clause in _CLAUSE.finditer(doc.title):
        text = clause.group()
        for m in _PERSON_CASE.finditer(text):
            before = _MEASURE_RE.sub("", text[: m.start("who")]).replace("零", "")
            if (_PLURAL_CLAUSE.search(before + m.group()) or _PLURAL_BEFORE.search(before)
                    or _negated(text[max(0, m.start() - 6): m.end()]) or not _ONE_CASE_AFTER.match(text, m.end())
                    or _DENIED.search(doc.title) or _INVADERS.search(text, 0, m.start())):
                continue
            if not doc.outside(clause.start(), True):
                return m.group()
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
                if (_names_one(m, src) and not doc.outside(m.start(), in_title)
                        and not _NO_DEATH_AROUND.match(src, m.end()) and not _ANNIVERSARY_AFTER.match(src, m.end())
                        and not STATUTE_AFTER.match(src, m.end())):
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
    return (_headline_one(doc, _HEADLINE_DEATH) or _headline_one(doc, _HEADLINE_KILLS_DEATH) or _case_one(doc)
            or _topic_one(doc) or _clause_one(doc) or _body_found(doc))


# A clause that ends on a death ("…在家中自杀身亡。", "…送到医院抢救无效死亡，", "…遭淋汽油烧死】", a rescue's
# "被困男子被救出时已无生命体征") reports one death when nothing in its sentence counts more: whoever is
# named, however far before the verb.
# 去世 and 离世 alone are mostly illness or age: they count with a cause ("因滑雪事故去世", "因车祸去世",
# "遭遇车祸不幸离世"). 摔死 ending its clause has no object: the subject fell to death, when the clause
# tells the fall ("不慎爬山坠崖摔死，"; "今天骑电瓶车摔死了" is a hard fall).
_CLAUSE_DEATH = re.compile(
    rf"(?:身亡|(?P<bare>死亡)|丧生|遇难|殒命|遇害|罹难|溺亡|坠亡|(?P<sudden>猝死)|丧命|(?P<died>去世|离世)|(?:无|没有)了?生命体征"
    rf"|(?P<passive>[被遭])[^{_STOP}]{{0,12}}?{_KILLED}|(?P<fell>摔死))了?(?=$|[{_STOP}…\[]|(?P<news>的(?:消息|噩耗|新闻|原因|真相|经过)))")
_DEATH_CAUSE = re.compile(r"车祸|事故|意外|遇袭|遇刺|坠|溺|火灾|爆炸|被(?!传)|猝|自杀|因(?![病故抢])")
# An illness that kills on the spot is a sudden death, as 猝死 is: "当场心脏病发去世", "突发脑溢血死亡".
_SUDDEN = re.compile(r"当场|突发|猝")
_FALL = re.compile(r"坠|跳|跌|掉|滑落|落下|楼上|山崖|悬崖")
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
                         rf"|选择|经历|看待|除了|直到|加速|上演|只有|{_SUPPOSING}|岂|[%％]|[我你]|希望|祝|愿|诅咒"
                         rf"|{_MANY_WORDS}|大量(?![出失]血)|一些|吐血$"
                         # what will come, foretold: "他日必因此殒命"
                         r"|他日|日后|将来|迟早|终将|必将|必因")
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


def _violent(clause_head: str) -> bool:
    """Whether the clause tells a death by a fall, an accident or a hand, no illness in it: an illness
    told before it is the background ("一身的疾病…，最终…老兵从三楼跳下身亡"), not the cause."""
    return (_DEATH_CAUSE.search(clause_head) or _FALL.search(clause_head)) is not None \
        and ILLNESS.search(clause_head) is None


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
        sudden = bool(m.group("sudden") or (_SUDDEN.search(clause_head) and ILLNESS.search(clause_head)))
        if len(clause_head) < 2 or (alone and not _STORY_CAUSE.search(head)) or (not alone and (
                (m.group("died") and not (sudden or _DEATH_CAUSE.search(clause_head)))
                or (m.group("bare") and not _BARE_DEATH_AFTER.search(clause_head))
                or (m.group("fell") and not _FALL.search(clause_head)))):
            continue
        if _ANNIVERSARY_AFTER.match(doc.body, m.end()):
            continue  # "Jeff Buckley溺水身亡15周年": an anniversary, no event of the day
        if "咬死" in m.group() and not _PERSON_RE.search(clause_head):
            continue  # a bite kills pets and livestock more often than people: the bitten one is named one
        if (_not_person(head) or _IN_GENERAL.search(clause_head)
                or (not sudden and ILLNESS.search(head) and not _violent(clause_head))):
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
    rf"|(?:发现|找到|寻获|打捞[起出上]?)了?(?:其|他的?|她的?|[\u4e00-\u9fff]某的?)?(?:遗体|尸体)(?![^{_STOP}]{{0,4}}?[具名])"
    rf"|(?:遗体|尸体)已经?(?:找到|寻获|打捞上岸)")
_BODY_OF_MANY = re.compile(rf"遇难者|罹难者|死者|伤者|们|俩|均|都|全部|分别|先后|相继|陆续|其余|其他|另一|又|{_TWO_PEOPLE}")


def _body_found(doc: Doc) -> str | None:
    """A clause saying one person's body was found (``_BODY_FOUND``), in the body or, a headline alone
    ("陕西11岁失联男孩遗体被发现"), in the title."""
    in_title = not doc.body.strip()
    src = doc.title if in_title else doc.body
    if "遗体" not in src and "尸体" not in src:
        return None
    if _DENIED.search(src) or _DREAM.search(src):
        return None
    for m in _BODY_FOUND.finditer(src):
        start = 0 if in_title else doc.scope.sentence(m.start())[1]
        head = src[start: m.start()]
        tail = _CLAUSE_TAIL.search(head)  # (it matches the empty string at least)
        clause = (tail.group() if tail else "") + m.group()
        counted = _MEASURE_RE.sub("", head + m.group()).replace("零", "")
        if (_COUNTED.search(counted) or _PLURAL_CLAUSE.search(_MEASURE_RE.sub("", clause))
                or _BODY_OF_MANY.search(clause) or _PAIR_WORDS.search(head) or _negated(clause)
                or _not_person(clause) or doc.outside(m.start(), in_title)):
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
