"""China's administrative divisions (行政区划), the foreign places list, and the office's jurisdiction.

Read from the files in ``dict/`` (see their README): ``divisions.tsv`` (adcode, level, parent, name,
short forms), ``foreign.tsv`` (countries, major cities and regions abroad, with their country) and
``landmarks.tsv`` (universities, sights and airports a report may name instead of the division they
stand in). :func:`load_gazetteer` reads them once per process.

A :class:`Jurisdiction` is the set of divisions an office answers for (属地管理), from the
``jurisdiction:`` key; empty means the whole of China. Names are resolved as an office writes them:
a full name (郑州市), a short form (郑州), a name qualified by its parents where it is not unique
(北京市朝阳区, 吉林省长春市朝阳区), or an adcode (410100).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

DICT_DIR = Path(__file__).resolve().parent / "dict"

__all__ = ["Division", "ForeignPlace", "Gazetteer", "Jurisdiction", "LEVELS", "load_gazetteer"]

#: Division levels, the widest first.
LEVELS = ("province", "prefecture", "county")
_PREFIX = {"province": 2, "prefecture": 4, "county": 6}
#: Words for the whole country: a mention of China without a division.
NATIONAL = frozenset({"中国", "全国", "我国", "国内", "中华人民共和国", "中国大陆", "内地"})
WHOLE_COUNTRY = frozenset({"全国", "中国", "中华人民共和国"})


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 6-digit adcode
    level: str  # province, prefecture, county
    parent: str | None
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def prefix(self) -> str:
        """The part of an adcode every division inside this one shares (41, 4101, 410102)."""
        return self.code[: _PREFIX[self.level]]

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    def covers(self, code: str) -> bool:
        return code.startswith(self.prefix)


@dataclass(frozen=True, slots=True)
class ForeignPlace:
    name: str
    kind: str  # country, city, region
    country_code: str  # ISO 3166 alpha-2; empty for a region of several countries (中东)
    country: str


class Gazetteer:
    """Names to places: Chinese divisions (with short forms) and foreign places."""

    def __init__(self, divisions: Iterable[Division], foreign: Iterable[ForeignPlace], stops: Iterable[str],
                 landmarks: Iterable[tuple[str, str]] = ()) -> None:
        self.divisions = {d.code: d for d in divisions}
        by_name: dict[str, list[Division]] = {}
        for division in self.divisions.values():
            for name in (division.name, *division.aliases):
                by_name.setdefault(name, []).append(division)
        self.by_name = {name: tuple(found) for name, found in by_name.items()}
        self._forms = dict(self.by_name)  # a division's own names and short forms, no landmark
        self._order = {code: n for n, code in enumerate(self.divisions)}
        #: universities, sights and airports, each naming the division it stands in (清华 → 北京市); the
        #: division is given as an office writes it (:meth:`resolve`)
        self.landmarks: dict[str, Division] = {}
        for name, where in landmarks:
            found = self.resolve(where)
            if len(found) != 1:
                raise ValueError(f"landmarks.tsv: {name}'s division {where!r} names {len(found)} divisions, not one")
            self.landmarks[name] = found[0]
            self.by_name[name] = (*self.by_name.get(name, ()), found[0])
        self.foreign = {place.name: place for place in foreign}
        # a foreign name inside a compound that names no place (美国白蛾): the compound and where the name sits
        self.stops: dict[str, list[tuple[str, int]]] = {}
        for compound in stops:
            for name in self.foreign:
                at = compound.find(name)
                if at >= 0:
                    self.stops.setdefault(name, []).append((compound, at))
        names = set(self.foreign) | set(self.by_name) | NATIONAL
        self.names = frozenset(names)
        self.prefixes = frozenset(name[:n] for name in names for n in range(1, len(name)))
        self.heads = self.prefixes | self.names  # what a token that starts a name is
        self.longest = max(map(len, names))
        # provinces by the names a text may begin a longer word with (广西 in jieba's 广西北海)
        self.province_heads = frozenset(name for name, found in self.by_name.items()
                                        if any(d.level == "province" for d in found) and len(name) <= 3
                                        and name not in self.landmarks)

    def division(self, code: str) -> Division:
        return self.divisions[code]

    def province(self, division: Division) -> Division:
        return self.divisions.get(division.province_code, division)

    def chain(self, division: Division) -> list[Division]:
        """The division and its parents, the widest last."""
        out = [division]
        while out[-1].parent:
            out.append(self.divisions[out[-1].parent])
        return out

    def full_name(self, division: Division) -> str:
        """Qualified by its parents: 四川省阿坝藏族羌族自治州汶川县."""
        return "".join(d.name for d in reversed(self.chain(division)))

    def resolve(self, name: str) -> list[Division]:
        """The divisions ``name`` can mean: an adcode, a full or short name, or a name qualified by
        its parents (北京市朝阳区, 北京朝阳区). Empty when none."""
        text = name.strip()
        if text.isdigit():
            code = text[:6].ljust(6, "0")
            return [self.divisions[code]] if code in self.divisions and len(text) in (2, 4, 6, 12) else []
        exact = list(self.by_name.get(text, ()))
        if exact:
            return exact
        # the divisions a name or short form of which ends the text, in the gazetteer's order
        ending = {d.code: d for start in range(len(text)) for d in self._forms.get(text[start:], ())}
        return [division for division in sorted(ending.values(), key=lambda d: self._order[d.code])
                if _qualified(text, list(reversed(self.chain(division))))]


def _qualified(text: str, chain: Sequence[Division]) -> bool:
    """Whether ``text`` spells ``chain`` (widest first), each level by its full name or a short form;
    a level above the last may be left out (北京朝阳区, 郑州市中原区)."""
    if not chain:
        return text == ""
    head, rest = chain[0], chain[1:]
    for form in {head.name, *head.aliases}:
        if text.startswith(form) and _qualified(text[len(form):], rest):
            return True
    return bool(rest) and _qualified(text, rest)


@dataclass(frozen=True, slots=True)
class Jurisdiction:
    """The divisions an office answers for (属地管理); none means the whole of China."""

    divisions: tuple[Division, ...] = ()

    @property
    def whole(self) -> bool:
        return not self.divisions

    def describe(self) -> str:
        return "、".join(d.name for d in self.divisions) if self.divisions else "全国"

    @classmethod
    def parse(cls, names: Sequence[str], gazetteer: Gazetteer | None = None) -> Jurisdiction:
        """The jurisdiction the configuration names; :class:`ValueError` naming the first name that
        is unknown or that means several divisions (with the qualified names to choose from)."""
        table = gazetteer or load_gazetteer()
        chosen: list[Division] = []
        for index, raw in enumerate(names):
            name = str(raw).strip()
            if name in WHOLE_COUNTRY:
                return cls(())
            found = table.resolve(name)
            if not found:
                raise ValueError(f"[{index}] {name!r}: no such administrative division (行政区划); write its "
                                 "full name (郑州市), short form (郑州) or adcode (410100)")
            provinces = [d for d in found if d.level == "province"]
            if len(found) > 1 and len(provinces) == 1:
                found = provinces  # 吉林: the province, not 吉林市
            if len(found) > 1:
                options = "、".join(table.full_name(d) for d in found[:6])
                raise ValueError(f"[{index}] {name!r} names {len(found)} divisions ({options}): qualify it")
            if found[0] not in chosen:
                chosen.append(found[0])
        return cls(tuple(chosen))

    def contains(self, division: Division | None) -> bool | None:
        """True when inside, False when outside, None when it cannot be told: the place is wider
        than the jurisdiction (河南 for an office of 郑州), or unknown."""
        if self.whole:
            return True
        if division is None:
            return None
        if any(j.covers(division.code) for j in self.divisions):
            return True
        if any(division.covers(j.code) for j in self.divisions):
            return None
        return False


@functools.cache
def load_gazetteer(dict_dir: Path = DICT_DIR) -> Gazetteer:
    divisions = []
    for line in _rows(dict_dir / "divisions.tsv"):
        code, level, parent, name, aliases = line
        divisions.append(Division(code, level, parent or None, name, tuple(a for a in aliases.split(",") if a)))
    foreign, stops = [], []
    for name, kind, country_code, country in _rows(dict_dir / "foreign.tsv"):
        if kind == "stop":
            stops.append(name)
        else:
            foreign.append(ForeignPlace(name, kind, country_code, country))
    landmarks = [(name, where) for name, where, _kind in _rows(dict_dir / "landmarks.tsv")]
    return Gazetteer(divisions, foreign, stops, landmarks)


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
