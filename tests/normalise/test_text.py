"""html_to_text and clean_text: paragraphs kept, noise dropped, NFKC applied."""

from __future__ import annotations

import unicodedata

import pytest

from sentinel.normalise.text import clean_text, first_line, html_to_text, nfkc


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>第一段。</p><p>第二段。</p>", "第一段。\n第二段。"),
        ("第一行<br>第二行<br/>第三行", "第一行\n第二行\n第三行"),
        ("<div>甲</div><div>乙</div>", "甲\n乙"),
        ("<ul><li>一</li><li>二</li></ul>", "一\n二"),
        ("<h1>标题</h1><p>正文</p>", "标题\n正文"),
        ("<h3>小标题</h3>正文", "小标题\n正文"),
        # inline elements do not break lines; formatting newlines in the source are spaces
        ("<p>市长<b>王堃</b>出席</p>", "市长王堃出席"),
        ("<p>line one\n   continues</p>", "line one continues"),
        # scripts, styles and comments are dropped
        ("<p>正文</p><script>alert('x<p>')</script><style>p{color:red}</style>", "正文"),
        ("<p>前<!-- 注释 -->后</p>", "前后"),
        # entities are unescaped (once)
        ("<p>A&amp;B &lt;tag&gt; &quot;引号&quot; 共&nbsp;46&nbsp;处</p>", 'A&B <tag> "引号" 共 46 处'),
        ("&amp;lt;", "&lt;"),
        # plain text passes through clean_text
        ("没有标签的文字", "没有标签的文字"),
        ("", ""),
        # a whole page: head (title) is not text
        ("<html><head><title>站名</title></head><body><p>正文</p></body></html>", "正文"),
        # empty paragraphs leave no blank lines
        ("<p>一</p><p>&nbsp;</p><p></p><p>二</p>", "一\n二"),
        # table cells are lines (layout tables are common on government sites), text after a table too
        ("<table><tr><td>甲</td><td>乙</td></tr><tr><th>丙</th></tr></table>后文", "甲\n乙\n丙\n后文"),
        ("<td>1</td><td>2</td>", "1\n2"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # full-width ASCII and punctuation become ASCII; ideographic punctuation stays
        ("２０２４年，ＡＢＣ（市）：！？", "2024年,ABC(市):!?"),
        ("会议。“人民至上”、《预案》", "会议。“人民至上”、《预案》"),
        # ideographic and no-break spaces become spaces, and runs of spaces collapse
        ("甲\u3000\u3000乙\u00a0 丙", "甲 乙 丙"),
        ("  a \t b  ", "a b"),
        # zero-width and control characters are dropped
        ("王\u200b堃\u200d\ufeff", "王堃"),
        ("a\x00b\x07c\x1bd", "abcd"),
        ("soft\u00adhyphen", "softhyphen"),
        # line structure: lines stripped, blank lines dropped, CR and LS become newlines
        ("一 \n\n  \n 二\r\n三\r四\u2028五", "一\n二\n三\n四\n五"),
        ("", ""),
        ("   ", ""),
        # compatibility characters
        ("①㎡ﬁ", "1m2fi"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "郑州市，召开（2024）会议：全力保障！",
        "e\u0301 Ａ\u0301 ＡＢ\u3000c",  # combining marks after replaced full-width letters
        "\u1100\u1161\uac00\u11a8",  # Hangul jamo that compose
        "ﾃｽﾄ ｶﾞ",  # half-width katakana with voiced mark
        "plain ascii",
    ],
)
def test_nfkc_matches_unicodedata(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_first_line_is_cut() -> None:
    assert first_line("\n  第一行很长很长\n第二行", 4) == "第一行很"
    assert first_line("", 10) == ""
