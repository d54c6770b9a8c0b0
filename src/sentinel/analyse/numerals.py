"""Chinese and Arabic numbers as reporters write them.

``parse_number`` turns one numeral expression into a :class:`Quantity`::

    十三 → 13            两, 俩 → 2           一百零五 → 105        1,234 → 1234
    ８ → 8 (full width)   1.2亿 → 120000000    5000万 → 50000000     六点一 → 6.1
    二十余 → 20 (approximate, 21–29)          3000余万 → 30000000 (approximate)
    数十 → 20 (approximate, 20–90)            上百 / 百余 / 近百 → 100 (approximate)
    约 / 逾 / 超过 / 至少 / 多达 30 → 30 (approximate)      30左右 → 30 (approximate)
    3至5 / 3-5 / 三四 / 十五六 / 七八十 → a range, value = low
    2万3千多 → 23000 (approximate), 5亿3千万 → 530000000, 4千6百多 → 4600: Arabic digits with several units
    萬, 億 → 万, 亿 (traditional characters)

``NUMERAL`` is the regular expression (source text, no capturing groups) that finds such expressions
inside longer text; :mod:`sentinel.analyse.facts` embeds it in its phrase patterns.

Conventions callers can rely on:
- ``value`` is the figure a careful reader would quote: the stated base for 余/多/逾/超过/至少 (a lower
  bound), the stated figure for 约/近/左右, the low end of a range, the lower bound of 数/几.
- ``approximate`` is true for any hedge (余 多 约 近 逾 超过 数 几 上 左右 许 至少 …).
- ``low``/``high`` bound the value where the text implies bounds; ``high`` is None when open-ended
  (逾, 超过, 至少, 上百).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["NUMERAL", "Quantity", "find_numbers", "parse_number"]

Number = int | float

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－～萬億", "0123456789.,-~万亿")

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
_UNITS = {**_SMALL_UNITS, **_BIG_UNITS}

# Hedges written before the number, longest first (超过 before 超). The open-ended ones say "more
# than", so they carry no upper bound.
_PREFIXES = ("大约", "将近", "接近", "不少于", "至少", "最少", "多达", "超过", "约", "近", "逾", "超", "上")
_OPEN_ENDED = {"不少于", "至少", "最少", "多达", "超过", "逾", "超", "上"}
_SUFFIXES = ("左右", "上下", "许")
_PLUS = "余馀多"  # 十余, 二十多: "and some more"

_CN_DIGITS = "零〇○一二两俩三四五六七八九"
_CN_CHARS = _CN_DIGITS + "十百千万亿萬億"
_AR = r"[0-9０-９]+(?:[,，][0-9０-９]{3})*(?:[.．][0-9０-９]+)?"
# Arabic digits before several units, as in Chinese numerals: 2万3千, 1万2千5百多 (萬 traditional).
_AR_SECTIONS = (rf"[0-9０-９]{{1,4}}[万亿萬億](?:[0-9０-９][千百十])+[万萬]?[{_PLUS}]?"
                rf"|[0-9０-９][千百](?:[0-9０-９][百十])+[{_PLUS}]?")
_AR_SECTIONS_RE = re.compile(rf"(?:([0-9]{{1,4}})([万亿]))?((?:[0-9][千百十])+)(万)?([{_PLUS}])?")
_ONE = (
    rf"(?:{_AR_SECTIONS}|{_AR}[{_PLUS}]?(?:[十百千]?[万亿萬億]|[千百])?[{_PLUS}]?"
    rf"|[{_CN_CHARS}]+点[{_CN_DIGITS}]+"
    rf"|(?:数|几)?[{_CN_CHARS}]+(?:[{_PLUS}][万亿萬億]?)?"
    r"|(?:数|几)(?=[名人位个口例]))"
)
#: Regex source matching one numeral expression, hedges and ranges included. No capturing groups.
NUMERAL = (
    r"(?:(?:大约|将近|接近|不少于|至少|最少|多达|超过|约|近|逾|超|上(?=[百千万]))?"
    rf"{_ONE}(?:\s*(?:至|到|-|－|—|~|～)\s*{_ONE})?(?:左右|上下|许)?)"
)
_NUMERAL_RE = re.compile(NUMERAL)
_RANGE_RE = re.compile(r"^(.+?)\s*(?:至|到|-|—|~)\s*(.+)$")
_AR_ONE = re.compile(rf"^([0-9.,]+)([{_PLUS}])?([十百千]?[万亿]|[千百])?([{_PLUS}])?$")
_CN_PLUS = re.compile(rf"^([{_CN_CHARS}]+?)([{_PLUS}])([万亿])?$")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A parsed number: its value, whether the reporter hedged it, and its bounds."""

    value: Number
    approximate: bool = False
    low: Number | None = None
    high: Number | None = None
    text: str = ""

    @property
    def is_range(self) -> bool:
        """True for an explicit range such as 3至5 or 三四 (not for a hedge such as 十余)."""
        return self.low is not None and self.high is not None and self.low != self.high \
            and not self.approximate


def _tidy(x: float) -> Number:
    """An int when the value is integral (1.2亿 yuan is a count, not a float)."""
    return int(round(x)) if abs(x - round(x)) < 1e-6 * max(1.0, abs(x)) else x


def _cn_integer(s: str) -> int | None:
    """A Chinese integer numeral without hedges: 十三, 一百零五, 三千五百万, 一亿二千万, 二〇〇八."""
    if not s or any(ch not in _DIGITS and ch not in _UNITS for ch in s):
        return None
    if all(ch in _DIGITS for ch in s):
        return int("".join(str(_DIGITS[ch]) for ch in s))  # 二〇〇八 is read digit by digit
    if s[0] in "百千万亿":
        s = "一" + s  # 百余 = 一百余, 万余 = 一万余
    total = section = current = 0
    digit: int | None = None
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL_UNITS:
            current += (1 if digit is None else digit) * _SMALL_UNITS[ch]  # a bare 十 is 1×10
            digit = None
        elif ch == "万":
            section += (current + (digit or 0)) * 10_000
            current, digit = 0, None
        else:  # 亿
            total = (total + section + current + (digit or 0)) * 100_000_000
            section, current, digit = 0, 0, None
    return total + section + current + (digit or 0)


def _unit_value(unit: str | None) -> int:
    if not unit:
        return 1
    value = 1
    for ch in unit:
        value *= _UNITS[ch]
    return value


def _place(base: float) -> float:
    """The place value a trailing 余 refers to: 20余 → 10 (21–29), 100余 → 100, 十余 → 10."""
    if base < 10 or base != int(base):
        return 1.0
    n, step = int(base), 1
    while n % 10 == 0:
        n //= 10
        step *= 10
    return float(step)


def _adjacent(core: str) -> tuple[float, float] | None:
    """Ranges written as two adjacent digits: 三四, 两三, 三五, 十五六, 七八十, 二三十, 五六百."""
    if len(core) == 2 and all(ch in _DIGITS for ch in core):
        a, b = _DIGITS[core[0]], _DIGITS[core[1]]
        if b == a + 1 or (a, b) in ((1, 2), (3, 5)):
            return float(a), float(b)
    m = re.fullmatch(rf"([{_CN_DIGITS}])([{_CN_DIGITS}])([十百千万])", core)
    if m and _DIGITS[m[2]] == _DIGITS[m[1]] + 1:
        unit = _UNITS[m[3]]
        return float(_DIGITS[m[1]] * unit), float(_DIGITS[m[2]] * unit)
    m = re.fullmatch(rf"十([{_CN_DIGITS}])([{_CN_DIGITS}])", core)
    if m and _DIGITS[m[2]] == _DIGITS[m[1]] + 1:
        return 10.0 + _DIGITS[m[1]], 10.0 + _DIGITS[m[2]]
    return None


def _parse_one(s: str) -> tuple[float, float, float, bool] | None:
    """One numeral, no range separator: (value, low, high, approximate)."""
    vague = s[:1] in ("数", "几")
    if vague:
        s = s[1:]
        base = float(_cn_integer(s) or 0) if s else 1.0
        if not base:
            return None
        # 数十 = "several tens": 2–9 of the unit; 十几 would be used for 10–19.
        return 2 * base, 2 * base, 9 * base, True
    m = _AR_SECTIONS_RE.fullmatch(s)
    if m and (m[1] or len(m[3]) > 2):  # 2万3千多: 2×10000 + 3×1000, and some more below the last unit
        units = re.findall(r"([0-9])([千百十])", m[3])
        scale = 10_000 if m[4] else 1  # 5亿3千万: the small sections count 万
        big = int(m[1]) * _BIG_UNITS[m[2]] if m[1] else 0  # 4千6百多: no 万 section
        total = float(big + sum(int(d) * _SMALL_UNITS[u] for d, u in units) * scale)
        if not m[5]:
            return total, total, total, False
        return total, total, total + _SMALL_UNITS[units[-1][1]] * scale - 1, True
    m = _AR_ONE.match(s)
    if m and re.fullmatch(r"\d+(?:,\d{3})*(?:\.\d+)?", m[1]):
        base = float(m[1].replace(",", ""))
        unit, plus_before, plus_after = _unit_value(m[3]), m[2], m[4]
        value = base * unit
        if plus_before:   # 3000余万: 3000–3999 万
            step = _place(base) * unit
        elif plus_after:  # 3000万余: a little above 3000 万
            step = float(unit)
        else:
            return value, value, value, False
        return value, value, value + step - 1, True
    if "点" in s:
        whole, _, frac = s.partition("点")
        w = _cn_integer(whole)
        if w is None or not frac or any(ch not in _DIGITS for ch in frac):
            return None
        v = float(f"{w}.{''.join(str(_DIGITS[c]) for c in frac)}")
        return v, v, v, False
    m = _CN_PLUS.match(s)
    if m:  # 十余, 二十多, 百余, 十余万
        base_i = _cn_integer(m[1])
        if base_i is None:
            return None
        unit = _unit_value(m[3])
        value = float(base_i * unit)
        return value, value, value + _place(base_i) * unit - 1, True
    rng = _adjacent(s)
    if rng:
        return rng[0], rng[0], rng[1], False
    n = _cn_integer(s)
    if n is None:
        return None
    return float(n), float(n), float(n), False


def parse_number(text: str) -> Quantity | None:
    """Parse one numeral expression (the whole string, hedges included); None if it is not one.

    >>> parse_number("二十余").value, parse_number("二十余").approximate
    (20, True)
    >>> parse_number("直接经济损失") is None
    True
    """
    s = text.strip().translate(_FULL_WIDTH)
    approx, open_ended = False, False
    for p in _PREFIXES:
        if s.startswith(p) and len(s) > len(p):
            if p == "上" and s[1:2] not in ("百", "千", "万"):
                break
            s, approx, open_ended = s[len(p):], True, p in _OPEN_ENDED
            break
    for suf in _SUFFIXES:
        if s.endswith(suf) and len(s) > len(suf):
            s, approx = s[: -len(suf)], True
            break
    if not s:
        return None
    m = _RANGE_RE.match(s)
    if m and not s.startswith("-"):
        first, second = m[1], m[2]
        # 3至5万: the unit of the second number applies to the first as well.
        tail = re.search(r"[万亿]$", second)
        if tail and not re.search(r"[十百千万亿余馀多]$", first):
            first += tail.group()
        a, b = _parse_one(first), _parse_one(second)
        if a is None or b is None or a[0] > b[0]:
            return None
        return Quantity(_tidy(a[0]), approx or a[3] or b[3], _tidy(a[0]), _tidy(b[2]), text)
    one = _parse_one(s)
    if one is None:
        return None
    value, low, high, approx1 = one
    return Quantity(_tidy(value), approx or approx1, _tidy(low), None if open_ended else _tidy(high), text)


def find_numbers(text: str) -> list[tuple[int, int, Quantity]]:
    """Every numeral expression in ``text`` as (start, end, quantity), left to right."""
    out = []
    for m in _NUMERAL_RE.finditer(text):
        q = parse_number(m.group())
        if q is not None:
            out.append((m.start(), m.end(), q))
    return out
