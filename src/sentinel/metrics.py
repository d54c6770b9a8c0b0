"""Every Prometheus metric sentinel exports, defined in one place against a registry passed in.

Labels come only from closed sets: source ids and kinds from the configuration, outcomes and reasons
from :data:`sentinel.errors.FAILURE_REASONS` — never titles, URLs or error texts. Gauges are set when
something changes, so a scrape costs no database query.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Enum,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from sentinel.store.models import IncidentKind

FETCH_OUTCOMES_OK = ("ok", "not_modified")
SOURCE_HEALTH_STATES = ("unknown", "up", "failing", "blocked")  # store.models.SourceHealth
GRADE_LABELS = ("I", "II", "III", "IV", "none")  # "none": not graded (yet)
LOGIN_SURFACES = ("console", "api")


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None, *, process: bool = True) -> None:
        self.registry = registry or CollectorRegistry()
        if process and registry is None:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
        r = self.registry

        # collection
        self.fetches = Counter(
            "sentinel_fetches", "Polls of a source by outcome (ok, not_modified or a failure reason)",
            ["source", "kind", "outcome"], registry=r,
        )
        self.fetch_duration = Histogram(
            "sentinel_fetch_duration_seconds", "Time to fetch and parse one poll of a source",
            ["kind"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60), registry=r,
        )
        self.items_new = Counter("sentinel_items_new", "Items stored for the first time", ["source", "kind"], registry=r)
        self.items_duplicate = Counter(
            "sentinel_items_duplicate", "Items fetched again that were already stored", ["source", "kind"], registry=r
        )
        self.items_deferred = Counter(
            "sentinel_items_deferred", "New items left for the next poll by collect.max_items_per_poll",
            ["source", "kind"], registry=r,
        )
        self.parse_problems = Counter(
            "sentinel_parse_problems", "Survivable problems in a poll (a bozo feed, a skipped entry, ...)",
            ["source", "kind", "reason"], registry=r,
        )
        self.source_up = Gauge("sentinel_source_up", "1 when the source's last poll succeeded", ["source", "kind"], registry=r)
        self.source_blocked = Gauge(
            "sentinel_source_blocked", "1 while the service blocks the source (Weibo 432, ok:-100)", ["source", "kind"],
            registry=r,
        )
        self.source_blind = Gauge(
            "sentinel_source_blind", "1 when the source has yielded no new item for longer than collect.blind_after",
            ["source", "kind"], registry=r,
        )
        self.source_last_success = Gauge(
            "sentinel_source_last_success_timestamp_seconds", "Unix time of the source's last successful poll",
            ["source", "kind"], registry=r,
        )
        self.source_failures = Gauge(
            "sentinel_source_consecutive_failures", "Failed polls in a row", ["source", "kind"], registry=r
        )
        self.source_health = Enum(
            "sentinel_source_health", "The source's health state (1 for the state it is in)", ["source", "kind"],
            states=list(SOURCE_HEALTH_STATES), registry=r,
        )
        self.push_items = Counter(
            "sentinel_push_items", "Items received on POST /api/items by outcome", ["outcome"], registry=r
        )

        # hot lists (热搜榜): platform is the source's configured platform, a closed set
        self.hotlist_polls = Counter(
            "sentinel_hotlist_polls", "Polls of hot lists by platform and outcome (ok or a failure reason)",
            ["platform", "outcome"], registry=r,
        )
        self.hotlist_entries = Gauge(
            "sentinel_hotlist_entries", "Entries on a hot list at its last successful poll", ["source", "platform"],
            registry=r,
        )
        self.hotlist_matched = Counter(
            "sentinel_hotlist_matched_entries",
            "Hot-list entries that matched a watch rule, by the list and whether they were taken as a public-opinion "
            "topic (incident) or set aside (entertainment, chatter)", ["platform", "outcome"], registry=r,
        )

        # analysis and incidents
        self.items_analysed = Counter("sentinel_items_analysed", "Items analysed", registry=r)
        self.items_relevant = Counter(
            "sentinel_items_relevant", "Analysed items that matched a watch rule", registry=r
        )
        self.incidents_opened = Counter(
            "sentinel_incidents_opened", "Cases opened, by kind and the grade they had at the end of their batch",
            ["kind", "grade"], registry=r,
        )
        self.incidents_open = Gauge(
            "sentinel_incidents_open", "Open cases by kind and grade (refreshed periodically)", ["kind", "grade"],
            registry=r,
        )
        self.analysis_queue = Gauge(
            "sentinel_analysis_queue_batches", "Batches of new items waiting for analysis", registry=r
        )
        self.analysis_batch_duration = Histogram(
            "sentinel_analysis_batch_duration_seconds", "Time to analyse a batch of new items and update incidents",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r,
        )
        self.analysis_failures = Counter(
            "sentinel_analysis_failures", "Analysis batches that failed (their items are retried)", registry=r
        )
        # the escalation engine
        self.job_failures = Counter(
            "sentinel_job_failures", "Failed runs of the daemon's periodic jobs (logged once a minute while they last)",
            ["job"], registry=r,
        )
        self.engine_tick_duration = Histogram(
            "sentinel_engine_tick_duration_seconds", "Time one engine tick took",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5), registry=r,
        )
        self.engine_last_tick = Gauge(
            "sentinel_engine_last_tick_timestamp_seconds", "When the engine last completed a tick", registry=r
        )
        self.engine_actions = Counter(
            "sentinel_engine_actions", "Reminders, breaches and escalations the engine handled", ["action"], registry=r
        )
        self.obligations = Gauge(
            "sentinel_obligations", "Obligations by kind and state", ["kind", "state"], registry=r
        )
        self.obligation_breaches = Counter(
            "sentinel_obligation_breaches", "Obligations breached (deadline passed without evidence)", ["kind"],
            registry=r,
        )
        self.obligation_time_to_met = Histogram(
            "sentinel_obligation_time_to_met_seconds", "From an obligation's clock start to the response that met it",
            ["kind"], buckets=(600, 1800, 3600, 7200, 3 * 3600, 5 * 3600, 12 * 3600, 24 * 3600, 48 * 3600,
                               5 * 86400, 30 * 86400), registry=r,
        )
        self.obligation_next_due = Gauge(
            "sentinel_obligation_next_due_timestamp_seconds", "The earliest due time among open obligations, by kind",
            ["kind"], registry=r,
        )
        # the working-day calendar (disclosure replies, policy interpretations)
        self.calendar_next_year_missing = Gauge(
            "sentinel_calendar_next_year_missing",
            "1 when it is on or after 1 November and next year's holiday notice is neither in chinese_calendar "
            "nor in policy.calendar", registry=r,
        )
        self.obligations_provisional = Gauge(
            "sentinel_obligations_provisional",
            "Open working-day deadlines counted on the statutory holidays alone (a year's notice unknown)", registry=r,
        )
        # notification delivery (the outbox)
        self.notifications = Counter(
            "sentinel_notifications", "Outbox messages by channel, kind and outcome (delivered, retry, failed)",
            ["channel", "kind", "outcome"], registry=r,
        )
        self.notification_latency = Histogram(
            "sentinel_notification_latency_seconds", "From a message entering the outbox to its delivery",
            ["channel"], buckets=(1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 6 * 3600), registry=r,
        )
        self.outbox_pending = Gauge("sentinel_outbox_pending", "Outbox messages not yet delivered or failed", registry=r)
        self.outbox_oldest_pending = Gauge(
            "sentinel_outbox_oldest_pending_seconds", "How long the longest-waiting due outbox message has waited",
            registry=r,
        )
        self.notifications_rate_limited = Counter(
            "sentinel_notifications_rate_limited",
            "Messages held back or folded into a digest by a channel's rate limit, or throttled by the service",
            ["channel"], registry=r,
        )

        # the HTTP API (route templates, never concrete paths: a closed set)
        self.api_requests = Counter(
            "sentinel_api_requests", "HTTP requests by method, route template and status code",
            ["method", "route", "status"], registry=r,
        )
        self.login_failures = Counter(
            "sentinel_login_failures", "Failed logins: a wrong token at the console's form or as an API bearer token",
            ["surface"], registry=r,  # surface: console or api
        )
        for surface in LOGIN_SURFACES:
            self.login_failures.labels(surface=surface)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def set_open_incidents(metrics: Metrics, counts: dict[tuple[str, str | None], int]) -> None:
    """Set the open-cases gauge from grouped counts; every kind and grade absent from them is 0, so a
    grade that empties drops to 0 rather than keeping its last value."""
    for kind in IncidentKind:
        for grade in GRADE_LABELS:
            metrics.incidents_open.labels(kind=kind.value, grade=grade).set(
                counts.get((kind.value, None if grade == "none" else grade), 0))
