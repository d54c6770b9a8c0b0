"""An incident's place from its items' places, and whether it is the office's (属地管理).

Each item's place (:func:`~sentinel.analyse.places.resolve_place`) is a vote for its pool (a
province, a country abroad, China as a whole), weighed by the authority of its source: an official
or central report outweighs a repost. The incident's place is the best pool's most specific place
seen; :func:`jurisdiction_of` turns it into inside, outside or unknown. A person's decision
(``adopted``) stands whatever the items say later. Pure functions over plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sentinel.analyse.places import UNKNOWN, Place
from sentinel.store.models import Jurisdiction

__all__ = ["AUTHORITY_WEIGHT", "jurisdiction_of", "vote"]

#: How much an item's place counts, by its source's authority tier.
AUTHORITY_WEIGHT = {"central": 3.0, "provincial": 2.5, "local": 2.0, "commercial": 1.5, "self_media": 1.0}
_LEVEL_RANK = {"national": 0, "country": 1, "province": 2, "region": 3, "prefecture": 3, "city": 4, "county": 4}


def vote(state: Mapping[str, Any] | None, place: Place, *, authority: str | None) -> dict[str, Any]:
    """The incident's place after one more item's: ``state`` is what :func:`vote` returned before
    (``incident.place``), or None for the first item. Returns the decided place's fields plus
    ``votes`` (pool → weight) and ``seen`` (pool → its most specific place so far)."""
    votes: dict[str, float] = dict((state or {}).get("votes") or {})
    seen: dict[str, dict[str, Any]] = dict((state or {}).get("seen") or {})
    key = place.group or (f"?{place.name}" if place.candidates else None)
    if key is not None:
        votes[key] = round(votes.get(key, 0.0) + AUTHORITY_WEIGHT.get(authority or "", 1.0), 4)
        if key not in seen or _finer(place, Place.from_dict(seen[key])):
            seen[key] = place.to_dict()
    if not votes:
        return {**UNKNOWN.to_dict(), "votes": {}, "seen": {}}
    # China as a whole only when no province or country is named; ties go to the pool seen first
    order = list(seen)
    best = max(votes, key=lambda k: (k != "CN", votes[k], -order.index(k) if k in order else 0))
    decided = seen[best]
    return {**decided, "votes": votes, "seen": seen}


def _finer(new: Place, old: Place) -> bool:
    """A more specific place inside the one seen (汶川县 after 四川省, 拉各斯 after 尼日利亚)."""
    if _LEVEL_RANK.get(new.level, 0) <= _LEVEL_RANK.get(old.level, 0):
        return False
    if new.abroad or old.abroad:
        return new.code == old.code or old.level == "country" and new.country == old.country
    return old.code is None or (new.code or "").startswith(_prefix(old))


def _prefix(place: Place) -> str:
    code = place.code or ""
    return {"province": code[:2], "prefecture": code[:4]}.get(place.level, code)


def jurisdiction_of(place: Mapping[str, Any] | None, current: str | None) -> str:
    """inside, outside or unknown from the decided place; a person's ``adopted`` stands."""
    if current == Jurisdiction.ADOPTED.value:
        return current
    inside = (place or {}).get("inside")
    if inside is True:
        return Jurisdiction.INSIDE.value
    if inside is False:
        return Jurisdiction.OUTSIDE.value
    return Jurisdiction.UNKNOWN.value
