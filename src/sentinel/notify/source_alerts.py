"""Alerts about the collectors themselves: a source gone blind (no new item for ``blind_after``) or
blocked (the service refuses us: Weibo 432, ``ok:-100``). A blind collector is an incident for the
operators (docs/operations.md#dashboards-and-alerting-rules): nothing it should have seen will
open an incident.

Each episode is alerted once. Its key names the moment it began — the last new item for a blind
source, the last success for a blocked one — so the periodic check may run as often as it likes,
in several processes, and across restarts, and the outbox's unique key keeps it to one message per
channel; a source that recovers and fails again is a new episode and a new alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.collect.runner import is_blind
from sentinel.escalation.policy import EscalationRole
from sentinel.escalation.roster import Roster, routes
from sentinel.notify.compose import compose
from sentinel.notify.serialisation import message_to_json
from sentinel.settings import Settings
from sentinel.store.models import OutboxMessage, SourceState
from sentinel.store.outbox import queue_new

__all__ = ["queue_source_alerts"]


def queue_source_alerts(engine: Engine, settings: Settings, channel_ids: Sequence[str], now: datetime, *,
                        link_base: str | None = None) -> list[str]:
    """Queue an alert for each source that went blind or blocked and has not been alerted; returns
    the new outbox keys."""
    roster = Roster(settings.roster, settings.zone)
    operators = list(settings.delivery.operators or channel_ids)
    blind_after = settings.collect.blind_after
    sources = {source.id: source for source in settings.sources if source.enabled and source.kind.value != "push"}
    with Session(engine) as session:
        states = session.scalars(select(SourceState).where(col(SourceState.source_id).in_(list(sources)))).all()
        rows: list[OutboxMessage] = []
        for state in states:
            source = sources[state.source_id]
            if state.health == "blocked":
                since = state.last_success_at
                key = f"source:{state.source_id}:blocked:{since.isoformat() if since else 'never'}"
                kind = "source_blocked"
                context = {"source": {"id": source.id, "kind": source.kind.value},
                           "since": state.last_error_at or now, "detail": state.last_error or "",
                           "retry_at": state.next_check_at}
            elif is_blind(state, now, blind_after):
                reference = state.last_new_item_at or state.last_success_at or state.last_error_at
                key = f"source:{state.source_id}:blind:{reference.isoformat() if reference else 'never'}"
                kind = "source_blind"
                context = {"source": {"id": source.id, "kind": source.kind.value},
                           "blind_after": blind_after.total_seconds(), "last_item_at": state.last_new_item_at}
            else:
                continue
            people = roster.recipients(EscalationRole.DUTY_OFFICER, None, now)
            held = roster.hold_until(now, None)
            for channel, audience in routes(people, operators).items():
                row_key = f"{key}:{channel}"
                message = compose(kind, {**context, "now": now, "recipients": [p.as_dict() for p in audience],
                                         "idempotency_key": row_key}, zone=settings.zone, link_base=link_base)
                rows.append(OutboxMessage(
                    key=row_key, action_key=key, kind=kind, channel=channel,
                    recipients=[p.as_dict() for p in audience], message=message_to_json(message), created_at=now,
                    not_before=held or now))
        return queue_new(session, rows)
