"""Bilingual reasons read in one language, and facts written for a reader."""

from __future__ import annotations

import pytest

from sentinel.analyse.grading import facts_text, grade_floor
from sentinel.analyse.reasons import in_language, language
from sentinel.incidents.grade import IntensityStep, intensity_grade


def test_a_grade_floor_reason_reads_in_one_language() -> None:
    (reason,) = grade_floor({"deaths": 11}, "accident").reasons
    assert " / deaths 11" in reason  # stored with both halves
    zh, en = in_language(reason, "zh"), in_language(reason, "en")
    assert zh.startswith("死亡11人 ≥ 10人 → II 重大") and "deaths" not in zh and " / " not in zh
    assert en == "deaths 11 ≥ 10 → II (major)"


def test_intensity_reasons_carry_the_grade_in_both_halves() -> None:
    grade, reasons = intensity_grade([IntensityStep(grade="IV", heat=6.0)], heat=6.7, items=2, central_media=False)
    assert in_language(reasons[0], "zh") == "热度 6.7 ≥ 6 → IV"
    assert in_language(reasons[0], "en") == "heat 6.7 ≥ 6 → IV"


@pytest.mark.parametrize(("text", "zh", "en"), [
    ("死亡11人 ≥ 10人 → II 重大（条例） / deaths 11 ≥ 10 → II (major); 热度 20.0 ≥ 14 → II / heat 20.0 ≥ 14 → II",
     "死亡11人 ≥ 10人 → II 重大（条例）；热度 20.0 ≥ 14 → II", "deaths 11 ≥ 10 → II (major); heat 20.0 ≥ 14 → II"),
    ("标题“中原区” / headline: 中原区", "标题“中原区”", "headline: 中原区"),
    ("张伟: 已电话核实 / 见附件", "张伟: 已电话核实 / 见附件", "张伟: 已电话核实 / 见附件"),  # typed by a person
    ("policy document", "policy document", "policy document"),
    ("", "", ""),
])
def test_only_a_reasons_own_separator_splits_it(text: str, zh: str, en: str) -> None:
    assert in_language(text, "zh") == zh
    assert in_language(text, "en") == en


def test_the_readers_language_from_a_parameter_or_cookie() -> None:
    assert language("en") == "en" and language("en-US") == "en" and language("ZH") == "zh"
    assert language(None) is None and language("fr") is None and language("<script>") is None


def test_facts_are_labelled_with_their_units() -> None:
    facts = {"deaths": 11, "injured": 20, "loss_yuan": 3_500_000, "magnitude": None}
    assert facts_text(facts) == "死亡 11人；受伤 20人；直接经济损失 350万元"
    assert facts_text(facts, "en") == "deaths 11; injured 20; direct loss (yuan) 3,500,000"
    assert facts_text({}) == ""
