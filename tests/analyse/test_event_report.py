"""Event report, complaint or chatter (sentinel.analyse.event_report).

The arithmetic of the model is pinned with a hand-made model; the bundled model is checked on real
sentences of each kind: the chatter the alarm-quality issue was paged for, headlines and posts that
report events, complaints about departments. They are not in the model's training labels.
"""

from __future__ import annotations

import gzip
import json
import math

import pytest

from sentinel.analyse.event_report import (
    BIGRAM_WEIGHT,
    CUES,
    NOT_JUDGED,
    EventReportModel,
    ReportKind,
    features,
    guard,
    label_of,
    own_facts,
)
from sentinel.analyse.facts import extract_facts
from sentinel.analyse.pipeline import Analyzer
from sentinel.settings import Settings


def test_features_fold_numbers_scale_tokens_and_name_cues() -> None:
    text = "今天下午3时许，郑州市中原区一小区发生火灾，造成2人死亡"
    words = ["今天", "下午", "3", "时许", "，", "郑州市", "中原区", "一", "小区", "发生", "火灾", "，", "造成", "2", "人", "死亡"]
    found = features("", text, words, extract_facts(text), ["郑州市", "中原区"])
    tokens = {k for k in found if k.startswith("w:")}
    assert "w:#num" in tokens and "w:，" not in tokens  # numbers fold into one token, punctuation drops
    assert all(found[k] == pytest.approx(1 / math.sqrt(len(tokens))) for k in tokens)
    assert {"cue:when_relative", "cue:when_absolute", "cue:happened", "cue:locale", "fact:any", "place:text"} <= set(found)
    assert "title" not in found and "place:title" not in found
    titled = features("郑州一小区火灾致2死", text, words, extract_facts(text, "郑州一小区火灾致2死"), ["郑州"], ["郑州"])
    assert {"title", "place:title", "fact:title"} <= set(titled)


def test_bigrams_are_the_chinese_of_the_head_each_once_and_scaled_together() -> None:
    text = "刚刚地震了，地震好吓人 OK 2次" + "后" * 1000 + "尾巴"
    grams = {k[2:] for k, v in features("", text, ["刚刚"]).items() if k.startswith("b:")}
    assert {"刚刚", "地震", "震了", "好吓", "后后"} <= grams and "尾巴" not in grams  # only the head is read
    assert not any(len(g) != 2 or not ("\u4e00" <= g[0] <= "\u9fff") for g in grams)  # no Latin, digits or a comma
    found = features("", text, ["刚刚"])
    assert all(found["b:" + g] == pytest.approx(BIGRAM_WEIGHT / math.sqrt(len(grams))) for g in grams)
    assert "b:震好" not in features("", "地震，好吓人", [])  # a bigram never spans punctuation


def test_a_hand_made_model_scores_by_softmax_and_explains_with_named_features() -> None:
    model = EventReportModel({"fact:any": [2.0, 0.0, -1.0], "cue:wish": [-3.0, 0.0, 1.0], "w:火灾": [1.0, 0.0, 0.0]},
                             bias=[0.0, -1.0, 0.5], threshold=0.5)
    event, complaint, other = model.probabilities({"fact:any": 1.0, "w:火灾": 0.5})
    scores = [2.5, -1.0, -0.5]
    total = sum(math.exp(s) for s in scores)
    assert (event, complaint, other) == pytest.approx(tuple(math.exp(s) / total for s in scores))
    judged = model.judge({"fact:any": 1.0, "w:火灾": 0.5})
    assert judged.kind is ReportKind.EVENT and judged.opens_incident
    assert judged.reasons == ("有伤亡或损失数字",)  # single tokens are never given as a reason
    joke = model.judge({"fact:any": 1.0, "cue:wish": 1.0})
    assert joke.kind is ReportKind.OTHER and not joke.opens_incident and joke.reasons == ("愿望/假设",)
    assert joke.describe().startswith("非事件 0.")


def test_a_model_round_trips_through_its_file_and_a_wrong_file_is_refused(tmp_path) -> None:
    model = EventReportModel({"cue:wish": [-1.0, 0.0, 1.0], "b:地震": [0.5, 0.25, -0.25]}, [0.1, 0.2, 0.3], 0.4,
                             {"note": "x"})
    path = tmp_path / "m.json.gz"
    model.save(path)
    loaded = EventReportModel.load(path)
    assert (loaded.weights, loaded.bias, loaded.threshold, loaded.meta) == (model.weights, model.bias, 0.4, {"note": "x"})
    assert loaded.table == model.table and any(model.table)
    found = {"cue:wish": 1.0, "b:地震": 0.5}
    assert loaded.probabilities(found) == pytest.approx(model.probabilities(found))
    wrong = tmp_path / "sentiment.json.gz"
    wrong.write_bytes(gzip.compress(json.dumps({"classes": ["pos", "neg"]}).encode()))
    with pytest.raises(ValueError, match="not an event-report model"):
        EventReportModel.load(wrong)
    with pytest.raises(ValueError):
        EventReportModel({"x": [1.0, 2.0]}, [0.0, 0.0, 0.0], 0.5)


def test_token_and_bigram_weights_in_the_table_score_as_their_three_columns_would() -> None:
    rows = {"w:火灾": [1.5, -0.5, 0.75], "b:着火": [-0.25, 2.0, 1.0], "cue:wish": [-1.0, 0.0, 1.0]}
    model = EventReportModel(rows, [0.0, -1.0, 0.5], 0.5)
    assert set(model.weights) == {"cue:wish"}  # tokens and bigrams live in the table, not by name
    found = {"w:火灾": 0.5, "b:着火": 2.0, "cue:wish": 1.0, "w:不在模型": 3.0}
    logits = [bias + sum(rows[name][column] * value for name, value in found.items() if name in rows)
              for column, bias in enumerate([0.0, -1.0, 0.5])]
    total = sum(math.exp(x) for x in logits)
    assert model.probabilities(found) == pytest.approx(tuple(math.exp(x) / total for x in logits), rel=1e-6)


def test_every_cue_has_a_label_and_compiles() -> None:
    for name, (label, pattern) in CUES.items():
        assert label and pattern.pattern, name
        assert label_of(f"cue:{name}") == label and label_of(f"tcue:{name}") == f"标题:{label}"


# ---------------------------------------------------------------------------------- the bundled model

CHATTER = [
    # the alarm-quality issue's own examples
    (None, "好希望今天晚上我这9.3级地震，睡着睡着就挂掉了"),
    (None, "剪头发的时候不小心被剪刀划到了，耳朵受伤了，理发师一直道歉"),
    ("姚明受伤缺阵 火箭客场不敌湖人", "姚明受伤缺阵 火箭客场不敌湖人"),
    ("冬季用火用电注意事项：如何预防火灾", "冬季用火用电注意事项：如何预防火灾，发生火灾怎么逃生"),
    ("卫生部：前9月全国共报告食物中毒327起", "卫生部：前9月全国共报告食物中毒327起 死亡人数减少"),
    ("今年以来全国共发生较大道路交通事故300起", "今年以来全国共发生较大道路交通事故300起，死亡1800人"),
    # film plots, anniversaries, adverts, moods
    ("电影《唐山大地震》首映", "电影《唐山大地震》首映 冯小刚称拍出了地震中的人性"),
    ("汶川地震十周年：那些逝去的生命我们永远铭记", "汶川地震十周年：那些逝去的生命我们永远铭记"),
    (None, "今天被老板骂了一顿，心情爆炸，想辞职哈哈哈[笑cry]"),
    (None, "这部剧的结局太虐了，男主最后为了救女主死亡，哭死我了[泪]"),
]

REPORTS = [
    ("郑州一小区发生火灾 造成2人死亡", "今天下午3时许，郑州市中原区一小区发生火灾，造成2人死亡，3人受伤。"),
    ("广西南丹一客车侧翻致2死3伤", "广西南丹一客车侧翻致2死3伤"),
    (None, "昨晚10点多，107国道新乡段两车相撞，1人当场死亡，另有2人受伤被送往医院救治"),
    ("玻利维亚一辆大巴坠崖致20人死亡", "玻利维亚一辆大巴坠崖致20人死亡"),
    ("阿留申群岛附近发生6.2级地震", "阿留申群岛附近发生6.2级地震 暂无人员伤亡报告"),
    ("某县一小学学生午餐后集体出现呕吐症状", "昨日中午，某县一小学30余名学生午餐后出现呕吐腹泻症状，疑似食物中毒，已送医救治。"),
]

COMPLAINTS = [
    (None, "投诉了一个月了，小区物业乱收费，街道办根本不管，这就是不作为"),
]


@pytest.fixture(scope="module")
def bundled() -> Analyzer:
    return Analyzer(Settings())


@pytest.mark.parametrize(("title", "text"), CHATTER)
def test_chatter_does_not_read_as_a_report(bundled: Analyzer, title: str | None, text: str) -> None:
    judged = bundled.analyze(title, text, judge=True).report
    assert judged.score < 0.5, judged  # below every default opening threshold: opens nothing on its own


@pytest.mark.parametrize(("title", "text"), REPORTS)
def test_event_reports_read_as_reports(bundled: Analyzer, title: str | None, text: str) -> None:
    judged = bundled.analyze(title, text, judge=True).report
    assert judged.kind is ReportKind.EVENT and judged.score >= 0.5, judged


@pytest.mark.parametrize(("title", "text"), COMPLAINTS)
def test_complaints_about_departments_reach_incidents(bundled: Analyzer, title: str | None, text: str) -> None:
    judged = bundled.analyze(title, text, judge=True).report
    assert judged.opens_incident and judged.complaint > judged.event, judged


ANNIVERSARIES = [  # Toutiao headlines of 2018 (labels/events_toutiao.tsv, dev rows) and THUCNews
    ("汶川地震10年：依然为这些照片落泪", "周年"),
    ("汶川大地震十周年，吴磊、黄景瑜发文纪念被批，网友：道德绑架？", "周年"),
    ("纪念玉树地震一周年活动在结古镇举行", "周年"),
    ("汶川地震周年，吴磊工作室就微博文案不当道歉，网友：人设崩塌", "周年"),
    ("国庆60周年庆典上发生踩踏事故", None),  # the anniversary before the event: a report
    ("在汶川地震十周年之际，阿坝州茂县发生4.6级地震 暂无人员伤亡", None),  # a clause reports a new one
    ("安阳殷都区隧道工地塌方事故死亡人数上升至20人", None),
]


@pytest.mark.parametrize(("title", "reason"), ANNIVERSARIES)
def test_an_anniversary_recalls_an_event_and_reports_none(title: str, reason: str | None) -> None:
    assert guard(title, title) == reason


def test_a_posts_topics_lend_it_no_facts_and_an_epidemic_bulletin_is_a_tally() -> None:
    post = "#新型肺炎已致湖北17人死亡# 大家出门一定戴好口罩，保护好自己和家人"
    facts = extract_facts(post, None)
    assert facts.deaths == 17  # the facts stage reads the whole text ...
    assert own_facts("", post, facts, post=True).deaths is None  # ... but the post itself reports none
    assert own_facts(post[:30], post, extract_facts(post, post[:30]), post=True).deaths is None  # a title of its words
    assert own_facts("某地火灾致17人死亡", post, facts, post=False) is facts  # news keeps its facts
    assert guard("", "新增确诊病例6例，累计确诊8例，均在定点医院隔离治疗") == "时段统计"
    # SMP2020 posts: a bulletin's tally rising, or one counted from the start, leads them: a tally too
    assert guard("", "【武汉新型肺炎死亡病例增至6例】武汉市市长周先旺在接受总台央视记者专访时表示") == "时段统计"
    assert guard("", "截至20日24时，武汉市累计报告新型冠状病毒感染的肺炎病例258例，已治愈出院25例") == "时段统计"
    # a Weibo21 post: patients counted in 人, new and in all
    assert guard("", "【韩国今日零时为止新增患者79人，新冠肺炎确诊患者总人数11344人.....国内72人，死亡269人】") == "时段统计"
    # ... while a hospital's patients of one poisoning are no bulletin
    assert guard("", "某县一中学发生疑似食物中毒，医院已收治患者12人，无人死亡") is None
    # ... but not a poisoning's victims, counted in 人, nor a toll rising after an accident
    assert guard("学校食堂食物中毒人数增至60人", "某县一中学食堂发生疑似食物中毒，中毒人数已增至60人") is None
    assert guard("隧道工地塌方事故死亡人数上升至20人", "安阳殷都区隧道工地塌方事故死亡人数上升至20人") is None
    assert guard("郑州一小区发生火灾 造成2人死亡", "今天下午3时许，郑州市中原区一小区发生火灾") is None


PANDEMIC_TALLIES = [  # a pandemic's totals, at home or abroad: statistics, whatever the country
    "【美国新冠肺炎超161万例特朗普宣布连续三天降半旗】美国确诊新冠肺炎病例超过161万，9.6万人死亡。",
    "全球累计确诊超过500万例",
    "英国新冠死亡病例超过4万 居欧洲首位",
    "印度新冠死亡人数突破10万",
    "俄罗斯新冠确诊人数升至50万",
    "【日本新冠疫情】日本新增确诊病例创新高 累计死亡超过1000人",
    "法国累计死亡病例达2.9万例",
    "截至目前，疫情已致全球逾100万人死亡",
    "美国新冠疫情累计死亡人数超过50万人",
]
ONE_DISASTERS_TOLL = [  # ... while one disaster's toll, however large or however counted, reports it
    "尼泊尔地震死亡人数升至8000人",
    "广西洪灾累计死亡56人",
    "湖北暴雨累计造成20人死亡",
    "某县爆发霍乱疫情 已致3人死亡",
]


@pytest.mark.parametrize("text", PANDEMIC_TALLIES)
def test_a_pandemics_totals_are_a_tally(text: str) -> None:
    assert guard("", text) == "时段统计"


@pytest.mark.parametrize("text", ONE_DISASTERS_TOLL)
def test_one_disasters_toll_is_no_tally(text: str) -> None:
    assert guard("", text) is None


def test_an_unwatched_item_is_not_judged_unless_asked(bundled: Analyzer) -> None:
    title, text = REPORTS[0]
    plain = bundled.analyze(title, text)  # the bundled settings watch nothing
    assert not plain.relevant and plain.report is NOT_JUDGED and plain.place.level == "unknown"
    assert plain.keywords == () and plain.simhash == 0
    assert plain.facts.deaths == 2  # read for every item
    asked = bundled.analyze(title, text, judge=True)
    assert asked.report.kind is ReportKind.EVENT and asked.place.name and asked.keywords and asked.simhash
    watched = Analyzer(Settings.model_validate({"watch": [{"id": "fire", "groups": {"event": ["火灾"]}}]}))
    assert watched.analyze(title, text).report.kind is ReportKind.EVENT  # a watched item always is


def test_training_reads_the_ced_posts_copied_into_the_data_folder(tmp_path) -> None:
    """``events_ced.tsv`` joins the posts of ``CED_Dataset/original-microblog`` by file name; the
    macOS resource forks shipped with the release are not posts."""
    import json

    from sentinel.analyse.event_report_train import load_examples

    folder = tmp_path / "data" / "CED_Dataset" / "original-microblog"
    folder.mkdir(parents=True)
    (folder / "12_abc_345.json").write_text(json.dumps({"text": "今天下午某小区发生火灾，一人受伤。"}), encoding="utf-8")
    (folder / "._12_abc_345.json").write_bytes(b"\x00\x05\x16\x07")
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "events_ced.tsv").write_text(
        "# a comment line\nkey\tlabel\tkind\tscope\tprovince\tcountry\tnote\n"
        "ced:12_abc_345\tevent\t\tunknown\t\t\t\nced:99_not_there_1\tother\tchatter\tunknown\t\t\t\n",
        encoding="utf-8")
    examples = load_examples(tmp_path / "data", labels)
    assert [(e.key, e.corpus, e.label, e.text) for e in examples] == [
        ("ced:12_abc_345", "ced", "event", "今天下午某小区发生火灾，一人受伤。")]


def test_the_toutiao_headlines_are_keyed_by_line_and_trained_on_as_headlines(tmp_path) -> None:
    """``toutiao_test.txt`` holds one ``headline_!_section`` a line; a headline is its own title and
    text, keyed ``toutiao:<line>``; a line without a section is skipped, its number still counted."""
    from sentinel.analyse.event_report_train import TRAINED, load_examples, toutiao_headlines

    data = tmp_path / "data"
    data.mkdir()
    (data / "toutiao_test.txt").write_text(
        "张艺兴黄金瞳片场，导演能给个合适的帽子不？_!_2\nnot a headline\n加沙发生爆炸致死6人_!_11\n", encoding="utf-8")
    assert list(toutiao_headlines(data)) == [("toutiao:1", "张艺兴黄金瞳片场，导演能给个合适的帽子不？", "entertainment"),
                                             ("toutiao:3", "加沙发生爆炸致死6人", "world")]
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "events_toutiao.tsv").write_text(
        "key\tlabel\tkind\tscope\tprovince\tcountry\tnote\ntoutiao:3\tevent\t\tforeign\t\t巴勒斯坦\t\n", encoding="utf-8")
    assert "events_toutiao.tsv" in TRAINED
    examples = load_examples(data, labels, cec=False)
    assert [(e.key, e.corpus, e.label, e.title, e.text) for e in examples] == [
        ("toutiao:3", "toutiao", "event", "加沙发生爆炸致死6人", "加沙发生爆炸致死6人")]


def test_training_reads_only_the_labelled_reposts_of_the_ced_repost_folders(tmp_path) -> None:
    """``events_cedrepost.tsv`` keys a repost by its file and mid, in either repost folder."""
    import json

    from sentinel.analyse.event_report_train import MEASURED, load_examples

    data = tmp_path / "data" / "CED_Dataset"
    (data / "rumor-repost").mkdir(parents=True)
    (data / "non-rumor-repost").mkdir(parents=True)
    (data / "rumor-repost" / "7_x_1.json").write_text(json.dumps(
        [{"mid": "a1", "text": "城管必须死~"}, {"mid": "a2", "text": "转发微博"}]), encoding="utf-8")
    (data / "non-rumor-repost" / "8_y_2.json").write_text(json.dumps(
        [{"mid": "b1", "text": "昆明火车站暴恐案死亡人数升至29人"}]), encoding="utf-8")
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "events_cedrepost.tsv").write_text(
        "key\tlabel\tkind\tscope\tprovince\tcountry\tnote\n"
        "cedrepost:7_x_1:a1\tother\tchatter\tchina\t\t\t\ncedrepost:8_y_2:b1\tevent\t\tchina\t云南省\t\t\n"
        "cedrepost:9_gone_3:c1\tother\tchatter\tunknown\t\t\t\n", encoding="utf-8")
    assert load_examples(tmp_path / "data", labels) == []  # measured, not trained on
    examples = load_examples(tmp_path / "data", labels, MEASURED)
    assert sorted((e.key, e.corpus, e.label, e.text) for e in examples) == [
        ("cedrepost:7_x_1:a1", "cedrepost", "other", "城管必须死~"),
        ("cedrepost:8_y_2:b1", "cedrepost", "event", "昆明火车站暴恐案死亡人数升至29人")]


def test_the_threshold_keeps_the_recall_asked_for_on_the_scores_it_is_given() -> None:
    from sentinel.analyse.event_report_train import choose_threshold

    scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    labels = ["event"] * 5 + ["other"] * 5
    threshold = choose_threshold(scores, labels, min_recall=0.8)
    assert sum(s >= threshold for s, label in zip(scores, labels, strict=True) if label == "event") == 4
    assert threshold > 0.5  # the highest such threshold: no lower score of an event is kept needlessly


@pytest.mark.parametrize(("title", "text", "reason"), [
    ("基地组织威胁将在德国发起恐怖袭击", "", "威胁"),  # THUCNews: a threat has not happened
    ("", "好希望今天晚上来个9.3级地震，睡着睡着就挂掉了", "假设/愿望"),  # SMP2020: the joke the issue was paged for
    ("", "网上有人扬言要在广场制造爆炸", "威胁"),
    ("郑州市将于今日16时召开中原区燃气爆炸事故新闻发布会", "", None),  # an announcement follows up a real event
    ("男子将妻子杀害后自首", "", None),  # 将 as the object marker
    ("歹徒爆炸案嫌犯曾扬言报复", "昨日下午，某商场发生爆炸，造成2人受伤", None),  # the report's own clause states it
])
def test_guards_for_what_has_not_happened(title: str, text: str, reason: str | None) -> None:
    assert guard(title, text) == reason


@pytest.mark.parametrize(("text", "reason"), [
    # CED reposts and Weibo21 posts: a #topic# and a few words of reaction report nothing of it
    ("#雅安7级地震# 祈祷！[蜡烛] 详情:http://t.cn/zTq3", "话题反应"),
    ("#殴打女子嫌疑人工作是催债#看图", "话题反应"),
    ("#首都机场爆炸案#", "话题反应"),
    ("#女孩深夜遭男子殴打扒衣拖行#这个情况怎么说呢？", "话题反应"),
    ("#雅安地震# 祈祷 //@人民日报:【雅安芦山7级地震已致100人死亡】", "话题反应"),  # the chain is another's report
    # ... but a figure, a first-hand witness or a post of its own words is one
    ("#雅安地震# 芦山县已有3人死亡", None),
    ("#某地爆炸# 刚刚听到巨响，楼下浓烟滚滚", None),
    ("#邢台大贤村遭洪灾#关于河北邢台泄洪事故，需认真对待的一个问题是政府不作为的违法当量", None),
    ("沈阳一小区发生爆炸，现场浓烟滚滚", None),  # no topic
])
def test_a_post_that_only_reacts_to_a_topic_opens_nothing(text: str, reason: str | None) -> None:
    assert guard("", text, post=True) == reason
    assert guard("", text) is None  # news, and a post with a title of its own words, are left to the model
