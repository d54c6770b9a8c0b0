"""The configuration as an administrator sees it in the console: secrets masked.

The file never holds a secret (only the names of the environment variables that do, ``*_env``), so
those keys show the variable's name and whether it is set, never its value. Addresses can still
carry credentials — a password in a database URL, a robot's ``access_token`` in a webhook URL — and
those parts are masked too.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml

from sentinel.settings import Settings

MASK = "******"
_SECRET_PARAM = re.compile(r"token|key|secret|sign|pass|auth|cred", re.IGNORECASE)


def mask_url(value: str) -> str:
    """The URL with its password and the values of secret-looking query parameters masked."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return MASK
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if parts.password is None and not any(_SECRET_PARAM.search(k) for k, _ in pairs):
        return value  # nothing to mask (and urlunsplit would turn sqlite:///x into sqlite:/x)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    query = urlencode([(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _masked(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, key) for v in value]
    if isinstance(value, str):
        if key.endswith("_env"):
            return f"${value}（{'已设置' if os.environ.get(value) else '未设置'}）"
        if key == "url" or re.match(r"^[a-z][a-z0-9+.-]*://", value):
            return mask_url(value)
    return value


def masked_config(settings: Settings) -> str:
    """The settings in force, as YAML, with secrets masked."""
    data = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(_masked(data), allow_unicode=True, sort_keys=False, width=100)
