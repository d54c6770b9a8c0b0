"""Which parts of a report speak of its event (sentinel.analyse.event_scope)."""

from __future__ import annotations

import pytest

from sentinel.analyse.event_scope import Scope

# (why, title, body, the phrase whose position is judged, magnitude of the event, expected reason)
CASES = [
    ("the event itself", "", "昨日凌晨，一辆客车与货车相撞，造成3人死亡。", "3人死亡", None, None),
    ("a period", "", "车祸造成3人死亡。今年以来，全省共发生较大交通事故15起，死亡56人。", "死亡56人", None, "statistic"),
    ("a jurisdiction's total", "", "车祸造成3人死亡。全市共发生火灾120起，死亡9人。", "死亡9人", None, "statistic"),
    ("a statistic in the title", "卫生部:前9月327人食物中毒死亡", "", "327人", None, "statistic"),
    ("a ranking is the event", "", "事故造成5人死亡，是今年以来最严重的一起。", "5人死亡", None, None),
    ("an earlier year", "", "地震造成2人受伤。2008年该地发生的地震造成69227人死亡。", "69227人", None, "background"),
    ("the lead may carry the event's year", "", "2004年9月1日，别斯兰第一中学1000余人被劫为人质，造成335人死亡。",
     "335人", None, None),
    ("此前 in the lead", "", "昨日该县发生4.3级地震，目前尚无人员伤亡，此前该地发生的地震曾造成95人死亡。", "95人", 4.3,
     "background"),
    ("another event opened", "", "大巴坠崖造成3人死亡。另据报道，该国南部20日发生一起汽车炸弹袭击，造成12人死亡。", "12人",
     None, "other event"),
    ("another date of occurrence", "",
     "2003年8月19日，办事处遭汽车炸弹袭击，造成至少24人死亡。北部21日发生的连环爆炸造成50人死亡。", "50人", None, "other event"),
    ("another month", "",
     "新华网洛美４月１５日电 一辆大客车１４日晚与拖车相撞，造成４７人死亡。３月，一辆小巴在坡道上连续翻滚，造成５人当场死亡。",
     "５人", None, "other event"),
    ("another magnitude", "", "该县发生5.0级地震，1人受伤。附近发生的6.6级地震造成95人死亡，至今仍有房屋未重建。",
     "95人", 5.0, "other event"),
    ("a revised magnitude is the same quake", "", "该县发生5.0级地震。震级修正为5.2级，已造成3人受伤。", "3人", 5.2, None),
    # the same event spoken of again: none of these is another event
    ("the same event on a later day", "",
     "14日凌晨，一栋在建楼房发生坍塌，造成3人死亡。16日，现场发生二次坍塌，造成2名救援人员受伤。", "2名", None, None),
    ("an aftershock is the same quake", "", "该县发生5.0级地震。随后发生的4.2级余震造成1人受伤。", "1人", 5.0, None),
    ("此外…发生后", "", "化工厂发生爆炸，造成2人死亡。此外，爆炸发生后，附近3名居民受伤。", "3名", None, None),
    ("此前 in a title", "此前失联的3人已确认遇难", "", "3人", None, None),
    ("related news", "", "工地事故造成6人死亡，发展商承诺赔偿，调查仍在进行。    相关新闻：   倒楼事故已致10人遇难",
     "10人", None, "related"),
]


@pytest.mark.parametrize(("title", "body", "phrase", "magnitude", "reason"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_outside(title: str, body: str, phrase: str, magnitude: float | None, reason: str | None) -> None:
    scope = Scope(title, body, magnitude)
    in_title = phrase in title
    pos = (title if in_title else body).index(phrase)
    assert scope.outside(pos, in_title) == reason


def test_sentences_are_found_by_offset() -> None:
    scope = Scope("", "第一句。第二句！第三句")
    assert scope.sentence(0)[0] == 0
    index, start, text = scope.sentence(5)
    assert (index, start, text) == (1, 4, "第二句")
    assert scope.sentence(9)[2] == "第三句"
