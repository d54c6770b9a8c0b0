"""The configuration as an administrator may see it: everything in force, no secret.

Every URL in the tree is masked by :mod:`sentinel.masking` (the console's ``/config`` page uses the
same); the ``_env`` names are listed with whether each is set, never with its value.
"""

from __future__ import annotations

from typing import Any

from sentinel.masking import masked
from sentinel.settings import Settings, env_secret


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
