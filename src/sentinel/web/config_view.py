"""The configuration as an administrator may see it: everything in force, no secret.

Secrets are not in the file (keys ending in ``_env`` name environment variables), but a URL can
still carry one: a database password, a robot's ``access_token``/``key`` written literally instead
of as ``${NAME}``, a Feishu hook's token in its path. Every URL in the tree is masked where such
a secret may sit; the ``_env`` names are listed with whether each is set, never with its value.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from sentinel.settings import Settings, env_secret

MASK = "***"
# query parameters that carry credentials in the services sentinel talks to, and in general
_SECRET_PARAMS = re.compile(r"(token|key|secret|sign|password|passwd|pwd|auth|credential|session|cookie|ticket)",
                            re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$")  # ${NAME}: substituted from the environment
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_HOOK_PATH = re.compile(r"(/hook/)([^/?#]+)")  # Feishu: /open-apis/bot/v2/hook/<token>


def mask_url(url: str) -> str:
    """The URL with its password, its secret-looking query values and a hook path token masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, sep, _password = userinfo.partition(":")
        netloc = f"{user}{':' + MASK if sep else ''}@{hostport}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAMS.search(k) and not _PLACEHOLDER.match(v) else v)
                           for k, v in pairs], safe="${}*")
    path = _HOOK_PATH.sub(_mask_hook, parts.path)
    # built by hand: urlunsplit drops the empty authority of sqlite:///PATH
    return (f"{parts.scheme}://{netloc}{path}" + (f"?{query}" if query else "")
            + (f"#{parts.fragment}" if parts.fragment else ""))


def _mask_hook(match: re.Match[str]) -> str:
    token = match.group(2)
    return match.group(1) + (token if _PLACEHOLDER.match(token) else MASK)


def masked(value: Any) -> Any:
    """A copy of a JSON-like tree with every URL string masked."""
    if isinstance(value, dict):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    if isinstance(value, str) and _URL.match(value):
        return mask_url(value)
    return value


def secret_refs(value: Any, path: str = "") -> list[dict[str, Any]]:
    """Every ``*_env`` key in the tree: its key path, the variable it names and whether that is set."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).endswith("_env") and isinstance(item, str):
                found.append({"key": where, "env": item, "set": env_secret(item) is not None})
            else:
                found.extend(secret_refs(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            label = (item.get("id") or item.get("name")) if isinstance(item, dict) else None
            found.extend(secret_refs(item, f"{path}[{label if label is not None else index}]"))
    return found


def config_view(settings: Settings) -> dict[str, Any]:
    """What ``GET /api/config`` answers."""
    tree = settings.model_dump(mode="json", by_alias=True)
    return {"config": masked(tree), "secrets": secret_refs(tree)}
