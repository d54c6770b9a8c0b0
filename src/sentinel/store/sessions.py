"""The web console's login sessions (会话): one row per login, ended by logout, by the token changing,
or by an admin ending them all.

A row is found by the SHA-256 of the cookie's random session id, so reading this table does not
hand anyone a usable cookie. It names the token it was opened with and a keyed fingerprint of that
token's secret (:mod:`sentinel.web.console.session`): a new secret no longer matches, and the
session is over.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Engine, String, update
from sqlmodel import Field, Session, SQLModel, col

from sentinel.store.types import UTCDateTime

__all__ = ["ConsoleSession", "EndReason", "end_all", "end_session", "live_session", "open_session"]


class EndReason(StrEnum):
    LOGOUT = "logout"
    TOKEN_CHANGED = "token_changed"  # the token was removed, or its secret changed
    ENDED_ALL = "ended_all"  # an admin ended every session


class ConsoleSession(SQLModel, table=True):
    __tablename__ = "console_session"

    key: str = Field(sa_column=Column(String(64), primary_key=True))  # sha256 hex of the cookie's session id
    token_name: str = Field(sa_column=Column(String(128), nullable=False, index=True))
    token_fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    client: str | None = Field(default=None, sa_column=Column(String(64)))  # the address that logged in
    opened_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    ended_reason: str | None = Field(default=None, sa_column=Column(String(16)))  # EndReason


def open_session(engine: Engine, *, key: str, token_name: str, fingerprint: str, client: str | None,
                 now: datetime) -> None:
    with Session(engine) as session:
        session.add(ConsoleSession(key=key, token_name=token_name, token_fingerprint=fingerprint,
                                   client=(client or "")[:64] or None, opened_at=now))
        session.commit()


def live_session(engine: Engine, *, key: str) -> ConsoleSession | None:
    """The session with this key if it has not ended."""
    with Session(engine) as session:
        row = session.get(ConsoleSession, key)
        return row if row is not None and row.ended_at is None else None


def end_session(engine: Engine, *, key: str, now: datetime, reason: EndReason) -> bool:
    """End one session; False when it had already ended (or never existed)."""
    with Session(engine) as session:
        done = session.execute(update(ConsoleSession)
                               .where(col(ConsoleSession.key) == key, col(ConsoleSession.ended_at).is_(None))
                               .values(ended_at=now, ended_reason=reason.value))
        session.commit()
        return bool(done.rowcount)  # type: ignore[attr-defined]


def end_all(engine: Engine, *, now: datetime) -> int:
    """End every open session (an admin's "log everyone out"); how many were open."""
    with Session(engine) as session:
        done = session.execute(update(ConsoleSession).where(col(ConsoleSession.ended_at).is_(None))
                               .values(ended_at=now, ended_reason=EndReason.ENDED_ALL.value))
        session.commit()
        return int(done.rowcount)  # type: ignore[attr-defined]
