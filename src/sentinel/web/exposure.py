"""What in the ``http:`` configuration exposes the daemon more than it may mean to: the warnings
``sentinel run`` logs once at start and ``config check`` prints.

- a wildcard listen address (``0.0.0.0``, ``::``): the console and the API answer on every network
  the host is on, not only where a proxy or the operator expects;
- an ``http://`` ``public_url`` on a name other than the loopback: logins (tokens) and session
  cookies cross the network in clear;
- no session secret (``http.session_secret_env`` unset or empty): a key per process, so every
  console session ends at a restart and several processes cannot share them;
- no one-tap 认领 links where alerts reach people (channels are configured, or the secret's
  variable is named): ``http.ack_secret_env`` unset (or too short) or no ``http.public_url``
  (:func:`sentinel.escalation.ack_links.missing`);
- a weak token: the rule of :func:`sentinel.web.auth.weak_token` (``config check`` refuses a short one;
  at start it is a warning).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sentinel.escalation import ack_links
from sentinel.settings import Role, Settings, env_secret
from sentinel.web.auth import weak_token

_WILDCARDS = frozenset({"0.0.0.0", "::", ""})
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def exposure_warnings(settings: Settings) -> list[str]:
    """One line per exposure, each starting with the key at fault."""
    http = settings.http
    found: list[str] = []
    if http.host in _WILDCARDS:
        found.append(f"http.listen: {http.listen} answers on every network interface; listen on 127.0.0.1 "
                     "behind a reverse proxy, or make sure only the networks that should reach it can")
    if http.public_url is not None:
        parts = urlsplit(http.public_url)
        host = (parts.hostname or "").lower()
        if parts.scheme == "http" and host not in _LOOPBACK and not host.endswith(".localhost"):
            found.append(f"http.public_url: {http.public_url} is not https: console logins (tokens) and "
                         "session cookies cross the network in clear")
    people = [token for token in http.tokens if token.role is not Role.INGEST]  # who may log in to the console
    if people and env_secret(http.session_secret_env) is None:
        where = f"${http.session_secret_env} is not set" if http.session_secret_env else "is not configured"
        found.append(f"http.session_secret_env: {where}: console sessions are signed with a key per process, "
                     "so every login ends when the daemon restarts")
    no_links = ack_links.missing(settings)
    if no_links is not None and (settings.channels or http.ack_secret_env):
        found.append(no_links)
    for token in http.tokens:
        secret = env_secret(token.token_env)
        if secret is None:
            continue  # config check names unset variables on its own
        refusal, warning = weak_token(secret)
        if refusal or warning:
            found.append(f"http.tokens[{token.name}]: ${token.token_env} {refusal or warning}")
    return found
