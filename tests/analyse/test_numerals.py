"""Chinese and Arabic numerals as reporters write them."""

from __future__ import annotations

import re

import pytest

from sentinel.analyse.numerals import NUMERAL, find_numbers, parse_number

# text, value, approximate, low, high
CASES = [
    ("十三", 13, False, 13, 13),
    ("两", 2, False, 2, 2),
    ("俩", 2, False, 2, 2),  # "母女俩", "俩人"
    ("十", 10, False, 10, 10),
    ("一百零五", 105, False, 105, 105),
    ("三千五百", 3500, False, 3500, 3500),
    ("一亿二千万", 120_000_000, False, 120_000_000, 120_000_000),
    ("二〇〇八", 2008, False, 2008, 2008),
    ("1,234", 1234, False, 1234, 1234),
    ("８", 8, False, 8, 8),
    ("４７", 47, False, 47, 47),
    ("1.2亿", 120_000_000, False, 120_000_000, 120_000_000),
    ("5000万", 50_000_000, False, 50_000_000, 50_000_000),
    ("1058.5万", 10_585_000, False, 10_585_000, 10_585_000),
    ("八千万", 80_000_000, False, 80_000_000, 80_000_000),
    ("5．6", 5.6, False, 5.6, 5.6),
    ("六点一", 6.1, False, 6.1, 6.1),
    # hedges: "and more"
    ("十余", 10, True, 10, 19),
    ("二十余", 20, True, 20, 29),
    ("20多", 20, True, 20, 29),
    ("百余", 100, True, 100, 199),
    ("3000余万", 30_000_000, True, 30_000_000, 39_999_999),
    ("十余万", 100_000, True, 100_000, 199_999),
    # hedges: "some tens", "nearly", "about", "more than"
    ("数十", 20, True, 20, 90),
    ("几十", 20, True, 20, 90),
    ("数百", 200, True, 200, 900),
    ("上百", 100, True, 100, None),
    ("近百", 100, True, 100, 100),
    ("约30", 30, True, 30, 30),
    ("30左右", 30, True, 30, 30),
    ("逾百", 100, True, 100, None),
    ("超过200", 200, True, 200, None),
    ("至少11", 11, True, 11, None),
    ("多达70", 70, True, 70, None),
    # ranges: value is the low end
    ("3至5", 3, False, 3, 5),
    ("3-5", 3, False, 3, 5),
    ("三四", 3, False, 3, 4),
    ("两三", 2, False, 2, 3),
    ("十五六", 15, False, 15, 16),
    ("七八十", 70, False, 70, 80),
    ("3至5万", 30_000, False, 30_000, 50_000),
    # Arabic digits before several units, as a Chinese numeral writes them; traditional 萬 and 億
    ("2万3千", 23_000, False, 23_000, 23_000),
    ("2萬3千多", 23_000, True, 23_000, 23_999),
    ("1万2千5百多", 12_500, True, 12_500, 12_599),
    ("5亿3千万", 530_000_000, False, 530_000_000, 530_000_000),
    ("4千6百多", 4_600, True, 4_600, 4_699),
    ("3萬", 30_000, False, 30_000, 30_000),
    ("1.2億", 120_000_000, False, 120_000_000, 120_000_000),
]


@pytest.mark.parametrize(("text", "value", "approximate", "low", "high"), CASES)
def test_parse_number(text: str, value: float, approximate: bool, low: float, high: float | None) -> None:
    q = parse_number(text)
    assert q is not None
    assert (q.value, q.approximate, q.low, q.high) == (value, approximate, low, high)
    assert type(q.value) is type(value)  # counts and yuan are ints, magnitudes floats


@pytest.mark.parametrize("text", ["", "死亡", "人", "abc", "点五", "5至3"])
def test_not_a_number(text: str) -> None:
    assert parse_number(text) is None


def test_range_flag() -> None:
    assert parse_number("3至5").is_range  # type: ignore[union-attr]
    assert not parse_number("十余").is_range  # type: ignore[union-attr]
    assert not parse_number("13").is_range  # type: ignore[union-attr]


def test_numeral_regex_finds_hedged_expressions() -> None:
    text = "造成６人死亡，十余人受伤，直接经济损失约1.2亿元，3000余万元"
    found = [(text[s:e], q.value) for s, e, q in find_numbers(text)]
    assert found == [("６", 6), ("十余", 10), ("约1.2亿", 120_000_000), ("3000余万", 30_000_000)]


def test_numeral_regex_takes_every_section_of_a_mixed_numeral() -> None:
    # "2萬3千多人" is 23,000 and more, not the 3,000 of its last section
    text = "累計2萬3千多人死亡，确诊34万7千多宗"
    assert [(text[s:e], q.value) for s, e, q in find_numbers(text)] == [("2萬3千多", 23_000), ("34万7千多", 347_000)]


def test_numeral_regex_has_no_capturing_groups() -> None:
    # facts.py embeds NUMERAL inside patterns with named groups of their own.
    assert re.compile(NUMERAL).groups == 0
