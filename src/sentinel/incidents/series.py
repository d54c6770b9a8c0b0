"""An incident over time: volume, negative share, sentiment and heat per bucket, and the moments
to mark on a chart of them (emergence, detection, each response, each deadline).

The web console's charts and the after-action report draw from this one query, so they agree.
Volume and sentiment count items by their publication time; heat is the last sample the incident
stage took at or before the bucket's end (samples are taken when items join).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.errors import NotFoundError
from sentinel.store.models import HeatSample, Incident, Item, ItemAnalysis, Obligation, Response

# bucket widths to choose from, the narrowest that keeps a chart within MAX_BUCKETS
WIDTHS = tuple(timedelta(minutes=m) for m in (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080))
MAX_BUCKETS = 48


@dataclass(frozen=True, slots=True)
class Point:
    start: datetime
    items: int
    negative: int
    sentiment: float | None  # mean over the bucket's items, None when it has none
    heat: float | None  # None before the first sample

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.items if self.items else None


@dataclass(frozen=True, slots=True)
class Marker:
    at: datetime
    kind: str  # emergence, detection, response, deadline
    label: str  # the obligation or response kind, or the marker's own kind
    state: str | None = None  # a deadline's state: open, met, breached, waived


@dataclass(frozen=True, slots=True)
class IncidentSeries:
    incident_id: int
    bucket: timedelta
    points: list[Point]
    markers: list[Marker]

    @property
    def start(self) -> datetime:
        return self.points[0].start

    @property
    def end(self) -> datetime:
        return self.points[-1].start + self.bucket


def choose_bucket(span: timedelta, *, max_buckets: int = MAX_BUCKETS) -> timedelta:
    for width in WIDTHS:
        if span <= width * max_buckets:
            return width
    return WIDTHS[-1]


def incident_series(engine: Engine, incident_id: int, *, bucket: timedelta | None = None,
                    until: datetime | None = None) -> IncidentSeries:
    """The incident's series from its emergence to ``until`` (default: its last event or deadline met)."""
    with Session(engine) as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"no incident {incident_id}")
        rows = session.execute(
            select(col(Item.published_at), col(ItemAnalysis.negative), col(ItemAnalysis.sentiment))
            .join(ItemAnalysis, col(ItemAnalysis.item_id) == col(Item.id))
            .where(col(ItemAnalysis.incident_id) == incident_id)
            .order_by(col(Item.published_at))
        ).all()
        samples = session.execute(
            select(col(HeatSample.at), col(HeatSample.heat))
            .where(col(HeatSample.incident_id) == incident_id).order_by(col(HeatSample.at), col(HeatSample.id))
        ).all()
        responses = session.scalars(
            select(Response).where(col(Response.incident_id) == incident_id, col(Response.state) == "recorded")
            .order_by(col(Response.at))).all()
        obligations = session.scalars(
            select(Obligation).where(col(Obligation.incident_id) == incident_id).order_by(col(Obligation.due_at))).all()

        markers = [Marker(incident.emerged_at, "emergence", "emergence"),
                   Marker(incident.detected_at, "detection", "detection")]
        markers += [Marker(r.at, "response", r.kind) for r in responses]
        markers += [Marker(o.due_at, "deadline", o.kind, o.state) for o in obligations if o.state != "waived"]
        markers.sort(key=lambda m: m.at)

        start = incident.emerged_at
        if until is None:
            moments = [incident.last_item_at, incident.detected_at]
            moments += [at for at, _ in samples] + [r.at for r in responses]
            moments += [o.met_at or o.due_at for o in obligations if o.state in ("met", "breached")]
            until = max(moments)
        width = bucket or choose_bucket(until - start)
        count = max(1, -(-(until - start) // width))  # ceiling: the last bucket holds ``until``
        if start + count * width <= until:
            count += 1

        items = [0] * count
        negative = [0] * count
        sentiment = [0.0] * count
        for published, is_negative, score in rows:
            index = (published - start) // width
            if 0 <= index < count:
                items[index] += 1
                negative[index] += bool(is_negative)
                sentiment[index] += score
        sample_times = [at for at, _ in samples]
        points = []
        for index in range(count):
            bucket_start = start + index * width
            last = bisect_right(sample_times, bucket_start + width) - 1
            points.append(Point(
                start=bucket_start, items=items[index], negative=negative[index],
                sentiment=sentiment[index] / items[index] if items[index] else None,
                heat=samples[last][1] if last >= 0 else None,
            ))
        return IncidentSeries(incident_id, width, points, markers)


def as_json(series: IncidentSeries) -> dict[str, object]:
    def iso(at: datetime) -> str:
        return at.astimezone(UTC).isoformat()

    return {
        "incident": series.incident_id,
        "bucket_seconds": int(series.bucket.total_seconds()),
        "points": [{"start": iso(p.start), "items": p.items, "negative": p.negative,
                    "negative_share": p.negative_share, "sentiment": p.sentiment, "heat": p.heat}
                   for p in series.points],
        "markers": [{"at": iso(m.at), "kind": m.kind, "label": m.label, "state": m.state} for m in series.markers],
    }
