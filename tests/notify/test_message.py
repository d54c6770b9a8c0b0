"""Message, escaping and cutting: plain functions over values."""

from __future__ import annotations

import json

import pytest

from sentinel.analyse.grading import Grade
from sentinel.notify.message import (
    CUT_MARKER,
    Message,
    clean,
    cut_bytes,
    escape_html,
    escape_markdown,
    fit_body,
    grade_label,
    one_line,
    render_markdown,
    safe_url,
    utf8_len,
)


def test_message_is_frozen_and_coerces_grade() -> None:
    message = Message(kind="test", title="t", text_markdown="m", text_plain="p", grade="III", mentions=(" 13800000000 ",))
    assert message.grade is Grade.III
    assert message.mentions == ("13800000000",)
    with pytest.raises(AttributeError):
        message.title = "other"  # type: ignore[misc]


@pytest.mark.parametrize("bad", ["zhangsan", "138-0000-0000", "@all", ""])
def test_mentions_are_phone_numbers(bad: str) -> None:
    with pytest.raises(ValueError, match="phone"):
        Message(kind="test", title="t", text_markdown="m", text_plain="p", mentions=(bad,))


def test_a_message_needs_a_kind_and_a_real_grade() -> None:
    with pytest.raises(ValueError):
        Message(kind="", title="t", text_markdown="m", text_plain="p")
    with pytest.raises(ValueError):
        Message(kind="test", title="t", text_markdown="m", text_plain="p", grade="V")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<script>alert(1)</script>", "＜script＞alert(1)＜/script＞"),
        ("**粗体** _斜_ `码` ~删~", "＊＊粗体＊＊ ＿斜＿ ｀码｀ ～删～"),
        ("[点我](javascript:x)", "［点我］(javascript:x)"),
        ("# 标题\n> 引用", "＃ 标题\n＞ 引用"),
        ('<font color="red">红</font> <@all> <at id=all></at>', '＜font color="red"＞红＜/font＞ ＜@all＞ ＜at id=all＞＜/at＞'),
        ("&lt; a|b \\n", "＆lt; a｜b ＼n"),
        ("郑州市中原区 3人死亡，直接经济损失约1.2亿元。", "郑州市中原区 3人死亡，直接经济损失约1.2亿元。"),
    ],
)
def test_escape_markdown_makes_markup_inert(raw: str, escaped: str) -> None:
    assert escape_markdown(raw) == escaped


def test_clean_drops_controls_and_bidi_overrides_but_keeps_lines() -> None:
    assert clean("a\x1b[31mb\r\nc\u202ed\x00\te") == "a[31mb\ncd\te"
    assert one_line("  标题\n第二行\t 三 ") == "标题 第二行 三"


def test_render_markdown_escapes_values_not_the_template() -> None:
    text = render_markdown("**来源**：{source}\n> {excerpt}", source="<b>某网</b>", excerpt="**假消息**")
    assert text == "**来源**：＜b＞某网＜/b＞\n> ＊＊假消息＊＊"


def test_escape_html() -> None:
    assert escape_html('<a href="x">&</a>\x07') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://gov.example/a?b=1&c=(2)", "https://gov.example/a?b=1&c=%282%29"),
        ("http://gov.example/路径 x", "http://gov.example/%E8%B7%AF%E5%BE%84%20x"),
        ("javascript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("//no-scheme.example", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_url(url: str | None, expected: str | None) -> None:
    assert safe_url(url) == expected


def test_cut_bytes_keeps_short_text_and_cuts_on_a_character_boundary() -> None:
    assert cut_bytes("短", 100) == "短"
    cut = cut_bytes("中" * 1000, 200)
    assert utf8_len(cut) <= 200 and cut.endswith(CUT_MARKER)
    assert cut.removesuffix(CUT_MARKER) == "中" * ((200 - utf8_len(CUT_MARKER)) // 3)


def test_cut_bytes_prefers_the_last_line_break_near_the_end() -> None:
    text = "\n".join(f"第{n}行 [链接](https://gov.example/{n})" for n in range(100))
    cut = cut_bytes(text, 1000)
    assert utf8_len(cut) <= 1000
    assert cut.removesuffix(CUT_MARKER).endswith(")")  # no half-open link left behind


def test_cut_bytes_with_a_limit_smaller_than_the_marker() -> None:
    assert utf8_len(cut_bytes("x" * 100, 5)) <= 5


def test_fit_body_cuts_until_the_json_body_fits() -> None:
    def build(text: str) -> bytes:
        return json.dumps({"title": "标题", "text": text}, ensure_ascii=False).encode("utf-8")

    text = ('"引号"\n' + "\x01") * 10_000  # each character costs more in JSON than in UTF-8
    body, used = fit_body(build, text, 20_000)
    assert len(body) <= 20_000 and used.endswith(CUT_MARKER)
    assert len(body) > 18_000  # the longest cut that fits, not a tiny one
    assert fit_body(build, "短", 20_000) == (build("短"), "短")
    with pytest.raises(ValueError):
        fit_body(lambda text: b"x" * 100 + text.encode(), "abc", 50)


def test_grade_label() -> None:
    assert grade_label(Grade.II) == "II级（重大）"
    assert grade_label(None) == ""
