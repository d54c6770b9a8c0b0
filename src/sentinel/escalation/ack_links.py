"""One-tap 认领 links (一键认领): an alert carries, for each person of its audience, a link that
acknowledges its incident as that person without a console login — or, in an evidence alert,
confirms the official item as the release.

A link is ``{http.public_url}/a/{code}``. The code is 27 characters, short enough for an SMS
template's text (an SMS variable may not hold a URL: Aliyun's ``isv.PARAM_NOT_SUPPORT_URL``)::

    code = id (11) + mac (16)
    id   = base64url(HMAC-SHA256(secret, "id" 0 alert_key 0 person)[:8])
    mac  = base64url(HMAC-SHA256(secret, "ack-v1" 0 id 0 purpose 0 incident 0 response 0 person 0
                                          alert_key 0 channel 0 expires_at)[:12])

``id`` names the link's row (:mod:`sentinel.store.ack_links`), written with the alert in the
engine's transaction; ``mac`` binds it to what the row says — the incident, the person, the alert
(its idempotency key), the channel it went through and its expiry — so a code changed by one
character, or a row changed in the store, does not verify. Compared in constant time. The secret
comes from the environment variable named by ``http.ack_secret_env``; a new secret voids every
link issued before. Expiry is ``http.ack_link_ttl`` after the alert was queued (default 24 hours).

A link works once: :func:`redeem` marks its row used and acknowledges in one transaction, and a
second tap finds it used and changes nothing. A forwarded link acts as the person it was sent to
(the page says so): the link is that person's, like a key they lent.

The states a code can be in (:class:`LinkState`) are what the page a link opens explains.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from sentinel.escalation.actions import ActionError, acknowledge_in, confirm_evidence_in
from sentinel.escalation.clocks import Rules, obligations_of
from sentinel.settings import Settings, env_secret
from sentinel.store.ack_links import AckLinkRow, Purpose, use
from sentinel.store.models import Incident, IncidentState, Response
from sentinel.store.models import Obligation as ObligationRow

__all__ = ["ACK_KINDS", "CODE_LENGTH", "AckSigner", "Found", "LinkState", "look", "missing", "redeem", "signer"]

#: the alerts that ask for an acknowledgment (while the incident has none); ``evidence`` carries a
#: confirm link instead. Not reescalation (督办): it follows an acknowledgment.
ACK_KINDS = frozenset({"new_incident", "verification", "reminder", "breach", "escalation", "hotlist"})
CONFIRM_KINDS = frozenset({"evidence"})

_ID_BYTES, _MAC_BYTES = 8, 12
ID_LENGTH, MAC_LENGTH = 11, 16  # base64url without padding
CODE_LENGTH = ID_LENGTH + MAC_LENGTH
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

#: how each channel kind is named on the timeline and the page: "认领 via 钉钉 link"
CHANNEL_NAMES = {"dingtalk": "钉钉", "feishu": "飞书", "wecom": "企业微信", "email": "邮件", "sms": "短信",
                 "voice": "电话", "webhook": "webhook", "console": "控制台"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


@dataclass(frozen=True, slots=True)
class AckSigner:
    """Issues and checks link codes with one secret; ``base`` is the public address links start with."""

    secret: bytes
    base: str
    ttl: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("an ack link secret needs at least 16 bytes")

    def _hmac(self, *parts: str) -> bytes:
        return hmac.new(self.secret, "\0".join(parts).encode("utf-8"), hashlib.sha256).digest()

    def link_id(self, alert_key: str, person: str) -> str:
        return _b64(self._hmac("id", alert_key, person)[:_ID_BYTES])

    def mac(self, row: AckLinkRow | Mapping[str, Any]) -> str:
        def get(name: str) -> Any:
            return row[name] if isinstance(row, Mapping) else getattr(row, name)

        expires: datetime = get("expires_at")
        response = get("response_id")
        return _b64(self._hmac("ack-v1", str(get("id")), str(get("purpose")), str(get("incident_id")),
                               "" if response is None else str(response), str(get("person")), str(get("alert_key")),
                               str(get("channel")), str(int(expires.timestamp())))[:_MAC_BYTES])

    def url(self, code: str) -> str:
        return f"{self.base.rstrip('/')}/a/{code}"

    def issue(self, *, purpose: Purpose, incident_id: int, person: str, phone: str | None, channel: str,
              alert_key: str, alert_kind: str, now: datetime, response_id: int | None = None,
              ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The ``ack_link`` row to write with the alert, and the ``acks`` entry of its message
        (person, url, code, phone)."""
        row: dict[str, Any] = dict(
            id=self.link_id(alert_key, person), purpose=purpose.value, incident_id=incident_id,
            response_id=response_id, person=person, phone=phone, channel=channel, alert_key=alert_key,
            alert_kind=alert_kind, issued_at=now,
            # whole seconds: what the MAC covers is what the store gives back
            expires_at=(now + self.ttl).replace(microsecond=0))
        code = row["id"] + self.mac(row)
        return row, {"person": person, "url": self.url(code), "code": code, "phone": phone}

    def verifies(self, code: str, row: AckLinkRow) -> bool:
        return hmac.compare_digest(code[ID_LENGTH:].encode("ascii"), self.mac(row).encode("ascii"))


def signer(settings: Settings) -> AckSigner | None:
    """The signer the configuration makes, or None (see :func:`missing`): no links then."""
    secret = env_secret(settings.http.ack_secret_env)
    if missing(settings) or secret is None or settings.http.public_url is None:
        return None
    return AckSigner(secret.encode("utf-8"), settings.http.public_url, settings.http.ack_link_ttl)


def missing(settings: Settings) -> str | None:
    """Why alerts carry no one-tap links (the start-up warning), or None when they do."""
    http = settings.http
    secret = env_secret(http.ack_secret_env)
    if secret is None:
        where = f"${http.ack_secret_env} is not set" if http.ack_secret_env else "is not configured"
        return (f"http.ack_secret_env: {where}: alerts carry no one-tap 认领 links (set it to a random secret "
                "of at least 16 characters)")
    if len(secret.encode("utf-8")) < 16:
        return f"http.ack_secret_env: ${http.ack_secret_env} is shorter than 16 characters: no one-tap 认领 links"
    if http.public_url is None:
        return "http.public_url is not configured: alerts carry no one-tap 认领 links (they need a public address)"
    return None


def split(code: str) -> str | None:
    """The link id a code names, or None for anything that is not a code's shape."""
    if len(code) != CODE_LENGTH or not set(code) <= _ALPHABET:
        return None
    return code[:ID_LENGTH]


class LinkState(StrEnum):
    READY = "ready"  # works: the page offers the button
    DONE = "done"  # this tap acknowledged (or confirmed)
    USED = "used"  # used before: nothing changes
    EXPIRED = "expired"
    INVALID = "invalid"  # no such link, a changed character, or another secret's
    CLOSED = "closed"  # the incident was closed or dismissed
    SETTLED = "settled"  # the evidence was confirmed or rejected already


@dataclass(frozen=True, slots=True)
class Found:
    """What the page shows for a code: its state, and (unless invalid) the link and its incident."""

    state: LinkState
    link: AckLinkRow | None = None
    incident: Incident | None = None
    response: Response | None = None
    first: bool = False  # DONE: this was the incident's first acknowledgment
    obligations: tuple[ObligationRow, ...] = ()  # the incident's deadlines, by due time


def _state(signer: AckSigner, session: Session, code: str, now: datetime) -> Found:
    link_id = split(code)
    link = session.get(AckLinkRow, link_id) if link_id else None
    if link is None or not signer.verifies(code, link):
        return Found(LinkState.INVALID)
    incident = session.get(Incident, link.incident_id)
    response = session.get(Response, link.response_id) if link.response_id is not None else None
    rows = tuple(sorted(obligations_of(session, link.incident_id), key=lambda row: (row.due_at, row.id or 0)))
    state = LinkState.READY
    if link.used_at is not None:
        state = LinkState.USED
    elif now >= link.expires_at:
        state = LinkState.EXPIRED
    elif incident is None or incident.state != IncidentState.OPEN.value:
        state = LinkState.CLOSED
    elif link.purpose == Purpose.CONFIRM.value and (response is None or response.state != "candidate"):
        state = LinkState.SETTLED
    return Found(state, link, incident, response, obligations=rows)


def look(engine: Engine, signer: AckSigner, code: str, *, now: datetime) -> Found:
    """What a code is (for the page a GET shows); changes nothing."""
    with Session(engine, expire_on_commit=False) as session:
        return _state(signer, session, code, now)


def redeem(engine: Engine, rules: Rules, signer: AckSigner, code: str, *, now: datetime, client: str | None,
           channel_kinds: Mapping[str, str]) -> Found:
    """Use a link: acknowledge its incident as its person (or confirm its evidence), mark it used and
    write the timeline entry, in one transaction. A link that is not READY changes nothing and says why."""
    with Session(engine, expire_on_commit=False) as session:
        # lock the incident first, as every action does, so two taps on two links serialise
        link_id = split(code)
        link = session.get(AckLinkRow, link_id) if link_id else None
        if link is not None:
            session.scalars(select(Incident).where(col(Incident.id) == link.incident_id).with_for_update()).first()
        found = _state(signer, session, code, now)
        if found.state is not LinkState.READY or found.link is None or found.incident is None:
            return found
        link = found.link
        if not use(session, link.id, now=now, client=client):
            session.rollback()
            return replace(found, state=LinkState.USED)
        kind = channel_kinds.get(link.channel, link.channel)
        name = CHANNEL_NAMES.get(kind, kind)
        data = {"via": "link", "channel": link.channel, "channel_kind": kind, "alert": link.alert_key, "link": link.id}
        first = False
        try:
            if link.purpose == Purpose.CONFIRM.value:
                assert link.response_id is not None
                confirm_evidence_in(session, rules, link.response_id, by=link.person, now=now,
                                    reason=f"确认 via {name} link / confirmed through the link sent by {link.channel}",
                                    **data)
            else:
                first = acknowledge_in(session, rules, found.incident, by=link.person, now=now,
                                       reason=f"认领 via {name} link / acknowledged through the link sent by "
                                              f"{link.channel}", **data)
        except ActionError:
            session.rollback()
            return _state(signer, session, code, now)
        session.commit()
        return replace(_state(signer, session, code, now), state=LinkState.DONE, first=first)
