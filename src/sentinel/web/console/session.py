"""The console's login session: a signed, HttpOnly, SameSite=Strict cookie.

The cookie never holds the token itself, only its SHA-256 digest, so a leaked cookie does not leak
the bearer token, and removing a token from the configuration (or its environment variable) ends
every session opened with it at the next request. The cookie also carries the session's CSRF token,
which every form repeats in a hidden field; a POST whose field does not match is refused. A visitor
who has not logged in gets a session too (with no principal), so the login form is protected alike.

The signing key comes from the environment variable named by ``http.session_secret_env``; without
one, a random key per process (sessions then end when the daemon restarts, and several processes
behind one address need the variable).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from sentinel.settings import Role

COOKIE = "sentinel_console"
#: a duty shift and some: after this a person logs in again
MAX_AGE = timedelta(hours=12)


class Person(Protocol):
    """Who is behind a token (the API's principal)."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> Role: ...


@dataclass(frozen=True, slots=True)
class Session:
    csrf: str
    who: Person | None = None
    digest: str | None = None  # of the token that logged in
    stored: bool = False  # read from a valid cookie (else it must be set on the response)


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Sessions:
    """Reads and writes the session cookie, and turns a token into the person behind it."""

    def __init__(self, secret: str | None, tokens: Sequence[tuple[str, Person]], *, secure: bool = False) -> None:
        self._serializer = URLSafeTimedSerializer(secret or secrets.token_urlsafe(32), salt="sentinel-console")
        self._people = [(digest_of(token), who) for token, who in tokens]
        self._secure = secure

    def person(self, token: str) -> tuple[str, Person] | None:
        """The person whose token this is (compared in constant time), with the token's digest."""
        wanted = digest_of(token.strip())
        found = None
        for known, who in self._people:
            if hmac.compare_digest(known, wanted):
                found = (known, who)
        return found

    def read(self, request: Request) -> Session:
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                data = self._serializer.loads(raw, max_age=int(MAX_AGE.total_seconds()))
            except BadSignature:  # tampered with, signed by another process's key, or expired
                data = None
            if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                digest = data.get("who")
                who = next((p for d, p in self._people if isinstance(digest, str) and hmac.compare_digest(d, digest)),
                           None)
                return Session(data["csrf"], who, digest if who else None, stored=True)
        return self.anonymous()

    @staticmethod
    def anonymous() -> Session:
        """A session with nobody logged in (after logout): a new CSRF token, no person."""
        return Session(secrets.token_urlsafe(24))

    def logged_in(self, digest: str, who: Person) -> Session:
        """A fresh session for a person who has just logged in (a new CSRF token: no fixation)."""
        return Session(secrets.token_urlsafe(24), who, digest)

    def write(self, response: Response, session: Session) -> None:
        value = self._serializer.dumps({"csrf": session.csrf, "who": session.digest})
        response.set_cookie(COOKIE, value, max_age=int(MAX_AGE.total_seconds()), httponly=True, samesite="strict",
                            secure=self._secure, path="/")

    @staticmethod
    def csrf_ok(session: Session, submitted: object) -> bool:
        return session.stored and isinstance(submitted, str) and hmac.compare_digest(session.csrf, submitted)
