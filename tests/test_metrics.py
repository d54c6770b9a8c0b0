"""The metrics: named ``sentinel_*``, labelled only from closed sets, and the gauges that need a
query refreshed by the daemon's periodic job from the real store."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session

from sentinel.app import Daemon
from sentinel.disclosure import flows
from sentinel.escalation import actions
from sentinel.escalation.clocks import Rules
from sentinel.metrics import Metrics
from sentinel.store.models import Incident
from tests.support.api import EMERGED, bearer, running_api, seed
from tests.test_daemon import settings_for

# every label sentinel uses, each drawn from a closed set (ids and kinds from the configuration,
# enums from the code); never a title, URL or error text
CLOSED_LABELS = {"source", "kind", "outcome", "reason", "grade", "state", "action", "channel", "method", "route",
                 "status", "sentinel_source_health", "surface", "job",  # job: sentinel.job_failures.Job
                 "platform"}  # a hot list's platform: settings.HotlistPlatform, or a known list's name / "other"


def test_every_metric_is_sentinels_and_labelled_from_closed_sets() -> None:
    families = list(Metrics(process=False).registry.collect())
    assert len(families) >= 30
    for family in families:
        assert family.name.startswith("sentinel_"), family.name
    registry = Metrics(process=False).registry
    for collector in list(registry._collector_to_names):  # the metric objects and their label names
        labels = set(getattr(collector, "_labelnames", ()))
        assert labels <= CLOSED_LABELS, (collector, labels - CLOSED_LABELS)


def gauge(metrics: Metrics, kind: str, grade: str) -> float | None:
    return metrics.registry.get_sample_value("sentinel_incidents_open", {"kind": kind, "grade": grade})


def test_open_incidents_by_kind_and_grade_are_refreshed_from_the_store(database_url) -> None:
    settings = settings_for(database_url, [])
    metrics = Metrics(process=False)
    daemon = Daemon(settings, metrics=metrics, serve_http=False)
    database = daemon.open()
    rules = Rules.from_settings(settings)
    try:
        ids = []
        with Session(database.engine) as session:
            for title in ("燃气爆炸", "桥梁坍塌", "小区火灾"):
                incident = Incident(title=title, grade_reasons=[], facts={}, keywords=[], rules=[], regions=[],
                                    emerged_at=EMERGED, detected_at=EMERGED, last_item_at=EMERGED, updated_at=EMERGED,
                                    heat_components={})
                session.add(incident)
                session.flush()
                ids.append(incident.id)
            session.commit()
        at = EMERGED + timedelta(minutes=5)
        actions.set_grade(database.engine, rules, ids[0], grade="II", reason="12人死亡", by="张伟", now=at)
        actions.set_grade(database.engine, rules, ids[1], grade="II", reason="3人死亡", by="张伟", now=at)
        flows.add_request(database.engine, rules, flows.NewRequest(
            content="申请公开", applicant_type="natural_person", channel="in_person", submitted_on=EMERGED.date()),
            by="张伟", now=at)
        asyncio.run(daemon.refresh_gauges())
        assert (gauge(metrics, "incident", "II"), gauge(metrics, "incident", "none")) == (2, 1)
        assert gauge(metrics, "incident", "I") == 0 and gauge(metrics, "disclosure_request", "none") == 1
        actions.dismiss(database.engine, rules, ids[0], reason="误报", by="张伟", now=at)
        actions.dismiss(database.engine, rules, ids[2], reason="误报", by="张伟", now=at)
        asyncio.run(daemon.refresh_gauges())
        assert (gauge(metrics, "incident", "II"), gauge(metrics, "incident", "none")) == (1, 0)
    finally:
        database.close()


def test_api_requests_are_counted_by_route_template_not_by_path(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        for incident in (api.incident, api.request, 999):
            api.client.get(f"/api/incidents/{incident}", headers=bearer("readonly"))
        api.client.get("/api/nothing/here", headers=bearer("readonly"))
        api.client.get(f"/api/incidents/{api.incident}")
        exposition = api.client.get("/metrics").text
    count = api.metrics.registry.get_sample_value
    route = "/api/incidents/{incident_id}"
    assert count("sentinel_api_requests_total", {"method": "GET", "route": route, "status": "200"}) == 2
    assert count("sentinel_api_requests_total", {"method": "GET", "route": route, "status": "404"}) == 1
    assert count("sentinel_api_requests_total", {"method": "GET", "route": route, "status": "401"}) == 1
    assert count("sentinel_api_requests_total", {"method": "GET", "route": "unmatched", "status": "404"}) == 1
    assert f'/api/incidents/{api.incident}"' not in exposition and "sentinel_api_requests_total" in exposition
