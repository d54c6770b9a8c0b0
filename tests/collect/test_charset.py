"""decode_body: BOM, header, document declaration, detection; the GB family as gb18030."""

from __future__ import annotations

import codecs
import re

import pytest

from sentinel.collect.charset import charset_label, decode_body
from sentinel.errors import ParseError

# 镕 堃 喆 珺 are in GBK but not in GB2312; 𠮷 is only in GB18030 (four bytes).
NAMES = "区长王堃、副区长李喆、张珺，原市长刘镕，吉野家的“𠮷”"
TEXT = f"中原区召开安全生产工作会议。{NAMES}出席会议并讲话，要求压实防汛责任。"
GBK_BYTES = TEXT.encode("gb18030")


def html(charset_meta: str, body: str = TEXT) -> bytes:
    return (
        f"<html><head>{charset_meta}<title>政务动态</title></head><body><p>{body}</p></body></html>".encode(
            "gb18030"
        )
    )


def test_the_fixture_text_really_needs_more_than_gb2312() -> None:
    with pytest.raises(UnicodeEncodeError):
        TEXT.encode("gb2312")
    with pytest.raises(UnicodeEncodeError):
        TEXT.encode("gbk")  # 𠮷
    # and decoding as gb2312 garbles it: what sentinel must not do
    assert GBK_BYTES.decode("gb2312", errors="replace") != TEXT


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=gb2312",
        "text/html; charset=GB2312",
        "text/html; charset=gbk",
        "text/html; charset=GBK",
        "text/html; charset=x-gbk",
        "text/html; charset=cp936",
        "text/html; charset=euc-cn",
        "text/html; charset=gb18030",
        'text/html; charset="gb2312"',
        "text/html;charset = gb2312",
    ],
)
def test_gb_family_in_the_header_decodes_as_gb18030(content_type: str) -> None:
    problems: list[tuple[str, str]] = []
    assert decode_body(GBK_BYTES, content_type, problems=problems) == (TEXT, "gb18030")
    assert problems == []


@pytest.mark.parametrize(
    "meta",
    [
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
        "<meta http-equiv=Content-Type content='text/html;charset=GBK'>",
        '<meta charset="gb2312">',
        "<meta charset=gbk>",
    ],
)
def test_gb_family_in_a_meta_tag_decodes_as_gb18030(meta: str) -> None:
    content = html(meta)
    problems: list[tuple[str, str]] = []
    text, encoding = decode_body(content, "text/html", problems=problems)
    assert encoding == "gb18030" and TEXT in text and problems == []


def test_xml_declaration() -> None:
    content = f'<?xml version="1.0" encoding="gb2312"?><rss><title>{TEXT}</title></rss>'.encode("gb18030")
    text, encoding = decode_body(content, "application/rss+xml")
    assert encoding == "gb18030" and TEXT in text


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        # the header says utf-8 over GBK bytes (a misconfigured proxy)
        ("text/html; charset=utf-8", html("")),
        # the page says utf-8 over GBK bytes (a template copied from another site)
        ("text/html", html('<meta charset="utf-8">')),
        # both lie
        ("text/html; charset=utf-8", html('<meta charset="utf-8">')),
    ],
)
def test_a_declaration_that_does_not_fit_is_a_problem_not_mojibake(content_type: str, content: bytes) -> None:
    problems: list[tuple[str, str]] = []
    text, encoding = decode_body(content, content_type, problems=problems)
    assert TEXT in text
    assert encoding == "gb18030"
    assert problems and {reason for reason, _ in problems} == {"encoding"}
    assert "utf-8" in problems[0][1]


def test_header_wins_over_the_document_when_both_fit() -> None:
    content = html('<meta charset="utf-8">', body="ASCII only page")
    assert decode_body(content, "text/html; charset=gbk")[1] == "gb18030"


def test_a_server_default_latin1_header_gives_way_to_the_document() -> None:
    problems: list[tuple[str, str]] = []
    content = html('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    text, encoding = decode_body(content, "text/html; charset=ISO-8859-1", problems=problems)
    assert encoding == "gb18030" and TEXT in text and problems == []


def test_a_server_default_latin1_header_without_a_document_declaration_is_checked() -> None:
    text, encoding = decode_body(GBK_BYTES, "text/html; charset=iso-8859-1")
    assert (text, encoding) == (TEXT, "gb18030")


def test_a_real_latin1_page_stays_latin1() -> None:
    content = "Le préfet a annoncé des mesures d'urgence après les inondations à Nîmes.".encode("latin-1")
    text, _ = decode_body(content, "text/html; charset=ISO-8859-1")
    assert text == "Le préfet a annoncé des mesures d'urgence après les inondations à Nîmes."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
    ],
)
def test_a_bom_wins(content: bytes, expected: str) -> None:
    # even over a header that says otherwise
    assert decode_body(content, "text/html; charset=gbk") == (TEXT, expected)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (TEXT.encode("utf-8"), (TEXT, "utf-8")),
        (GBK_BYTES, (TEXT, "gb18030")),
        # short GBK snippets: detection alone takes these for Korean or Big5
        ("王堃".encode("gbk"), ("王堃", "gb18030")),
        ("朱镕基".encode("gbk"), ("朱镕基", "gb18030")),
        (b"plain ascii", ("plain ascii", "utf-8")),
        (b"", ("", "utf-8")),
    ],
)
def test_nothing_declared(content: bytes, expected: tuple[str, str]) -> None:
    problems: list[tuple[str, str]] = []
    assert decode_body(content, None, problems=problems) == expected
    assert problems == []


def test_big5_is_not_mistaken_for_gbk() -> None:
    text = "政府資訊公開條例規定，行政機關應當主動公開政府資訊。市民可以依申請查詢相關文件，機關應當在二十個工作日內答覆。"
    assert decode_body(text.encode("big5"), None) == (text, "big5")


def test_unknown_charset_names_are_ignored() -> None:
    problems: list[tuple[str, str]] = []
    assert decode_body(TEXT.encode("utf-8"), "text/html; charset=no-such-charset", problems=problems) == (
        TEXT,
        "utf-8",
    )
    assert problems == []


def test_a_body_cut_inside_its_last_character_keeps_the_declared_charset() -> None:
    problems: list[tuple[str, str]] = []
    cut = GBK_BYTES[:-1] if GBK_BYTES.endswith("。".encode("gb18030")) else GBK_BYTES
    text, encoding = decode_body(cut, "text/html; charset=gb2312", problems=problems)
    assert encoding == "gb18030"
    assert text.startswith(TEXT[:-1])
    assert [reason for reason, _ in problems] == ["encoding"]


def test_one_corrupt_byte_in_a_long_page_keeps_the_declared_charset() -> None:
    long_text = TEXT * 200
    content = bytearray(long_text.encode("gb18030"))
    content[1000:1001] = b"\xff"
    problems: list[tuple[str, str]] = []
    text, encoding = decode_body(bytes(content), "text/html; charset=gbk", problems=problems)
    assert encoding == "gb18030"
    assert text.count("\ufffd") <= 2 and NAMES in text
    assert [reason for reason, _ in problems] == ["encoding"]


def test_problems_are_optional() -> None:
    assert decode_body(html(""), "text/html; charset=utf-8")[1] == "gb18030"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("cp936", "gb18030"),
        ("utf8", "utf-8"),
        ("latin1", "iso-8859-1"),
        ("nope", None),
        (None, None),
    ],
)
def test_charset_label(name: str | None, expected: str | None) -> None:
    assert charset_label(name) == expected


def test_undecodable_bytes_are_an_encoding_error() -> None:
    with pytest.raises(ParseError) as caught:
        decode_body(bytes(range(256)) * 4, None)
    assert caught.value.reason == "encoding"


# --- issue: encodings feedparser reads and sentinel lost ------------------------------------------------

FEED_TEXT = "".join(f"<item><title>郑州市第{n}条：{NAMES}</title></item>" for n in range(3))


def xml(declared: str | None, body: str = FEED_TEXT) -> str:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    return f'{declaration}<rss version="2.0"><channel><title>News</title>{body}</channel></rss>'


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("declared", ["utf-16", "utf-32", None])
def test_utf16_and_utf32_with_and_without_a_bom(codec: str, bom: bool, declared: str | None) -> None:
    document = xml(declared)
    boms = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}
    content = (boms[codec] if bom else b"") + document.encode(codec)
    text, _ = decode_body(content, "application/rss+xml")
    assert text.lstrip("\ufeff") == document


def test_a_utf16_label_over_utf8_bytes_is_a_leftover() -> None:
    content = xml("utf-16").encode("utf-8")
    assert decode_body(content, "text/xml; charset=utf-16") == (xml("utf-16"), "utf-8")


@pytest.mark.parametrize("where", ["middle", "end"])
def test_one_truncated_utf8_character_in_a_short_feed_keeps_utf8(where: str) -> None:
    content = xml("utf-8").encode("utf-8")
    assert len(content.decode()) < 2000
    cut = content.index("第1条".encode()) + 1 if where == "middle" else len(content) - 1
    damaged = content[:cut] + content[cut + 1 :] if where == "middle" else content[:-1] + "郑".encode()[:2]
    problems: list[tuple[str, str]] = []
    text, encoding = decode_body(damaged, "application/rss+xml; charset=utf-8", problems=problems)
    assert encoding == "utf-8" and text.count("\ufffd") == 1
    assert text.count(NAMES) == 3
    assert [reason for reason, _ in problems] == ["encoding"]


@pytest.mark.parametrize("declared_in", ["header", "document", "nowhere"])
def test_a_few_invalid_bytes_in_utf8_are_damage_not_another_charset(declared_in: str) -> None:
    document = xml("utf-8" if declared_in == "document" else None, FEED_TEXT * 5)
    content = document.encode("utf-8")
    items = [match.start() for match in re.finditer(b"<item>", content)]
    for at in reversed(items[2:11:4]):  # three stray bytes where a CMS corrupted its output
        content = content[:at] + b"\xff" + content[at:]
    header = "text/xml; charset=utf-8" if declared_in == "header" else "text/xml"
    text, encoding = decode_body(bytes(content), header)
    assert encoding == "utf-8"
    assert text.count("郑州") == 15 and not re.search("[\u0400-\u04ff]", text)  # no "йѓ‘е·ћ"
    assert text.count("\ufffd") == 3


LONG_JA = ("東京都は２日、新型コロナウイルスの感染者が新たに確認されたと発表した。都の担当者は「引き続き警戒が必要だ」と話している。"
           "大雨の影響で、九州地方では川の氾濫や土砂災害の危険性が高まっています。")
LONG_KO = ("서울시는 2일 신종 코로나바이러스 감염증 확진자가 새로 확인됐다고 밝혔다. 시 관계자는 계속 주의가 필요하다고 말했다. "
           "기상청은 내일 전국에 강한 비가 내릴 것으로 예상된다며 피해가 없도록 주의해 달라고 당부했다.")


@pytest.mark.parametrize(("text", "codec"), [(LONG_JA, "euc_jp"), (LONG_JA, "shift_jis"), (LONG_KO, "euc_kr")])
def test_japanese_and_korean_are_not_read_as_gb18030(text: str, codec: str) -> None:
    content = xml(None, f"<item><title>{text}</title></item>").encode(codec)
    decoded, encoding = decode_body(content, "text/xml")
    assert text in decoded, encoding


@pytest.mark.parametrize(
    ("content_type", "body_codec", "declared"),
    [
        ("text/xml; charset=gb2312", "utf-8", None),  # the header lies: the body is UTF-8
        ("text/xml", "utf-8", "gbk"),  # the declaration lies
        ("text/xml; charset=big5", "utf-8", "big5"),  # both lie
        ("text/xml; charset=iso-8859-1", "utf-8", None),  # a server default over UTF-8
        ("text/xml; charset=iso-8859-1", "gb18030", None),  # ... and over GBK
        ("text/xml; charset=utf-8", "gb18030", "utf-8"),  # UTF-8 claimed twice over GBK
    ],
)
def test_lying_declarations_give_way_to_the_bytes(content_type: str, body_codec: str, declared: str | None) -> None:
    document = xml(declared)
    problems: list[tuple[str, str]] = []
    text, _ = decode_body(document.encode(body_codec), content_type, problems=problems)
    assert text == document
