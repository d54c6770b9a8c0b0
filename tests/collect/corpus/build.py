"""Rebuild the feed corpus: a selection of feedparser's own test files, and the derived Chinese cases.

    python tests/collect/corpus/build.py --feedparser PATH/TO/feedparser   # a checkout of tag 6.0.14
    python tests/collect/corpus/build.py                                    # derived cases only

feedparser's files are copied byte for byte: those under ``tests/{wellformed,illformed,encoding,
entities,http}`` in which feedparser finds at least one entry with an id, a link or a title (the
others say nothing about entries). The derived cases are written from the table below: the same few
entries in the encodings and with the declarations Chinese sites use, each file carrying the headers
to serve it with in feedparser's comment format, and ``derived/expected.json`` the titles a reader
must find in it.
"""

from __future__ import annotations

import argparse
import codecs
import io
import json
import re
import shutil
from pathlib import Path

HERE = Path(__file__).parent
DIRECTORIES = ("wellformed", "illformed", "encoding", "entities", "http")
HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)

# Simplified Chinese with GBK-only characters (堃 喆 珺 镕) and GB18030 four-byte ones (𠮷 U+20BB7,
# 㐀 U+3400): a GB2312 decoder garbles the first, a GBK one fails on the second.
SIMPLIFIED = [
    "中原区召开防汛工作会议 区长王堃部署汛期安全工作",
    "副区长李喆、张珺检查防汛物资储备",
    "原市长刘镕基层调研：民生实事项目推进情况",
    "吉野家的“𠮷”与“㐀”：郑州市规范用字检查通报",
]
TRADITIONAL = [
    "臺北市政府舉行記者會說明防疫措施",
    "颱風來襲 中央氣象局發布海上警報",
    "政府資訊公開條例：機關應在二十個工作日內答覆",
    "國家發展委員會公布經濟數據",
]
JAPANESE = [
    "東京都は新型コロナウイルスの感染者が新たに確認されたと発表した",
    "大雨の影響で九州地方では川の氾濫や土砂災害の危険性が高まっています",
    "政府は記者会見で経済対策の規模を拡大する方針を明らかにしました",
    "地震の発生を受けて政府は対策本部を設置し被害状況の確認を急いでいる",
]
KOREAN = [
    "서울시는 신종 코로나바이러스 감염증 확진자가 새로 확인됐다고 밝혔다",
    "기상청은 내일 전국에 강한 비가 내릴 것으로 예상된다며 주의를 당부했다",
    "정부는 경제 대책의 규모를 확대하는 방안을 검토하고 있다고 밝혔습니다",
    "지진이 발생하자 정부는 대책본부를 설치하고 피해 상황을 확인하고 있다",
]
GBK = [title.replace("吉野家的“𠮷”与“㐀”：", "") for title in SIMPLIFIED]  # GBK has no four-byte characters

# name: (titles, codec of the bytes, XML declaration or None, Content-Type, BOM, description)
CASES: dict[str, tuple[list[str], str, str | None, str, bool, str]] = {
    "gbk-declared": (GBK, "gbk", "gbk", "application/rss+xml", False, "GBK declared in the XML declaration"),
    "gb2312-declared-gbk-characters": (
        GBK, "gbk", "gb2312", "application/rss+xml", False,
        "declared gb2312, with characters only GBK has (a CMS that says gb2312 and writes GBK)"),
    "gb2312-header": (GBK, "gbk", None, "text/xml; charset=gb2312", False, "gb2312 in the header only"),
    "gbk-undeclared": (GBK, "gbk", None, "text/xml", False, "GBK declared nowhere"),
    "gb18030-four-byte": (
        SIMPLIFIED, "gb18030", "gb18030", "application/xml", False, "GB18030 with four-byte characters"),
    "gb18030-four-byte-declared-gb2312": (
        SIMPLIFIED, "gb18030", "gb2312", "application/xml", False, "GB18030 four-byte characters declared gb2312"),
    "big5-declared": (TRADITIONAL, "big5", "big5", "application/rss+xml", False, "Big5 declared"),
    "big5-undeclared": (TRADITIONAL, "big5", None, "text/xml", False, "Big5 declared nowhere"),
    "euc-jp-undeclared": (JAPANESE, "euc_jp", None, "text/xml", False, "EUC-JP declared nowhere"),
    "euc-kr-undeclared": (KOREAN, "euc_kr", None, "text/xml", False, "EUC-KR declared nowhere"),
    "shift-jis-undeclared": (JAPANESE, "shift_jis", None, "text/xml", False, "Shift_JIS declared nowhere"),
    "utf-8-undeclared": (SIMPLIFIED, "utf-8", None, "text/xml", False, "UTF-8 declared nowhere"),
    "utf-8-bom": (SIMPLIFIED, "utf-8", "utf-8", "application/rss+xml", True, "UTF-8 with a BOM"),
    "header-utf-8-over-gbk": (
        GBK, "gbk", None, "text/xml; charset=utf-8", False, "GBK behind a header that says UTF-8 (a proxy)"),
    "header-gb2312-over-utf-8": (
        SIMPLIFIED, "utf-8", None, "text/xml; charset=gb2312", False, "UTF-8 behind a header that says gb2312"),
    "declared-gbk-over-utf-8": (
        SIMPLIFIED, "utf-8", "gbk", "application/rss+xml", False, "UTF-8 whose XML declaration says GBK"),
    "header-latin-1-over-gbk": (
        GBK, "gbk", None, "text/xml; charset=ISO-8859-1", False, "GBK behind a server default of ISO-8859-1"),
    "header-latin-1-over-utf-8": (
        SIMPLIFIED, "utf-8", None, "text/xml; charset=ISO-8859-1", False,
        "UTF-8 behind a server default of ISO-8859-1"),
    "header-utf-8-over-gbk-declared": (
        GBK, "gbk", "gbk", "text/xml; charset=utf-8", False, "GBK declared in XML, the header says UTF-8"),
}
for _codec in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
    _family = _codec[:6]
    CASES[f"{_codec}-bom"] = (SIMPLIFIED, _codec, _family, "application/rss+xml", True, f"{_codec} with a BOM")
    CASES[f"{_codec}-no-bom"] = (SIMPLIFIED, _codec, _family, "application/rss+xml", False, f"{_codec} without a BOM")
    CASES[f"{_codec}-no-bom-undeclared"] = (
        SIMPLIFIED, _codec, None, "application/xml", False, f"{_codec} without a BOM or a declaration")

BOMS = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}


def rss(titles: list[str], declared: str | None, content_type: str, description: str, extra: str = "") -> str:
    declaration = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    items = "".join(
        f"  <item><title>{title}</title><link>http://www.example.gov.cn/xwdt/{n}.html</link>"
        f"<guid>derived-{n}</guid><description>{title}。</description></item>\n{extra}"
        for n, title in enumerate(titles)
    )
    return (
        f"{declaration}<!--\nHeader:      Content-type: {content_type}\nDescription: {description}\n-->\n"
        f'<rss version="2.0"><channel><title>derived</title><link>http://www.example.gov.cn/</link>\n{items}'
        "</channel></rss>\n"
    )


def derive(out: Path) -> dict[str, dict[str, object]]:
    expected: dict[str, dict[str, object]] = {}
    for name, (titles, codec, declared, content_type, bom, description) in CASES.items():
        document = rss(titles, declared, content_type, description)
        data = (BOMS[codec] if bom else b"") + document.encode(codec)
        (out / f"{name}.xml").write_bytes(data)
        expected[f"{name}.xml"] = {"titles": titles}

    # one UTF-8 character cut in two inside a title (a CMS cutting at a byte count), in a feed far
    # shorter than 2,000 characters
    document = rss(SIMPLIFIED, "utf-8", "application/rss+xml; charset=utf-8", "one truncated UTF-8 character")
    data = document.encode("utf-8")
    cut = data.index("部署汛期".encode())
    data = data[:cut] + "部".encode()[:2] + data[cut + len("部署汛期".encode()):]
    (out / "utf-8-truncated-character.xml").write_bytes(data)
    titles = [SIMPLIFIED[0].replace("部署汛期", "\ufffd"), *SIMPLIFIED[1:]]
    expected["utf-8-truncated-character.xml"] = {"titles": titles}

    # a few stray bytes between the entries of a UTF-8 feed (they must not make it "cp1251")
    document = rss(SIMPLIFIED * 2, "utf-8", "text/xml; charset=utf-8", "UTF-8 with a few invalid bytes")
    data = document.encode("utf-8").replace(b"</item>\n", b"</item>\xff\n", 3)
    (out / "utf-8-few-invalid-bytes.xml").write_bytes(data)
    expected["utf-8-few-invalid-bytes.xml"] = {"titles": SIMPLIFIED * 2}
    return expected


def select_feedparser(checkout: Path, out: Path) -> list[str]:
    import feedparser

    chosen: list[str] = []
    for directory in DIRECTORIES:
        for path in sorted((checkout / "tests" / directory).rglob("*.xml")):
            data = path.read_bytes()
            headers = {key.strip().lower(): value.strip() for key, value in HEADER.findall(comment_text(data))}
            parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
            if any(entry.get("id") or entry.get("link") or entry.get("title") for entry in parsed.entries):
                relative = path.relative_to(checkout / "tests")
                (out / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, out / relative)
                chosen.append(str(relative))
    return chosen


def comment_text(data: bytes) -> str:
    """The file as text for reading its comments, as feedparser's test helpers do."""
    for prefix, codec in ((codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
                          (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                          (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                          (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
                          (b"\x00<\x00!", "utf-16-be"), (b"<\x00!\x00", "utf-16-le"),
                          (b"\x00<\x00r", "utf-16-be"), (b"<\x00r\x00", "utf-16-le")):
        if data.startswith(prefix):
            return data.decode(codec, errors="ignore")
    return data.decode("utf-8", errors="ignore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feedparser", type=Path, help="a checkout of feedparser at tag 6.0.14")
    args = parser.parse_args()
    if args.feedparser:
        target = HERE / "feedparser"
        shutil.rmtree(target, ignore_errors=True)
        print(f"{len(select_feedparser(args.feedparser, target))} feedparser files")
    derived = HERE / "derived"
    shutil.rmtree(derived, ignore_errors=True)
    derived.mkdir()
    expected = derive(derived)
    (derived / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(expected)} derived files")


if __name__ == "__main__":
    main()
