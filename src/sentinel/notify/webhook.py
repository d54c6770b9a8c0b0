"""The generic webhook channel: a documented JSON POST, HMAC-signed when the channel has a secret.

Request::

    POST <url>
    Content-Type: application/json; charset=utf-8
    Idempotency-Key: <idempotency_key>          same value on every retry of the same message
    X-Sentinel-Timestamp: <unix seconds>        only with secret_env
    X-Sentinel-Signature: sha256=<hex>          only with secret_env

Body (``version`` 1; keys are never removed or renamed within a version, new keys may appear)::

    {
      "version": 1,
      "idempotency_key": "inc-42:reminder:authoritative_info:1",   // dedup on this
      "kind": "reminder",                 // new_incident | reminder | breach | escalation | test | ...
      "title": "...",                     // raw text: may contain feed text, escape it before display
      "text_plain": "...",                // raw text, at most 64 KiB (UTF-8), cut with a marker
      "text_markdown": "...",             // markdown, feed text already made inert, at most 64 KiB
      "incident_id": "42" | null,
      "grade": "I" | "II" | "III" | "IV" | null,
      "department": "应急管理局" | null,
      "link": "https://..." | null,       // http(s) only
      "mentions": ["13800000000"],        // phone numbers
      "sent_at": "2026-11-20T02:00:00Z"   // this attempt, UTC
    }

Signature: ``hex(HMAC-SHA256(key=secret, msg=timestamp + "." + raw_body))``, the timestamp being the
exact ``X-Sentinel-Timestamp`` string and the body the exact bytes received. A receiver verifies it
with :func:`verify` (or the three lines inside it), comparing in constant time, and should reject
timestamps more than five minutes from its clock so a captured request cannot be replayed later.

Answers: any 2xx is sent; 429 and 5xx are retried (``Retry-After`` honoured); 401/403 mean the
signature was refused (``bad_signature``), other 4xx are permanent. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from sentinel.notify.base import Delivery, HttpSender, check_now, classify_status, post
from sentinel.notify.message import WEBHOOK_TEXT_LIMIT, Message, clean, cut_bytes, one_line, safe_url

VERSION = 1
SIGNATURE_PREFIX = "sha256="


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``, the X-Sentinel-Signature value."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, header: str, *, now: datetime, tolerance: float = 300
) -> bool:
    """For receivers: is ``header`` the signature of ``body`` at ``timestamp``, and is that recent?"""
    if not timestamp.isdigit() or abs(check_now(now).timestamp() - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def payload(message: Message, *, now: datetime) -> dict[str, object]:
    """The JSON document described in the module docstring."""
    return {
        "version": VERSION,
        "idempotency_key": message.idempotency_key,
        "kind": message.kind,
        "title": one_line(message.title),
        "text_plain": cut_bytes(clean(message.text_plain), WEBHOOK_TEXT_LIMIT),
        "text_markdown": cut_bytes(message.text_markdown, WEBHOOK_TEXT_LIMIT),
        "incident_id": message.incident_id,
        "grade": message.grade.value if message.grade else None,
        "department": one_line(message.department) if message.department else None,
        "link": safe_url(message.link),
        "mentions": list(message.mentions),
        "sent_at": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class WebhookSender(HttpSender):
    """POSTs :func:`payload` to one URL, signed when constructed with a secret."""

    kind = "webhook"

    async def _send(self, message: Message, *, now: datetime) -> Delivery:
        body = json.dumps(payload(message, now=now), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Idempotency-Key": message.idempotency_key} if message.idempotency_key else {}
        if self._secret is not None:
            timestamp = str(int(now.timestamp()))
            headers["X-Sentinel-Timestamp"] = timestamp
            headers["X-Sentinel-Signature"] = signature(self._secret, timestamp, body)
        response = await post(self._client, self._url, body, headers=headers, timeout=self._timeout,
                              auth=self._auth)
        if isinstance(response, Delivery):
            return response
        return classify_status(response, now=now, signed=self._secret is not None)
