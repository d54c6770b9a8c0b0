r"""The indicator system (舆情处置效果评估指标) of the after-action report, computable by hand.

Four indicators, each 0–100, from figures the report prints:

1. **Timeliness (及时性)**, over the incident's deadlines other than sustained release, waived and
   still-open ones left out. Each deadline scores 100 when met on time; when met late,
   :math:`100 \times \max(0, 1 - \text{late} / \text{allowed})`, where *allowed* is the time the rule
   gives (``due_at − started_at``: 5 h, 24 h ...), so a release one full allowance late scores 0;
   a breach with no response on record scores 0. The indicator is the mean.
2. **Sustained release (持续发布)**: the share of the closed ``sustained_release`` deadlines met on
   time, × 100 (国办发〔2016〕80号: keep publishing as the situation develops).
3. **Sentiment change (情绪变化)**: with the negative share :math:`p_b` of the items published in
   the window before the first authoritative release and :math:`p_a` in the window after it,
   :math:`50 + 50\,(p_b - p_a)`: unchanged is 50, from all negative to none is 100. News reports
   and posts (the two registers) are compared each with itself, never mixed: with both, the change
   is :math:`\sum_r w_r (p_{b,r} - p_{a,r})` over the registers found in both windows, each weighed
   by its items in the two (:math:`w_r = (n_{b,r} + n_{a,r}) / \sum (n_b + n_a)`), so a release
   followed by a wave of neutral news does not pass for calmer posts.
4. **Spread containment (传播控制)**: with the item counts :math:`n_b` and :math:`n_a` of the same
   windows, :math:`50 + 50\,(n_b - n_a) / \max(n_b, n_a)`: unchanged is 50, silence after is 100,
   a story that only took off after the release is 0.

The windows (``reports.effect_window``, default 6 h) end and start at the release; when the
release came sooner than that after emergence, both are shortened to the time between the two so
they stay comparable. An indicator without data (no deadline closed; no release; no item in a
window) is shown as "not applicable" and left out; the score is then the weighted mean of the
others: :math:`\sum_i w_i c_i / \sum_i w_i` over the indicators that apply, with the weights of
``reports.weights`` (default 0.4, 0.2, 0.2, 0.2). No indicator applies: no score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sentinel.analyse.sentiment import Register

__all__ = ["Component", "Score", "ObligationLike", "WindowCounts", "deadline_points", "score",
           "sentiment_change", "spread_containment", "sustained_release", "timeliness"]

NAMES_ZH = {"timeliness": "及时性", "sustained_release": "持续发布", "sentiment_change": "情绪变化",
            "spread_containment": "传播控制"}
SUSTAINED = "sustained_release"


class ObligationLike(Protocol):
    kind: str
    state: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None


@dataclass(frozen=True, slots=True)
class WindowCounts:
    """Items published in one window, and how many of them were negative; ``registers`` has the
    same two counts per register (``{"news": (items, negative), "post": ...}``) when known."""

    items: int
    negative: int
    registers: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.items if self.items else None


@dataclass(frozen=True, slots=True)
class Component:
    key: str
    value: float | None  # 0..100, None: not applicable
    basis: str  # the figures it is computed from, in words

    @property
    def name_zh(self) -> str:
        return NAMES_ZH[self.key]


@dataclass(frozen=True, slots=True)
class Score:
    total: float | None
    components: list[Component]
    weights: Mapping[str, float]

    def as_json(self) -> dict[str, object]:
        used = sum(self.weights[c.key] for c in self.components if c.value is not None)
        return {
            "total": _round(self.total),
            "weights": dict(self.weights),
            "components": [{
                "key": c.key, "name": c.name_zh, "value": _round(c.value), "weight": self.weights[c.key],
                "contribution": _round(self.weights[c.key] * c.value / used) if c.value is not None and used else None,
                "basis": c.basis,
            } for c in self.components],
        }


def deadline_points(row: ObligationLike) -> float | None:
    """One deadline's timeliness points: 100 on time, less the later it was, 0 when missed; None while open."""
    if row.state in ("open", "waived"):
        return None
    if row.met_at is None:
        return 0.0
    late = (row.met_at - row.due_at).total_seconds()
    if late <= 0:
        return 100.0
    allowed = (row.due_at - row.started_at).total_seconds()
    return 100.0 * max(0.0, 1.0 - late / allowed) if allowed > 0 else 0.0


def timeliness(rows: Iterable[ObligationLike]) -> Component:
    points = [p for row in rows if row.kind != SUSTAINED and (p := deadline_points(row)) is not None]
    if not points:
        return Component("timeliness", None, "无已到期或已完成的时限")
    return Component("timeliness", sum(points) / len(points),
                     f"{len(points)}项时限得分 {'、'.join(_num(p) for p in points)} 的平均")


def sustained_release(rows: Iterable[ObligationLike]) -> Component:
    closed = [row for row in rows if row.kind == SUSTAINED and row.state in ("met", "breached")]
    if not closed:
        return Component("sustained_release", None, "无到期的持续发布时限")
    on_time = sum(1 for row in closed if row.met_at is not None and row.met_at <= row.due_at)
    return Component("sustained_release", 100.0 * on_time / len(closed), f"{len(closed)}项中按时{on_time}项")


def sentiment_change(before: WindowCounts | None, after: WindowCounts | None) -> Component:
    if before is None or after is None:
        return Component("sentiment_change", None, "无权威信息发布")
    p_b, p_a = before.negative_share, after.negative_share
    if p_b is None or p_a is None:
        return Component("sentiment_change", None,
                         f"发布前{before.items}条、发布后{after.items}条：一侧无信息，无法比较")
    if len(set(before.registers) | set(after.registers)) < 2:
        return Component("sentiment_change", _clamp(50 + 50 * (p_b - p_a)),
                         f"负面占比 发布前{_pct(p_b)} → 发布后{_pct(p_a)}")
    both = [register.value for register in Register
            if before.registers.get(register, (0, 0))[0] and after.registers.get(register, (0, 0))[0]]
    if not both:
        return Component("sentiment_change", None, "发布前后的信息分属新闻和帖文，不能相互比较")
    total = sum(before.registers[name][0] + after.registers[name][0] for name in both)
    change, parts = 0.0, []
    for name in both:
        (n_b, k_b), (n_a, k_a) = before.registers[name], after.registers[name]
        change += (n_b + n_a) / total * (k_b / n_b - k_a / n_a)
        parts.append(f"{Register(name).name_zh} 发布前{_pct(k_b / n_b)} → 发布后{_pct(k_a / n_a)}")
    return Component("sentiment_change", _clamp(50 + 50 * change), "负面占比 " + "；".join(parts))


def spread_containment(before: WindowCounts | None, after: WindowCounts | None) -> Component:
    if before is None or after is None:
        return Component("spread_containment", None, "无权威信息发布")
    n_b, n_a = before.items, after.items
    if not n_b and not n_a:
        return Component("spread_containment", None, "发布前后窗口内均无信息")
    return Component("spread_containment", _clamp(50 + 50 * (n_b - n_a) / max(n_b, n_a)),
                     f"信息量 发布前{n_b}条 → 发布后{n_a}条")


def score(rows: Iterable[ObligationLike], before: WindowCounts | None, after: WindowCounts | None,
          weights: Mapping[str, float]) -> Score:
    rows = list(rows)
    components = [timeliness(rows), sustained_release(rows), sentiment_change(before, after),
                  spread_containment(before, after)]
    used = [(weights[c.key], c.value) for c in components if c.value is not None and weights[c.key] > 0]
    total = sum(w * v for w, v in used) / sum(w for w, _ in used) if used else None
    return Score(total, components, dict(weights))


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%".replace(".0%", "%")
