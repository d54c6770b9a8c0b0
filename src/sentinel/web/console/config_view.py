"""The configuration as an administrator sees it in the console: secrets masked.

The file never holds a secret (only the names of the environment variables that do, ``*_env``), so
those keys show the variable's name and whether it is set, never its value. Addresses can still
carry credentials; they are masked by :mod:`sentinel.masking`, exactly as ``GET /api/config`` masks them.
"""

from __future__ import annotations

from typing import Any

import yaml

from sentinel.masking import masked
from sentinel.settings import Settings, env_secret


def _env_shown(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _env_shown(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_env_shown(v, key) for v in value]
    if isinstance(value, str) and key.endswith("_env"):
        return f"${value}（{'已设置' if env_secret(value) else '未设置'}）"
    return value


def masked_config(settings: Settings) -> str:
    """The settings in force, as YAML, with secrets masked."""
    data = settings.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.safe_dump(_env_shown(masked(data)), allow_unicode=True, sort_keys=False, width=100)
