"""Reasons written in two languages, read in one.

Grading, place and verification reasons are stored as ``中文 / English`` — "死亡11人 ≥ 10人 → II
重大（…） / deaths 11 ≥ 10 → II (major)" — so that the API, the logs and the CLI carry both. A page
a leader reads shows one language, the reader's: :func:`in_language` keeps the half asked for.
Several reasons joined by ``; `` (a grade change's) are read one by one.

Only a reason's own separator splits it: the ``" / "`` after Chinese text and before English text
(an ASCII letter or digit). Text a person typed ("张伟: 已核实 / 见附件") is left whole.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = ["LANGUAGES", "Language", "in_language", "language"]

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")

_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
_SEPARATOR = re.compile(r" / (?=[A-Za-z0-9(])")


def language(value: str | None) -> Language | None:
    """``zh`` or ``en`` from a query parameter or cookie (``en-US`` → ``en``); None for anything else."""
    head = (value or "").strip().lower()[:2]
    return head if head in LANGUAGES else None  # type: ignore[return-value]


def in_language(text: str | None, lang: Language = "zh") -> str:
    """The half of a bilingual reason in ``lang``; a text without the two halves as it is."""
    if not text:
        return ""
    return ("；" if lang == "zh" else "; ").join(_one(part, lang) for part in text.split("; "))


def _one(part: str, lang: Language) -> str:
    for found in _SEPARATOR.finditer(part):
        head, tail = part[:found.start()], part[found.end():]
        if _CJK.search(head):
            return tail if lang == "en" else head
    return part
