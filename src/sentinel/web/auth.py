"""Bearer tokens with roles, and the one table of which role may do what.

A token is configured under ``http.tokens`` with a name and a role; its secret is read from the
environment variable the entry names. The name is the person (or integration) behind the token:
it is the actor every action records.

==========  =====================================================================
role        may
==========  =====================================================================
duty        read everything; act on incidents (ack, respond, grade, dismiss, …);
            add notes; enter disclosure requests; confirm or reject evidence
leader      read everything; add notes
admin       everything duty may; push items; view the configuration (secrets masked)
readonly    read everything (dashboards and integrations)
ingest      push items (``POST /api/items``) into the push sources its ``sources`` names, and
            nothing else
==========  =====================================================================

A missing, malformed or unknown token is 401; a known token whose role lacks the permission is 403.
An unknown token is a failed login (:mod:`sentinel.web.throttle`): logged with the client's address,
counted, and after too many from one address every request from it is 429 for a while.

No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations at runtime.
"""

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from sentinel.settings import Role, Settings, env_secret
from sentinel.web.throttle import LoginGuard

PRINCIPAL_SCOPE_KEY = "sentinel.principal"  # where the request's principal is kept for the audit log
AUDIT_NOTE_SCOPE_KEY = "sentinel.audit_note"  # why a request was refused, for the audit log


def audit_note(request: Request, note: str) -> None:
    """Say in the request's audit entry why it was refused (a failed login, a CSRF failure)."""
    request.scope[AUDIT_NOTE_SCOPE_KEY] = note


class Permission(StrEnum):
    READ = "read"  # incidents, items, sources, requests, evidence
    NOTE = "note"  # notes on an incident's timeline
    ACT = "act"  # the escalation actions, evidence, disclosure requests
    INGEST = "ingest"  # POST /api/items
    CONFIG = "config"  # the configuration view


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.DUTY: frozenset({Permission.READ, Permission.NOTE, Permission.ACT}),
    Role.LEADER: frozenset({Permission.READ, Permission.NOTE}),
    Role.ADMIN: frozenset(Permission),
    Role.READONLY: frozenset({Permission.READ}),
    Role.INGEST: frozenset({Permission.INGEST}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    sources: frozenset[str] | None = None  # an ingest token: the push sources it may push into

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def may_push_into(self, source_id: str) -> bool:
        """Whether items pushed by this principal may go into ``source_id`` (an ingest token only
        into its own sources; admin into any)."""
        return self.sources is None or source_id in self.sources


MIN_TOKEN_LENGTH = 24  # characters; a short token falls to guessing despite the login limit
MIN_DISTINCT = 10  # characters; fewer is a pattern, not a random secret


def weak_token(secret: str) -> tuple[str | None, str | None]:
    """Why a token's secret is refused (too short), and why it looks guessable (few distinct
    characters, or all of one class): ``(refusal, warning)``, each None when there is nothing to say."""
    if len(secret) < MIN_TOKEN_LENGTH:
        return (f"is {len(secret)} characters; a token needs at least {MIN_TOKEN_LENGTH} "
                "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"), None
    classes = {"digit" if c.isdigit() else "lower" if c.islower() else "upper" if c.isupper() else "other"
               for c in secret}
    if len(set(secret)) < MIN_DISTINCT:
        return None, f"has only {len(set(secret))} distinct characters: it looks guessable, use a random token"
    if len(classes) == 1:
        return None, f"is all {classes.pop()} characters: it looks guessable, use a random token"
    return None, None


def match_token(known: list[tuple[str, Principal]], presented: str) -> Principal | None:
    """Who is behind ``presented``, compared with every known secret in constant time (no early
    exit: the time taken does not tell which one matched)."""
    found = None
    for secret, who in known:
        if hmac.compare_digest(secret.encode(), presented.encode()):
            found = who
    return found


class Tokens:
    """The configured tokens whose secrets are set; looked up in constant time per token."""

    def __init__(self, settings: Settings, guard: LoginGuard) -> None:
        self.guard = guard
        self._known: list[tuple[str, Principal]] = []
        for entry in settings.http.tokens:
            value = env_secret(entry.token_env)
            if value:
                sources = frozenset(entry.sources) if entry.sources is not None else None
                self._known.append((value, Principal(entry.name, entry.role, sources)))

    @property
    def known(self) -> list[tuple[str, Principal]]:
        """Each set token's secret and who is behind it (the web console's login checks these)."""
        return list(self._known)

    def principal(self, request: Request) -> Principal:
        """The FastAPI dependency: the principal behind the request's bearer token, or 401."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        client = request.client.host if request.client else None
        wait = self.guard.retry_after(client)
        if wait is not None:
            audit_note(request, "too many failed logins from this address")
            raise HTTPException(429, "too many failed logins from this address", headers={"Retry-After": str(wait)})
        found = match_token(self._known, token)
        if found is None:
            self.guard.failed("api", client)
            audit_note(request, "failed login: unknown token")
            raise HTTPException(401, "unknown token", headers={"WWW-Authenticate": "Bearer"})
        request.scope[PRINCIPAL_SCOPE_KEY] = found
        return found

    def require(self, permission: Permission) -> Callable[..., Principal]:
        """A dependency that lets through only principals whose role grants ``permission`` (else 403)."""
        principal = self.principal

        def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
            if not who.may(permission):
                raise HTTPException(403, f"role {who.role.value} may not {permission.value}")
            return who

        return check
