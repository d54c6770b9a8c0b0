"""Bytes to text for every page and feed, with Chinese government sites in mind.

Sources of truth, in order:

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. the pattern of NUL bytes that UTF-16 and UTF-32 text without a BOM shows around its first
   character (``<``, ``{``: XML 1.0 appendix F, RFC 4627);
3. the bytes being valid UTF-8 with characters beyond ASCII: a document that decodes as UTF-8 is
   UTF-8 whatever it declares (a header or template that says gb2312 over UTF-8 is common; real
   GBK or Big5 text is almost never valid UTF-8 beyond a character or two);
4. the ``charset`` of the HTTP ``Content-Type`` header, then the document's own declaration (the XML
   declaration, ``<meta charset>``, ``<meta http-equiv="Content-Type" ...>``), each checked against
   the bytes: a declaration under which more than one non-ASCII character in ten fails to decode is
   wrong (GBK bytes behind a proxy that says utf-8), the next source of truth is tried, and the
   mismatch is reported as a problem with reason ``encoding`` instead of producing mojibake; one
   under which a few bytes fail (a character cut in two, a corrupt byte) is kept, the damage reported;
5. UTF-8 again with the same tolerance (XML's default);
6. detection: chardet, with a prior for the mainland sources sentinel reads: a body that decodes as
   GB18030 into common simplified Chinese is taken as GB18030 when it is too short to tell or when
   chardet is unsure (:func:`_detect`). EUC-JP, EUC-KR and Big5 text that chardet recognises with
   confidence is read as such.

The GB family (gb2312, gbk and their aliases) is decoded as **gb18030**, its superset: CMSs declare
gb2312 and then publish names such as 朱镕基, 王堃 or 李喆, whose characters are only in GBK. Likewise
big5 is read as Big5-HKSCS, euc-kr as windows-949, shift_jis as windows-31J, and iso-8859-1 and
us-ascii as windows-1252, as browsers do (WHATWG Encoding). Header defaults of web servers
(ISO-8859-1 from Tomcat and CMS front ends) give way to the document and to detection.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

import chardet

from sentinel.errors import ParseError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM is a prefix of it
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030"})  # codecs.lookup() names: cp936 → gbk, euc-cn → gb2312
_ALIASES = {
    "x-gbk": "gbk",
    "x-gb2312": "gb2312",
    "x-euc-cn": "gb2312",
    "gb_2312-80": "gb2312",
    "unicode": "utf-8",
    "x-sjis": "shift_jis",
    "windows-31j": "cp932",
}
# Labels read as their superset (codecs.lookup() names on the left).
_SUPERSETS = {"big5": "big5hkscs", "euc_kr": "cp949", "shift_jis": "cp932", "iso8859-1": "cp1252", "ascii": "cp1252"}
# Header defaults of web servers, not statements about the bytes: a document declaration wins over
# them, and when the document declares nothing, UTF-8 and detection are tried before them.
_WEAK_HEADER = frozenset({"iso8859-1", "ascii", "cp1252"})
_SNIFF = 4096
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([\w.:-]+)""", re.IGNORECASE)
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# A declaration is wrong when more than this share of the non-ASCII characters fail to decode.
_TOLERATED_ERRORS = 0.1
# Detection: a body with fewer non-ASCII characters than this is too short for anyone to tell
# GBK from EUC-KR or Big5; and chardet is "unsure" below this confidence (bench/charset_detection.py).
_FEW_CHARS = 4
_UNSURE = 0.3
# GB18030 is plausible when at least this share of the characters is in the common GB2312 set, or
# when there are fewer than _SHORT characters to judge by (朱镕基: one of three is GBK-only).
_COMMON_SHARE = 0.8
_SHORT = 8


def decode_body(
    content: bytes,
    content_type_header: str | None,
    *,
    problems: list[tuple[str, str]] | None = None,
) -> tuple[str, str]:
    """``(text, encoding used)`` for a response body.

    ``problems`` (``ParseResult.problems`` or ``CollectOutcome.problems``), when given, receives an
    ``("encoding", message)`` entry when a declared charset did not fit the bytes or some bytes did
    not decode. Raises :class:`~sentinel.errors.ParseError` (``encoding``) only when nothing decodes
    the bytes.
    """
    found: list[tuple[str, str]] = []
    text, encoding = _decode(content, content_type_header, found)
    if problems is not None:
        problems.extend(found)
    return text, encoding


def _decode(content: bytes, header_value: str | None, problems: list[tuple[str, str]]) -> tuple[str, str]:
    if not content:
        return "", "utf-8"
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _damaged(content, encoding, problems), encoding.removesuffix("-sig")
    wide = _wide_encoding(content[:4])
    if wide is not None:
        return _damaged(content, wide, problems), wide

    header = _codec(_header_charset(header_value))
    document = _codec(_document_charset(content[:_SNIFF]))
    weak_header = header if header in _WEAK_HEADER else None
    declared: list[tuple[str, str]] = []  # (codec, where it was declared)
    if header and not weak_header:
        declared.append((header, "the Content-Type header"))
    if document and (document != header or weak_header):
        declared.append((document, "the document"))

    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        for encoding, where in declared:
            if encoding != "utf-8" and not text.isascii():
                problems.append(("encoding", f"{where} declares {_label(encoding)}, but the body is UTF-8"))
        return text, "utf-8"

    for encoding, where in declared:
        if encoding.startswith(("utf-16", "utf-32")):
            continue  # a leftover label (the bytes would have shown it): the next source of truth
        decoded = _tolerant(content, encoding)
        if decoded is not None:
            text, errors = decoded
            if errors:
                problems.append(("encoding", f"{errors} undecodable bytes in a body declared {_label(encoding)}"))
            return text, _label(encoding)
        problems.append(("encoding", f"{where} declares {_label(encoding)}, which does not decode the body"))

    decoded = _tolerant(content, "utf-8")
    if decoded is not None:
        problems.append(("encoding", f"{decoded[1]} undecodable bytes in a UTF-8 body"))
        return decoded[0], "utf-8"
    detected = _detect(content)
    if detected is not None:
        return detected
    if weak_header:
        return _windows_1252(content), "cp1252"
    raise ParseError("encoding", "the body is in no character encoding sentinel can recognise")


def content_type(headers: Mapping[str, str] | None) -> str | None:
    """The ``Content-Type`` of response headers (httpx's, case-insensitive, or a plain dict)."""
    if not headers:
        return None
    return headers.get("content-type") or headers.get("Content-Type")


def charset_label(name: str | None) -> str | None:
    """The codec sentinel decodes a declared charset ``name`` with (gb2312/gbk → gb18030), or None
    for a name Python does not know."""
    codec = _codec(name)
    return _label(codec) if codec else None


def _header_charset(value: str | None) -> str | None:
    if not value:
        return None
    match = _HEADER_CHARSET.search(value)
    return match.group(1) if match else None


def _document_charset(head: bytes) -> str | None:
    match = _XML_DECL.match(head) or _META.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    try:
        codec = codecs.lookup(_ALIASES.get(name, name)).name
    except LookupError:
        return None
    return "gb18030" if codec in _GB_FAMILY else codec


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16 or UTF-32 without a BOM, from the NUL bytes around an ASCII first character."""
    if len(head) < 4 or 0 not in head:
        return None
    nul = (head[0] == 0, head[1] == 0, head[2] == 0, head[3] == 0)
    return {
        (False, True, True, True): "utf-32-le",
        (True, True, True, False): "utf-32-be",
        (False, True, False, True): "utf-16-le",
        (True, False, True, False): "utf-16-be",
    }.get(nul)


def _label(codec: str) -> str:
    return {"iso8859-1": "iso-8859-1", "big5hkscs": "big5", "cp949": "euc-kr", "cp932": "shift_jis"}.get(codec, codec)


def _damaged(content: bytes, encoding: str, problems: list[tuple[str, str]]) -> str:
    """``content`` in an encoding its bytes themselves named (a BOM, NUL bytes), damage replaced."""
    text, errors = _replacing(content, encoding)
    if errors:
        problems.append(("encoding", f"{errors} undecodable bytes in a body in {encoding.removesuffix('-sig')}"))
    return text


def _replacing(content: bytes, encoding: str) -> tuple[str, int]:
    """``content`` decoded with U+FFFD for what does not decode, and how many of those there are
    (not counting U+FFFD the document itself contains)."""
    text = content.decode(encoding, errors="replace")
    return text, text.count("\ufffd") - content.decode(encoding, errors="ignore").count("\ufffd")


def _tolerant(content: bytes, encoding: str) -> tuple[str, int] | None:
    """``(text, undecodable bytes)`` in ``encoding``, or None when too much of it fails to decode."""
    superset = _SUPERSETS.get(encoding, encoding)
    if superset == "cp1252":
        return _windows_1252(content), 0
    try:
        return content.decode(superset), 0
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text, errors = _replacing(content, superset)
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if errors <= (non_ascii - errors) * _TOLERATED_ERRORS or (errors == 1 and text.endswith("\ufffd")):
        return text, errors
    return None


def _windows_1252(content: bytes) -> str:
    """windows-1252 as browsers read it: the five bytes it leaves undefined are the C1 controls."""
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        return "".join(
            chunk.decode("cp1252", errors="strict") if index % 2 == 0 else chunk.decode("latin-1")
            for index, chunk in enumerate(re.split(rb"([\x81\x8d\x8f\x90\x9d]+)", content))
        )


def _as_gb18030(content: bytes) -> tuple[str, int] | None:
    """``(text, non-ASCII characters)`` when the body decodes as GB18030 into mostly common
    simplified Chinese, or is too short to judge that way; None otherwise. Big5, EUC-KR or EUC-JP bytes mostly decode as GBK too, but
    Big5 into rare characters; EUC-KR and EUC-JP into common ones, which only chardet tells apart."""
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        return None
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if non_ascii == 0:
        return text, 0
    missing = text.encode("gb2312", errors="replace").count(b"?") - text.count("?")
    return (text, non_ascii) if non_ascii < _SHORT or 1 - missing / non_ascii >= _COMMON_SHARE else None


def _detect(content: bytes) -> tuple[str, str] | None:
    gb = _as_gb18030(content)
    guess = chardet.detect(content, compat_names=False, prefer_superset=True)
    encoding = _codec(guess.get("encoding"))
    if gb is not None and (encoding == "gb18030" or gb[1] < _FEW_CHARS or (guess.get("confidence") or 0) < _UNSURE):
        return gb[0], "gb18030"
    if encoding is None:
        return None
    decoded = _tolerant(content, encoding)
    return (decoded[0], _label(encoding)) if decoded is not None else None
