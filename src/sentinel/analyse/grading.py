"""Grade floor of an incident from its facts: I 特别重大, II 重大, III 较大, IV 一般.

突发事件应对法 art. 3 grades 突发事件 in four levels; each kind has its own quantitative thresholds in a
regulation or national plan. ``grade_floor(facts, category, subtype)`` applies the table for the
incident's category and returns the most severe grade any threshold reaches, with one human-readable
reason per threshold reached ("死亡13人 ≥ 10 → II 重大 …"). It is a floor: opinion intensity or a duty
officer may raise the grade later; the facts alone never lower it.

Tables are plain data (:data:`DEFAULT_TABLES`), so configuration can replace or add them. A table::

    {"name": "生产安全事故", "basis": "…条例 第三条", "categories": ["accident"], "subtypes": None,
     "thresholds": {"deaths": {"I": 30, "II": 10, "III": 3, "IV": 1}, …},      # field ≥ value
     "combined": [{"grade": "II", "when": {"poisoned": 101, "deaths": 1}}]}     # every field ≥ value

A field is a :class:`~sentinel.analyse.facts.Facts` field, or several joined by ``+`` and added up
("deaths+missing": the earthquake plan counts the missing with the dead). Thresholds are inclusive:
the regulations' "以上" includes the number (生产安全事故报告和调查处理条例 art. 3 para. 2).
The table for a category is the one naming its sub-type, else the one naming no sub-types.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sentinel.errors import ConfigError

if TYPE_CHECKING:
    from sentinel.analyse.facts import Facts

__all__ = ["DEFAULT_TABLES", "Grade", "GradeDecision", "facts_text", "grade_floor", "load_tables"]


class Grade(StrEnum):
    """The four grades of 突发事件应对法, most severe first."""

    I = "I"       # noqa: E741 - the grade is called I
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def name_zh(self) -> str:
        return {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}[self.value]

    @property
    def colour(self) -> str:
        return {"I": "red", "II": "orange", "III": "yellow", "IV": "blue"}[self.value]

    @property
    def colour_zh(self) -> str:
        return {"I": "红色", "II": "橙色", "III": "黄色", "IV": "蓝色"}[self.value]

    @property
    def severity(self) -> int:
        """4 for I down to 1 for IV, so that ``max(grades, key=...)`` picks the most severe."""
        return {"I": 4, "II": 3, "III": 2, "IV": 1}[self.value]

    @property
    def english(self) -> str:
        return {"I": "extraordinarily serious", "II": "major", "III": "serious", "IV": "ordinary"}[self.value]


@dataclass(frozen=True, slots=True)
class GradeDecision:
    """The floor and why: one reason per threshold that reached the chosen grade."""

    grade: Grade | None
    reasons: list[str] = field(default_factory=list)
    table: str | None = None


_ACCIDENT_LIKE = {
    "deaths": {"I": 30, "II": 10, "III": 3, "IV": 1},
    "seriously_injured": {"I": 100, "II": 50, "III": 10, "IV": 1},
}

#: Default tables. Sources are cited per table; where a plan leaves a grade to judgment the choice is
#: documented in ``note``.
DEFAULT_TABLES: dict[str, dict[str, Any]] = {
    "accident": {
        "name": "生产安全事故",
        "basis": "生产安全事故报告和调查处理条例 第三条",
        "categories": ["accident"],
        "thresholds": {
            **_ACCIDENT_LIKE,
            "loss_yuan": {"I": 100_000_000, "II": 50_000_000, "III": 10_000_000, "IV": 1},
            # 一般事故 is any accident below III; an injury or a loss makes it one.
            "injured": {"IV": 1},
        },
    },
    "earthquake": {
        "name": "地震灾害",
        "basis": "国家地震应急预案 (2012) 1.3 分级",
        "categories": ["natural_disaster"],
        "subtypes": ["earthquake"],
        "note": "死亡（含失踪）; magnitude uses the plan's initial grading for 人口较密集地区 "
                "(I ≥ M7.0, II M6.0–6.9, III M5.0–5.9, IV M4.0–4.9); quakes at sea or in empty land are "
                "over-graded by it, which is the safe side for a floor.",
        "thresholds": {
            "deaths+missing": {"I": 300, "II": 50, "III": 10, "IV": 1},
            "magnitude": {"I": 7.0, "II": 6.0, "III": 5.0, "IV": 4.0},
        },
    },
    "geological": {
        "name": "地质灾害",
        "basis": "国家突发地质灾害应急预案 (2005) 1.4 分级",
        "categories": ["natural_disaster"],
        "subtypes": ["geological"],
        "thresholds": {
            "deaths": {"I": 30, "II": 10, "III": 3, "IV": 1},
            "loss_yuan": {"I": 10_000_000, "II": 5_000_000, "III": 1_000_000, "IV": 1},
        },
    },
    "forest_fire": {
        "name": "森林草原火灾",
        "basis": "国家森林草原火灾应急预案 (2020) 1.4 分级",
        "categories": ["natural_disaster"],
        "subtypes": ["forest_fire"],
        "note": "the burnt-area thresholds (公顷) are not extracted; casualty thresholds as in the plan.",
        "thresholds": dict(_ACCIDENT_LIKE),
    },
    "natural_disaster": {
        "name": "自然灾害",
        "basis": "国家自然灾害救助应急预案 (2016) 5 应急响应",
        "categories": ["natural_disaster"],
        "note": "response levels by 死亡和失踪 (I ≥200, II ≥100, III ≥50, IV ≥20); any death also gives IV "
                "so that a fatal disaster is never ungraded.",
        "thresholds": {"deaths+missing": {"I": 200, "II": 100, "III": 50, "IV": 20}, "deaths": {"IV": 1}},
    },
    "public_health": {
        "name": "突发公共卫生事件（食物中毒）",
        "basis": "国家突发公共卫生事件应急预案 (2006) 1.3 分级",
        "categories": ["public_health"],
        "note": "II: 一次食物中毒超过100人并出现死亡病例, or 10例以上死亡; III: 超过100人, or 出现死亡病例; "
                "IV: 30–99人 without deaths (100 exactly falls between the plan's bands and is graded IV). "
                "The plan leaves I to the 国务院卫生行政部门; I ≥ 30 deaths follows provincial "
                "食品安全事故应急预案. Epidemics are graded by disease and case pattern, which counts alone "
                "cannot capture: only their deaths are graded here.",
        "thresholds": {
            "deaths": {"I": 30, "II": 10, "III": 1},
            "poisoned": {"III": 101, "IV": 30},
        },
        "combined": [{"grade": "II", "when": {"poisoned": 101, "deaths": 1}}],
    },
    "social_safety": {
        "name": "社会安全事件",
        "basis": "突发事件应对法 第三条；沿用生产安全事故伤亡标准",
        "note": "no national casualty table exists for 社会安全事件 (mass incidents are graded by the number "
                "of participants and their conduct); the defaults follow the accident thresholds.",
        "categories": ["social_safety"],
        "thresholds": {**_ACCIDENT_LIKE, "injured": {"IV": 1}},
    },
}

_LABELS = {  # field → (Chinese label, unit, English)
    "deaths": ("死亡", "人", "deaths"),
    "injured": ("受伤", "人", "injured"),
    "seriously_injured": ("重伤", "人", "seriously injured"),
    "missing": ("失踪", "人", "missing"),
    "poisoned": ("中毒", "人", "poisoned"),
    "loss_yuan": ("直接经济损失", "元", "direct loss (yuan)"),
    "magnitude": ("震级", "", "magnitude"),
}
_FIELDS = set(_LABELS)


def facts_text(facts: Mapping[str, Any], lang: str = "zh") -> str:
    """An incident's facts for a reader: "死亡 11人；受伤 20人" (``en``: "deaths 11; injured 20"), in
    the order of the fields; a field sentinel has no label for is written ``key=value``."""
    parts = []
    for key in [*_LABELS, *sorted(set(facts) - set(_LABELS))]:
        value = facts.get(key)
        if value is None or isinstance(value, (dict, list)):
            continue
        if key not in _LABELS:
            parts.append(f"{key}={value}")
        elif lang == "en":
            parts.append(f"{_LABELS[key][2]} {_num(value)}")
        else:
            parts.append(f"{_LABELS[key][0]} {_amount(key, value)}")
    return ("; " if lang == "en" else "；").join(parts)
_GRADES = [g.value for g in Grade]


def load_tables(data: Mapping[str, Any] | None = None, *, source: str = "grading") -> dict[str, dict[str, Any]]:
    """Defaults with ``data`` merged in by table name (a ``None`` table removes one), validated.

    Raises :class:`~sentinel.errors.ConfigError` naming the key of the first problem.
    """
    tables = copy.deepcopy(DEFAULT_TABLES)  # callers may edit the result without touching the defaults
    for name, table in (data or {}).items():
        if table is None:
            tables.pop(name, None)
        else:
            tables[name] = table
    for name, table in tables.items():
        _validate(name, table, source)
    return tables


def _validate(name: str, table: Any, source: str) -> None:
    def fail(key: str, problem: str) -> None:
        raise ConfigError(problem, path=source, key=f"{name}.{key}" if key else name)

    if not isinstance(table, Mapping):
        fail("", "a grading table must be a mapping")
    if not isinstance(table.get("categories"), list) or not table["categories"]:
        fail("categories", "must be a non-empty list of category codes")
    unknown = set(table) - {"name", "basis", "note", "categories", "subtypes", "thresholds", "combined"}
    if unknown:
        fail(sorted(unknown)[0], "unknown key")
    for expr, levels in (table.get("thresholds") or {}).items():
        if any(part not in _FIELDS for part in expr.split("+")):
            fail(f"thresholds.{expr}", f"unknown fact field; known: {', '.join(sorted(_FIELDS))}")
        if not isinstance(levels, Mapping) or any(g not in _GRADES for g in levels):
            fail(f"thresholds.{expr}", "must map grades I/II/III/IV to numbers")
        if any(not isinstance(v, int | float) for v in levels.values()):
            fail(f"thresholds.{expr}", "thresholds must be numbers")
    for i, rule in enumerate(table.get("combined") or []):
        if not isinstance(rule, Mapping) or rule.get("grade") not in _GRADES or not isinstance(rule.get("when"), Mapping):
            fail(f"combined[{i}]", "needs grade (I/II/III/IV) and when: {field: minimum}")
        if any(part not in _FIELDS for expr in rule["when"] for part in expr.split("+")):
            fail(f"combined[{i}].when", "unknown fact field")


def _value(facts: Facts | Mapping[str, Any], expr: str) -> float | None:
    """The value of a field or a ``+`` sum of fields; None when none of them is known."""
    parts = [facts.get(p) if isinstance(facts, Mapping) else getattr(facts, p) for p in expr.split("+")]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def _hedge(facts: Facts | Mapping[str, Any], expr: str) -> str:
    """至少 for a lower bound (十余, 逾百), 约 for an estimate (约30, 近百), else nothing."""
    if isinstance(facts, Mapping):
        return ""
    details = [d for p in expr.split("+") if (d := facts.detail(p)) is not None and d.approximate]
    if not details:
        return ""
    return "约" if all(d.high == d.value for d in details) else "至少"


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _amount(expr: str, value: float) -> str:
    if "loss_yuan" in expr:
        if value >= 100_000_000:
            return f"{value / 100_000_000:g}亿元"
        if value >= 10_000:
            return f"{value / 10_000:g}万元"
        return f"{value:g}元"
    if expr == "magnitude":
        return f"M{value:.1f}"
    return f"{value:g}{_LABELS[expr.split('+')[0]][1]}"


def _label(expr: str) -> tuple[str, str]:
    parts = expr.split("+")
    zh = _LABELS[parts[0]][0] + "".join(f"（含{_LABELS[p][0]}）" for p in parts[1:])
    return zh, " + ".join(_LABELS[p][2] for p in parts)


def _reason(facts: Facts | Mapping[str, Any], expr: str, value: float, minimum: float, grade: Grade,
            table: Mapping[str, Any]) -> str:
    zh, en = _label(expr)
    return (f"{zh}{_hedge(facts, expr)}{_amount(expr, value)} ≥ {_amount(expr, minimum)} → {grade.value} "
            f"{grade.name_zh}（{table.get('basis') or table.get('name')}） / {en} {_num(value)} ≥ {_num(minimum)} "
            f"→ {grade.value} ({grade.english})")


def _select(tables: Mapping[str, Mapping[str, Any]], category: str, subtype: str | None) -> str | None:
    generic = None
    for name, table in tables.items():
        if category not in table["categories"]:
            continue
        subtypes = table.get("subtypes")
        if subtypes and subtype in subtypes:
            return name
        if not subtypes and generic is None:
            generic = name
    return generic


def grade_floor(facts: Facts | Mapping[str, Any], category: str | None, subtype: str | None = None,
                tables: Mapping[str, Any] | None = None) -> GradeDecision:
    """The most severe grade the facts reach in the table for ``category``/``subtype``.

    ``facts`` is a :class:`Facts` or a mapping with the same field names (the ``facts`` object of
    ``sentinel analyze``). ``tables`` is merged over :data:`DEFAULT_TABLES` and validated (see
    :func:`load_tables`).
    """
    tabs = DEFAULT_TABLES if tables is None else load_tables(tables)
    if category is None:
        return GradeDecision(None, ["无类别，不定级 / no category, no grade floor"])
    name = _select(tabs, category, subtype)
    if name is None:
        return GradeDecision(None, [f"类别 {category} 无定级标准 / no grading table for {category}"])
    table = tabs[name]
    hits: list[tuple[Grade, str]] = []
    for expr, levels in (table.get("thresholds") or {}).items():
        value = _value(facts, expr)
        if value is None:
            continue
        for grade in Grade:  # most severe first: report the grade this field reaches
            minimum = levels.get(grade.value)
            if minimum is not None and value >= minimum:
                hits.append((grade, _reason(facts, expr, value, minimum, grade, table)))
                break
    for rule in table.get("combined") or []:
        grade = Grade(rule["grade"])
        values = {expr: _value(facts, expr) for expr in rule["when"]}
        if all(v is not None and v >= rule["when"][e] for e, v in values.items()):
            parts = " 且 ".join(f"{_label(e)[0]}{_amount(e, v)} ≥ {_amount(e, rule['when'][e])}"  # type: ignore[arg-type]
                               for e, v in values.items())
            hits.append((grade, f"{parts} → {grade.value} {grade.name_zh}（{table.get('basis')}） / all of "
                                f"{', '.join(rule['when'])} reached → {grade.value} ({grade.english})"))
    if not hits:
        return GradeDecision(None, [f"未达到{table.get('name', name)}定级标准 / below every threshold of {name}"],
                             name)
    best = max((g for g, _ in hits), key=lambda g: g.severity)
    return GradeDecision(best, [r for g, r in hits if g is best], name)

