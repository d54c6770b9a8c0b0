"""Plain text from HTML, and the one text clean-up every title and body goes through.

Both functions run once per collected item, so they lean on C code: a regex marks block boundaries in
the raw HTML, selectolax (lexbor) parses and unescapes, and ``str`` methods do the rest.
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser

# A private-use character marks block boundaries while the HTML is parsed: real newlines in the
# source are only formatting (HTML collapses them to a space), the marker becomes a line break.
_BREAK = "\ue000"
_BLOCK_TAG = re.compile(
    r"<(?:(?P<cell>t[dh])\b[^>]*|/?(?:p|div|li|h[1-6]|table|ul|ol|dl|dt|dd|blockquote|section|article|"
    r"header|footer|pre|figure|figcaption|hr|center)\b[^>]*|br\b[^>]*)>",
    re.IGNORECASE,
)
_DROPPED_TAGS = ["script", "style", "noscript", "template", "head", "iframe", "object", "svg"]

# Zero-width and control characters that NFKC leaves alone: C0/C1 controls (but \t and \n), soft
# hyphen, zero-width space/joiners, bidi controls, word joiner, BOM, interlinear annotations.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb]"
)
_SPACES = re.compile(r"[ \t\f\v]+")
_BLANK_LINES = re.compile(r"\n{2,}")
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000\u00a0]")
_FULL_WIDTH_MAP = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)} | {
    "\u3000": " ",
    "\u00a0": " ",
}


def html_to_text(html: str) -> str:
    """The readable text of an HTML fragment or page, one paragraph per line.

    Block elements (``p``, ``div``, ``li``, ``h1``-``h6``, table cells ...) and ``br`` end a line;
    ``script``, ``style`` and other non-text elements are dropped; entities are unescaped. The
    result has been through :func:`clean_text`.
    """
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return clean_text(html)
    marked = _BLOCK_TAG.sub(_mark, html)
    tree = LexborHTMLParser(marked)
    tree.strip_tags(_DROPPED_TAGS)
    root = tree.body if tree.body is not None else tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="", strip=False)
    # Whitespace in the source is formatting; only the markers are line breaks.
    text = text.replace("\r", " ").replace("\n", " ").replace(_BREAK, "\n")
    return clean_text(text)


def _mark(match: re.Match[str]) -> str:
    # The marker goes where the parser keeps it as text: before an opening tag, after a closing one
    # (text just before </table> would be moved in front of the table), and inside a table cell, so
    # each cell starts a line (text between table tags is moved out of the table too).
    tag = match.group(0)
    if match.group("cell") or tag[1] == "/":
        return tag + _BREAK
    return _BREAK + tag


def clean_text(text: str) -> str:
    """NFKC, no zero-width or control characters, whitespace collapsed within each line.

    Lines are stripped and empty lines dropped, so paragraphs are separated by exactly one ``\\n``.
    Note that NFKC turns full-width ASCII and full-width punctuation (``，：（）！？``) into their
    ASCII forms; ideographic punctuation such as ``。、“”《》`` is kept.
    """
    if not text:
        return ""
    if not text.isascii():
        text = nfkc(text)
        text = _INVISIBLE.sub("", text)
    elif not text.isprintable():
        text = _INVISIBLE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    # Cheap membership tests first: most text has neither runs of spaces nor blank lines.
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = text.replace(" \n", "\n").replace("\n ", "\n")
    if "\n\n" in text:
        text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def nfkc(text: str) -> str:
    """``unicodedata.normalize("NFKC", text)``, fast for Chinese text.

    CPython's NFKC costs ~0.2 µs per character as soon as a string needs any change, and Chinese
    text nearly always does (full-width ，（）：). Those characters are replaced first with
    ``str.replace`` by their NFKC forms (single ASCII characters or a space); the result usually
    passes the quick check, and only when it does not is the full normalisation run. NFKC of the
    partly replaced text equals NFKC of the original, since each replacement is the character's own
    compatibility decomposition.
    """
    if unicodedata.is_normalized("NFKC", text):
        return text
    for char in set(_FULL_WIDTH.findall(text)):
        text = text.replace(char, _FULL_WIDTH_MAP[char])
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def first_line(text: str, limit: int) -> str:
    """The first non-empty line of ``text``, cut to ``limit`` characters."""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            return line[:limit].rstrip()
    return ""
