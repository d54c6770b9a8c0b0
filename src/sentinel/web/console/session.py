"""The console's login session: a random session id in a signed, HttpOnly, SameSite=Lax cookie,
and a row in ``console_session`` (:mod:`sentinel.store.sessions`) for every login.

Two cookies, so that no answer to a visitor the server does not see as logged in can end a login:
``sentinel_console`` holds a logged-in session and is written only by a login (and cleared only by a
logout); ``sentinel_login`` holds a visitor's anonymous id (the login form's CSRF token). Before,
one cookie served both and was SameSite=Strict: a link to the console opened from DingTalk, a
webmail or another site is a cross-site navigation, the browser left the Strict cookie out, the
console sent the visitor to the login form, and the login form's fresh anonymous cookie replaced
the logged-in one — every link in an alert logged its reader out. Now the session cookie is Lax
(sent on a top-level GET from another site, so an alert's link opens the page logged in; still left
out of cross-site POSTs, and every POST checks its CSRF field besides), and an anonymous answer
only ever writes ``sentinel_login``.

The cookie carries nothing but the id (``secrets.token_urlsafe``): no token and nothing computed
from one. A session is live while its row is: logout ends it, so does an admin's ``sentinel
sessions end-all``, and so does a change to the token it was opened with — the row keeps the
token's name and a fingerprint of its secret keyed with the signing key, and a token removed from
the configuration or given a new secret no longer matches. The signed timestamp ends a session
after :data:`MAX_AGE` in any case.

Every form repeats the session's CSRF token (an HMAC of the session id) in a hidden field; a POST
whose field does not match is refused. A visitor who has not logged in gets an id too (with no
row), so the login form is protected alike.

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

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from sentinel.clock import Clock
from sentinel.store import sessions as session_store
from sentinel.store.db import Database
from sentinel.store.sessions import EndReason
from sentinel.web.auth import Principal, match_token

COOKIE = "sentinel_console"  # a logged-in session
LOGIN_COOKIE = "sentinel_login"  # a visitor's anonymous id: the login form's CSRF token
#: a duty shift and some: after this a person logs in again
MAX_AGE = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class Session:
    sid: str  # the cookie's random id
    csrf: str
    who: Principal | None = None
    stored: bool = False  # read from a valid cookie (else it must be set on the response)
    ended: bool = False  # just logged out: the session cookie is cleared with the answer


def session_key(sid: str) -> str:
    """The row's key: the id hashed, so the table does not hold usable cookies (the id is random,
    256 bits: no salt needed)."""
    return hashlib.sha256(sid.encode("ascii")).hexdigest()


class Sessions:
    """Reads and writes the session cookie and the session rows; turns a token into a person."""

    def __init__(self, secret: str | None, tokens: Sequence[tuple[str, Principal]], database: Database,
                 clock: Clock, *, secure: bool = False) -> None:
        self._key = (secret or secrets.token_urlsafe(32)).encode("utf-8")
        self._serializer = URLSafeTimedSerializer(self._key, salt="sentinel-console")
        self._tokens = list(tokens)
        self._people: dict[str, list[tuple[str, Principal]]] = {}
        for token, who in tokens:
            self._people.setdefault(who.name, []).append((self.fingerprint(who.name, token), who))
        self._database = database
        self._clock = clock
        self._secure = secure

    def fingerprint(self, name: str, token: str) -> str:
        """Which secret a session was opened with. Keyed with the signing key, so the table alone
        gives nothing to guess tokens against."""
        return hmac.new(self._key, f"{name}\0{token}".encode(), hashlib.sha256).hexdigest()

    def person(self, token: str) -> Principal | None:
        """The person whose token this is (compared in constant time with every token)."""
        return match_token(self._tokens, token.strip())

    def _session(self, sid: str, who: Principal | None = None, *, stored: bool = False) -> Session:
        csrf = hmac.new(self._key, f"csrf\0{sid}".encode(), hashlib.sha256).hexdigest()
        return Session(sid, csrf, who, stored)

    async def read(self, request: Request) -> Session:
        """The request's session: a person's while its row is live and its token unchanged."""
        sid = self._sid(request.cookies.get(COOKIE))
        if sid is not None:
            key = session_key(sid)
            row = await self._database.read(session_store.live_session, self._database.engine, key=key)
            if row is not None:
                who = None
                for fingerprint, person in self._people.get(row.token_name, []):
                    if hmac.compare_digest(fingerprint, row.token_fingerprint):
                        who = person
                if who is not None:
                    return self._session(sid, who, stored=True)
                # the token was removed or given a new secret: its sessions are over
                await self._database.write(session_store.end_session, self._database.engine, key=key,
                                           now=self._clock.now(), reason=EndReason.TOKEN_CHANGED)
        anonymous = self._sid(request.cookies.get(LOGIN_COOKIE))
        return self._session(anonymous, stored=True) if anonymous is not None else self.anonymous()

    def _sid(self, raw: str | None) -> str | None:
        """The session id a cookie holds, if it is signed by this key and not too old."""
        if not raw:
            return None
        try:
            sid = self._serializer.loads(raw, max_age=int(MAX_AGE.total_seconds()))
        except BadSignature:  # tampered with, signed by another process's key, or expired
            return None
        return sid if isinstance(sid, str) and sid else None

    def anonymous(self) -> Session:
        """A session with nobody logged in: a new id, no row."""
        return self._session(secrets.token_urlsafe(32))

    async def log_in(self, token: str, who: Principal, client: str | None) -> Session:
        """A new session (a new id and CSRF token: no fixation) for a person who has just logged in."""
        session = self.anonymous()
        await self._database.write(session_store.open_session, self._database.engine, key=session_key(session.sid),
                                   token_name=who.name, fingerprint=self.fingerprint(who.name, token.strip()),
                                   client=client, now=self._clock.now())
        return Session(session.sid, session.csrf, who)

    async def log_out(self, session: Session) -> Session:
        """End the session's row; the visitor goes on with a fresh anonymous session."""
        if session.who is not None:
            await self._database.write(session_store.end_session, self._database.engine, key=session_key(session.sid),
                                       now=self._clock.now(), reason=EndReason.LOGOUT)
        fresh = self.anonymous()
        return Session(fresh.sid, fresh.csrf, ended=True)

    def write(self, response: Response, session: Session) -> None:
        """Set the session's cookie: ``sentinel_console`` for a logged-in one (and the anonymous one
        goes), ``sentinel_login`` for a visitor — which never touches a login (see the docstring)."""
        name = COOKIE if session.who is not None else LOGIN_COOKIE
        response.set_cookie(name, self._serializer.dumps(session.sid), max_age=int(MAX_AGE.total_seconds()),
                            httponly=True, samesite="lax", secure=self._secure, path="/")
        if session.who is not None:
            response.delete_cookie(LOGIN_COOKIE, path="/", secure=self._secure, httponly=True, samesite="lax")
        if session.ended:
            response.delete_cookie(COOKIE, path="/", secure=self._secure, httponly=True, samesite="lax")

    @staticmethod
    def csrf_ok(session: Session, submitted: object) -> bool:
        return session.stored and isinstance(submitted, str) and hmac.compare_digest(session.csrf, submitted)
