"""Bytes to text for every page and feed, with Chinese government sites in mind.

The order is the one browsers use, with two changes for the sites we read:

1. a byte-order mark;
2. the ``charset`` of the HTTP ``Content-Type`` header;
3. the document's own declaration: the XML declaration, ``<meta charset>`` or
   ``<meta http-equiv="Content-Type" content="...; charset=...">`` in the first few KB;
4. UTF-8 if the bytes are valid UTF-8, else gb18030 if the bytes read as simplified Chinese in it,
   else detection with charset-normalizer.

Change one: gb2312, gbk (and their aliases) and gb18030 are all decoded as **gb18030**, a superset.
Government CMSs declare gb2312 and then publish names such as 朱镕基, 王堃 or 李喆, whose characters
are only in GBK; decoding strictly as gb2312 loses them and desynchronises the rest of the line.

Change two: a declaration is checked against the bytes. When it does not decode them (a header that
says utf-8 over GBK bytes is common behind a misconfigured proxy), the next source of truth is
tried, and the mismatch is reported as a problem with reason ``encoding`` instead of producing
mojibake. A declaration that leaves only a few undecodable bytes (a page cut off in the middle of a
character, one corrupt byte) is kept: detection on such pages guesses worse than the declaration.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from charset_normalizer import from_bytes

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
}
# Header defaults of web servers, not statements about the bytes: a document declaration wins over
# them (Tomcat and some CMS front ends send ISO-8859-1 whatever the page is), and when the document
# declares nothing, UTF-8 and detection are tried before them.
_WEAK_HEADER = frozenset({"iso8859-1", "ascii", "cp1252"})
_SNIFF = 4096
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']\s*([\w.:-]+)""", re.IGNORECASE)
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
# At most this share of undecodable bytes is tolerated under a declared charset (see the docstring).
_TOLERATED_ERRORS = 1 / 2000
_TOLERATED_TAIL = 4
# Undeclared, non-UTF-8 bodies are taken as gb18030 when they decode and are this Chinese (_detect).
_FEW_CHARS = 8
_COMMON_SHARE = 0.8


def decode_body(
    content: bytes,
    content_type_header: str | None,
    *,
    problems: list[tuple[str, str]] | None = None,
) -> tuple[str, str]:
    """``(text, encoding used)`` for a response body.

    ``problems`` (``ParseResult.problems`` or ``CollectOutcome.problems``), when given, receives an
    ``("encoding", message)`` entry when a declared charset did not fit the bytes. Raises
    :class:`~sentinel.errors.ParseError` (``encoding``) only when nothing decodes the bytes.
    """
    if not content:
        return "", "utf-8"
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content.decode(encoding, errors="replace"), encoding.removesuffix("-sig")

    header = _codec(_header_charset(content_type_header))
    document = _codec(_document_charset(content[:_SNIFF]))
    weak_header = header if header in _WEAK_HEADER else None
    declared: list[tuple[str, str]] = []  # (Python codec name, where it was declared)
    if header and not weak_header:
        declared.append((header, "the Content-Type header"))
    if document and (document != header or weak_header):
        declared.append((document, "the document"))

    for encoding, where in declared:
        text, errors = _decode(content, encoding)
        if text is not None:
            if errors and problems is not None:
                problems.append(
                    ("encoding", f"{errors} undecodable bytes in a body declared {_label(encoding)}")
                )
            return text, _label(encoding)
        if problems is not None:
            problems.append(
                ("encoding", f"{where} declares {_label(encoding)}, which does not decode the body")
            )

    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    detected = _detect(content)
    if detected is not None:
        return detected
    if weak_header:
        return content.decode(weak_header, errors="replace"), _label(weak_header)
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


def _header_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _HEADER_CHARSET.search(content_type)
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
    if codec in _GB_FAMILY:
        return "gb18030"
    if codec.startswith(("utf-16", "utf-32")):
        # A body that got this far has no BOM and an ASCII-readable declaration: the declaration is
        # a leftover (an editor that saved UTF-8 and kept "utf-16"), so read the bytes as UTF-8.
        return "utf-8"
    return codec


def _guess_gb18030(content: bytes) -> str | None:
    """The body as gb18030 when it reads as simplified Chinese: charset-normalizer takes short GBK
    snippets for Korean or Big5, and our sources are overwhelmingly mainland Chinese.

    Bytes in another double-byte encoding (Big5, EUC-KR) mostly decode as GBK too, but into rare
    characters; real simplified Chinese text is mostly in the common GB2312 set.
    """
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        return None
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if non_ascii == 0:
        return text
    missing = text.encode("gb2312", errors="replace").count(b"?") - text.count("?")
    common = 1 - missing / non_ascii
    if non_ascii < _FEW_CHARS or common >= _COMMON_SHARE:
        return text
    return None


def _label(codec: str) -> str:
    return {"iso8859-1": "iso-8859-1"}.get(codec, codec)


def _decode(content: bytes, encoding: str) -> tuple[str | None, int]:
    """``(text, undecodable bytes)`` with a declared charset; text is None when it does not fit."""
    try:
        return content.decode(encoding), 0
    except UnicodeDecodeError as error:
        if error.start >= len(content) - _TOLERATED_TAIL:
            text = content.decode(encoding, errors="replace")  # cut off inside the last character
            return text, 1
    except LookupError:
        return None, 0
    text = content.decode(encoding, errors="replace")
    errors = text.count("\ufffd")
    if errors <= int(len(text) * _TOLERATED_ERRORS):
        return text, errors
    return None, errors


def _detect(content: bytes) -> tuple[str, str] | None:
    guess = _guess_gb18030(content)
    if guess is not None:
        return guess, "gb18030"
    best = from_bytes(content).best()
    if best is None or best.encoding is None:
        return None
    encoding = _codec(best.encoding) or best.encoding
    text, _ = _decode(content, encoding)
    if text is None:
        return None
    return text, _label(encoding)
