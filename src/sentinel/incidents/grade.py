"""An incident's grade: the floor its facts reach, raised by opinion intensity, never lowered by
the machine below a grade a person set.

突发事件应对法 grades I 特别重大 … IV 一般. Event facts set a floor (tables in
:mod:`sentinel.analyse.grading`); heat, volume or central-media pickup can raise it
(``incidents.intensity`` in the configuration). The machine only raises a grade; a person may set
any grade, which then stands until facts or intensity demand more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sentinel.analyse.grading import Grade, GradeDecision
from sentinel.settings import IntensityStep


@dataclass(frozen=True, slots=True)
class ListRaise:
    """Entering the top of a national hot list: the intensity grade one step higher, at most ``cap``
    (policy ``hotlist``). The reasons say which list and rank, in Chinese and English."""

    reason_zh: str
    reason_en: str
    cap: Grade


@dataclass(frozen=True, slots=True)
class GradeChange:
    grade: Grade | None
    source: str | None  # facts, intensity, manual
    reasons: tuple[str, ...]


def severity(grade: Grade | str | None) -> int:
    return Grade(grade).severity if grade else 0


def step_up(grade: Grade | None, cap: Grade) -> Grade:
    """One grade more severe (ungraded → IV → III → II → I), never past ``cap``, never lower."""
    order = [Grade.IV, Grade.III, Grade.II, Grade.I]
    raised = order[0] if grade is None else order[min(order.index(grade) + 1, len(order) - 1)]
    if severity(raised) > severity(cap):
        raised = cap
    return raised if severity(raised) > severity(grade) else grade  # type: ignore[return-value]


def intensity_grade(
    steps: Sequence[IntensityStep], *, heat: float, items: int, central_media: bool, listed: ListRaise | None = None
) -> tuple[Grade | None, list[str]]:
    """The most severe grade whose intensity step the incident reaches, with the reasons; a step
    higher when ``listed`` (the incident reached the top of a national hot list)."""
    best: Grade | None = None
    reasons: list[str] = []
    for step in steps:
        why = []  # (中文, English) of each threshold reached
        if step.heat is not None and heat >= step.heat:
            why.append((f"热度 {heat:.1f} ≥ {step.heat:g}", f"heat {heat:.1f} ≥ {step.heat:g}"))
        if step.items is not None and items >= step.items:
            why.append((f"信息量 {items} ≥ {step.items}", f"items {items} ≥ {step.items}"))
        if step.central_media and central_media:
            why.append(("中央媒体已报道", "carried by central media"))
        if why and severity(step.grade) > severity(best):
            best = Grade(step.grade)
            reasons = [f"{zh} → {step.grade} / {en} → {step.grade}" for zh, en in why]
    if listed is not None:
        raised = step_up(best, listed.cap)
        if severity(raised) > severity(best):
            best = raised
            reasons = [*reasons, f"{listed.reason_zh}，舆情烈度升一级 → {raised.value} / {listed.reason_en}: "
                                 f"intensity up a step → {raised.value}"]
    return best, reasons


def decide(
    floor: GradeDecision,
    steps: Sequence[IntensityStep],
    *,
    heat: float,
    items: int,
    central_media: bool,
    current: str | None,
    listed: ListRaise | None = None,
) -> GradeChange | None:
    """The new grade, or None when it stays as it is."""
    raised, raise_reasons = intensity_grade(steps, heat=heat, items=items, central_media=central_media,
                                            listed=listed)
    if severity(raised) > severity(floor.grade):
        automatic = GradeChange(raised, "intensity", tuple(raise_reasons))
    elif floor.grade is not None:
        automatic = GradeChange(floor.grade, "facts", tuple(floor.reasons))
    else:
        automatic = GradeChange(None, None, ())
    # The machine only ever raises a grade: heat falls as a story cools, and a grade that flapped
    # down would waive the response clocks it started. Lowering is a person's decision.
    if severity(automatic.grade) <= severity(current):
        return None
    return automatic
