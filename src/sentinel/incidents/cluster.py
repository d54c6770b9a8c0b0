"""Online clustering: which open incident (舆情事件) does a new item continue, if any?

For each relevant item, in arrival order, :meth:`Clusterer.assign` answers with an
:class:`Assignment`; the caller then calls :meth:`Clusterer.add` (join) or
:meth:`Clusterer.open_incident` (new incident, key chosen by the caller, usually the row id).
:meth:`Clusterer.place` does both in one call. The decision, in order:

1. **Copies.** An item whose ``content_hash`` equals, or whose 64-bit ``simhash`` is within
   ``duplicate_distance`` bits of, an item already in an open incident joins that incident: the
   same article syndicated by many outlets (转载) is one story (:mod:`sentinel.incidents.copies`).
2. **Similarity.** Otherwise the item's TF-IDF keyword vector is compared by cosine with each
   candidate incident's keyword centroid. The centroid is the decayed sum of its items' unit
   vectors, cut to its ``centroid_terms`` heaviest terms, so it stays bounded and follows a story
   as its wording drifts. Candidates come from an inverted index term → open incidents, so the
   work per item depends on the item's own keywords, not on how many incidents are open; a term
   held by more than ``max_postings`` incidents finds no candidates (it still counts in scores).
   Before comparing, the item's weights are multiplied by the term's rarity among the open
   incidents, ``(1 + ln((N + 1) / (1 + max(1, df))))^incident_idf``: on a day with thirty fires
   open, 火灾 says little about which fire a post is about. A candidate must share at least
   ``min_shared`` terms. A shared place name adds ``region_bonus``; places on both sides but none
   shared subtract ``region_penalty`` (by default a veto: an explosion in 郑州 and one in 南京 are
   different incidents, 属地管理). Where both the item and the incident know where their event
   happened (the place of the event, :func:`sentinel.analyse.places.resolve_place`, not every place
   named), that decides instead: the same place or one inside the other down to the province, or
   the penalty; two cities of one province are two places only when no place name is shared. Likewise, when the item and the incident both name the day their
   event happened (:func:`sentinel.analyse.dates.event_days`) and no day of the item is within
   ``day_tolerance`` of one of the incident's, ``day_penalty`` is subtracted (a veto by default: a
   crash on 7月31日 and one on 10月8日 on the same motorway are two incidents) — and likewise when
   both state an earthquake's magnitude and they differ by more than ``magnitude_tolerance``; and when both have a
   category (事故灾难, 自然灾害 …) and the item's is not among the incident's, ``category_penalty``.
   The best score wins if it reaches ``threshold``; ties go to the lower incident key. An item that
   names neither place nor day and joins an incident that names them below ``unanchored_threshold``
   is marked not ``anchored``: it joins, but lends the incident no facts.

``region_words`` should hold the places where the story happened (not "北京时间" or a wire
dateline), each with its ancestors (郑州 → 河南), so that a provincial report overlaps a city one.

Both steps only consider incidents whose items span to within ``window`` of the item's time.
:meth:`Clusterer.expire` closes incidents idle for longer than the window; closing forgets them.

State is in memory. To rebuild it at start, pass each open incident's items to
:meth:`Clusterer.rebuild`: it replays them in (published_at, item_id) order, which is what the
daemon did if items arrived in order (the centroid decay makes the result order-dependent).

The defaults were chosen with ``scripts/eval_cluster.py`` on the CEC corpus (article leads,
whole articles, and single paragraphs, each against hand-identified same-event groups). B-cubed
F1 there is flat for thresholds 0.20–0.25 (0.92 on leads, 0.92 on articles, 0.62 on paragraphs);
the rarity weight (``incident_idf`` 2) and ``min_shared`` 2 gave the clearest gains; the region
veto costs nothing measurable there and keeps same-kind events in different cities apart.
"""

from __future__ import annotations

import contextlib
import heapq
import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain
from sys import intern
from typing import Any

from sentinel.configtypes import parse_duration
from sentinel.errors import ConfigError, NotFoundError
from sentinel.incidents.copies import MAX_DISTANCE, CopyIndex
from sentinel.incidents.summary import IncidentSummary

__all__ = [
    "Assignment",
    "ClusterConfig",
    "ClusterItem",
    "ClusterStats",
    "Clusterer",
]

_MASK64 = (1 << 64) - 1
#: The posting of a term: the keys of the open incidents whose centroid holds it, and its weight in
#: each (in that incident's own units, see :class:`_Incident`).
Posting = tuple["array[int]", "array[float]"]
_NONE: Posting = (array("q"), array("d"))  # the posting of a term no open incident holds (never changed)
# An incident's centroid is scaled back to its true weights when its scale falls below this: the
# stored weights grow as the scale shrinks, and their squares must stay far from overflow.
_RESCALE = 1e-60


@dataclass(frozen=True, slots=True)
class ClusterItem:
    """What clustering needs to know about one relevant item; computed by the analyse stage."""

    item_id: int
    source_id: str
    published_at: datetime
    keywords: dict[str, float]  # TF-IDF weights of the item's top keywords
    simhash: int  # 64-bit fingerprint of the text
    content_hash: str  # hash of the normalised text; "" never matches
    rule_ids: tuple[str, ...] = ()  # watch rules (关注方案) the item matched
    region_words: tuple[str, ...] = ()  # place names matched in the item
    place: tuple[str, ...] = ()  # where its event happened, widest first (analyse.places.Place.path)
    magnitude: float | None = None  # an earthquake's magnitude, when the item states one
    days: tuple[date, ...] = ()  # the days the item says its event happened
    category: str | None = None  # 突发事件 category or 政务舆情 type of the item

    def __post_init__(self) -> None:
        if self.published_at.tzinfo is None or self.published_at.utcoffset() is None:
            raise ValueError(f"item {self.item_id}: published_at must be timezone-aware")
        if not 0 <= self.simhash <= _MASK64:
            raise ValueError(f"item {self.item_id}: simhash must be an unsigned 64-bit integer")


@dataclass(frozen=True, slots=True)
class Assignment:
    """The decision for one item. ``incident_key`` None means: open a new incident.

    ``reason`` is ``content_hash``, ``duplicate`` (simhash), ``similar 0.42`` or ``new``; ``score``
    is 1.0 for a content-hash match, 1 - distance/64 for a simhash match, otherwise the best
    similarity seen (also when it was below the threshold, so a log can show how close it came).
    ``anchored`` is False for an item that joins by text alone although it names neither place nor
    day and the incident names one (below ``unanchored_threshold``): it belongs to the story, but
    is too weak a link to lend it facts.
    """

    incident_key: int | None
    reason: str
    score: float
    anchored: bool = True


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Tuning of :class:`Clusterer`. ``from_config`` reads the YAML mapping (durations as ``72h``)."""

    window: timedelta = timedelta(hours=72)
    threshold: float = 0.22
    centroid_terms: int = 60
    centroid_decay: float = 0.9  # weight kept by the centroid each time an item joins
    # Exponent of the item-side rarity weight (1 + ln((N + 1) / (1 + max(1, df))))^p, where N is the
    # number of open incidents and df how many hold the term; 0 turns it off.
    incident_idf: float = 2.0
    min_shared: int = 2  # terms an item must share with a centroid to be compared at all
    duplicate_distance: int = 3
    # Added when the item names a place the incident names. Off by default: a shared province is
    # weak evidence (two earthquakes in 云南), and on the CEC evaluation it bought nothing.
    region_bonus: float = 0.0
    # Subtracted when both name places and none is shared. 1.0 (the default) is a veto: text alone
    # scores "郑州一化工厂爆炸" against "南京一化工厂爆炸" at 0.8, and they are different incidents.
    region_penalty: float = 1.0
    # Subtracted when both name the event's day and none is within day_tolerance (a veto by default).
    day_penalty: float = 1.0
    day_tolerance: timedelta = timedelta(days=1)
    # Magnitudes further apart than this are two quakes (the same penalty as two days): agencies
    # revise a magnitude by a few tenths (7.4 → 7.8 → 7.6), an aftershock is smaller by more.
    magnitude_tolerance: float = 0.5
    # Subtracted when both have a category and the item's is not one of the incident's: a small
    # push apart (a bombing's headline is not the quake's story), not a veto, as the category of
    # one item of a story is sometimes wrong.
    category_penalty: float = 0.1
    # The score an item that names neither a place nor a day needs to lend its facts to an incident
    # that names them: a bare "摩托车与大货车相撞3名学生死亡" is too weak a link to a crash in 澄城.
    unanchored_threshold: float = 0.45
    # A term found in more open incidents than this is too common to find candidates with (it still
    # counts in the cosine of candidates found through rarer terms). Bounds the work per item.
    max_postings: int = 200
    # Near-identical copies share bands; past this many fingerprints a band bucket takes no more
    # (the story is already reachable through the ones stored). Bounds the work per item.
    max_bucket: int = 64

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")
        if not 0 < self.centroid_decay <= 1:
            raise ValueError("centroid_decay must be in (0, 1]")
        if self.centroid_terms < 1 or self.max_postings < 1 or self.max_bucket < 1:
            raise ValueError("centroid_terms, max_postings and max_bucket must be at least 1")
        if not 0 <= self.duplicate_distance <= MAX_DISTANCE:
            raise ValueError(f"duplicate_distance must be between 0 and {MAX_DISTANCE}")

    @classmethod
    def from_config(cls, data: Mapping[str, Any], *, key: str = "incidents.cluster") -> ClusterConfig:
        """Build from a config mapping; unknown keys and bad values raise :class:`ConfigError`."""
        known = set(cls.__dataclass_fields__)
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                raise ConfigError(f"unknown key {name!r}", key=key)
            try:
                values[name] = _convert(value, cls.__dataclass_fields__[name].default)
            except (TypeError, ValueError) as exc:
                raise ConfigError(str(exc), key=f"{key}.{name}") from exc
        try:
            return cls(**values)
        except ValueError as exc:
            raise ConfigError(str(exc), key=key) from exc


@dataclass(slots=True)
class ClusterStats:
    """Counters since the clusterer was made; ``candidates_scored`` measures the index's work."""

    assigned: int = 0
    content_hash: int = 0
    duplicate: int = 0
    similar: int = 0
    opened: int = 0
    candidates_scored: int = 0


@dataclass(slots=True)
class _Incident:
    """One open incident. Thousands can be open: the small collections are tuples (an empty one
    costs nothing, a set 216 bytes), the counts plain dicts, and every string is interned, shared
    with the other incidents and the postings.

    The centroid is ``terms`` with their ``weights`` side by side (a dict of floats cost 3.7 KB a
    centroid of 60 terms, these 1.1 KB). The true weights are ``weights × scale``: the decay as an
    item joins multiplies the scale only, so that the weights the postings repeat stay as they are
    (a cosine does not see the scale, and ``norm`` is the stored weights')."""

    key: int
    first_at: datetime
    last_at: datetime
    terms: tuple[str, ...] = ()
    weights: array[float] = field(default_factory=lambda: array("d"))
    scale: float = 1.0
    norm: float = 0.0
    item_count: int = 0
    sources: tuple[str, ...] = ()
    regions: dict[str, int] = field(default_factory=dict)  # place name → items naming it
    rules: dict[str, int] = field(default_factory=dict)  # watch rule → items matching it
    days: tuple[date, ...] = ()
    categories: tuple[str, ...] = ()
    places: tuple[tuple[str, ...], ...] = ()
    magnitudes: tuple[float, ...] = ()


class Clusterer:
    """The open incidents and the indexes over them. Not thread-safe: one analysis loop owns it."""

    def __init__(self, config: ClusterConfig | None = None) -> None:
        self.config = config or ClusterConfig()
        self.stats = ClusterStats()
        self._incidents: dict[int, _Incident] = {}
        # term → the keys of the open incidents whose centroid holds it, each once, as an array of
        # 8-byte keys (a set costs some 60 bytes a key, and there are a centroid's terms per open
        # incident), and beside it the term's weight in each (a score reads no centroid); for a
        # term held by far more than max_postings incidents, only how many: such a term finds no
        # candidates (_similar), and the keys come back from the centroids if it becomes rare
        # again (_members).
        self._postings: dict[str, Posting | int] = {}
        self._copies = CopyIndex(max_bucket=self.config.max_bucket)
        self._idle: list[tuple[datetime, int]] = []  # heap of (last_at, key); stale entries skipped
        self._pending: dict[int, ClusterItem] = {}  # pending stories: key -> the one item they hold
        self._paths: dict[tuple[str, ...], tuple[str, ...]] = {}  # each place's path, once (a few thousand)
        # The unit vector of the item assign() last saw: place() and the usual assign-then-add
        # sequence would otherwise normalise the same keywords twice.
        self._last: tuple[ClusterItem | None, dict[str, float]] = (None, {})

    # ------------------------------------------------------------------------------------- queries

    def __len__(self) -> int:
        return len(self._incidents)

    def __contains__(self, key: object) -> bool:
        return key in self._incidents

    def keys(self) -> list[int]:
        """Keys of the open incidents, ascending."""
        return sorted(self._incidents)

    def assign(self, item: ClusterItem) -> Assignment:
        """Decide which open incident ``item`` continues; changes nothing but :attr:`stats`."""
        self.stats.assigned += 1
        copy = self._copies.find(
            item.content_hash,
            item.simhash,
            max_distance=self.config.duplicate_distance,
            accept=lambda key: self._in_window(self._incidents[key], item.published_at),
        )
        if copy is not None:
            if copy.reason == "content_hash":
                self.stats.content_hash += 1
                return Assignment(copy.key, "content_hash", 1.0)
            self.stats.duplicate += 1
            return Assignment(copy.key, "duplicate", 1.0 - copy.distance / 64)
        vector = self._unit_of(item)
        best_key, best = None, 0.0
        for key, score in self._similar(item, vector):
            if score > best or (score == best and best_key is not None and key < best_key):
                best_key, best = key, score
        if best_key is not None and best >= self.config.threshold:
            self.stats.similar += 1
            anchored = best >= self._threshold(item, self._incidents[best_key])
            return Assignment(best_key, f"similar {best:.2f}", best, anchored)
        return Assignment(None, "new", best)

    def summary(self, key: int, *, top: int = 10) -> IncidentSummary:
        """Keywords, places, rules and times of open incident ``key``."""
        incident = self._get(key)
        norm = incident.norm or 1.0
        terms = sorted(zip(incident.terms, incident.weights, strict=True), key=lambda kv: (-kv[1], kv[0]))[:top]
        return IncidentSummary(
            key=key,
            item_count=incident.item_count,
            source_count=len(incident.sources),
            first_at=incident.first_at,
            last_at=incident.last_at,
            top_keywords=tuple((term, weight / norm) for term, weight in terms),
            regions=tuple(sorted(incident.regions, key=lambda r: (-incident.regions[r], r))),
            rule_ids=tuple(sorted(incident.rules)),
        )

    def centroid(self, key: int) -> dict[str, float]:
        """Open incident ``key``'s keyword centroid, unit length (for :func:`representative`)."""
        incident = self._get(key)
        norm = incident.norm or 1.0
        return {term: weight / norm for term, weight in zip(incident.terms, incident.weights, strict=True)}

    # ------------------------------------------------------------------------------------ changes

    def open_incident(self, key: int, item: ClusterItem) -> None:
        """Open incident ``key`` with ``item`` as its first item."""
        if key in self._incidents:
            raise ValueError(f"incident {key} is already open")
        self._incidents[key] = _Incident(key, item.published_at, item.published_at)
        self.stats.opened += 1
        self.add(key, item)

    def add(self, key: int, item: ClusterItem) -> None:
        """Record that ``item`` belongs to open incident ``key``: centroid, indexes, times."""
        incident = self._get(key)
        if not incident.item_count or item.published_at > incident.last_at:
            incident.last_at = max(incident.last_at, item.published_at)
            # One heap entry per change of last_at; expire() skips the entries it outdates, and
            # when they outnumber the live ones the heap is made again from the incidents.
            heapq.heappush(self._idle, (incident.last_at, key))
            if len(self._idle) > 2 * len(self._incidents) + 64:
                self._idle = [(each.last_at, each.key) for each in self._incidents.values()]
                heapq.heapify(self._idle)
        incident.first_at = min(incident.first_at, item.published_at)
        incident.item_count += 1
        incident.sources = _with(incident.sources, intern(item.source_id))
        _count(incident.regions, item.region_words)
        _count(incident.rules, item.rule_ids)
        for day in item.days:
            incident.days = _with(incident.days, day)
        if item.place:  # one tuple for each place, shared by the incidents that name it
            path = self._paths.get(item.place)
            if path is None:
                path = tuple(map(intern, item.place))
                self._paths[path] = path
            incident.places = _with(incident.places, path)
        if item.magnitude is not None:
            incident.magnitudes = _with(incident.magnitudes, item.magnitude)
        if item.category:
            incident.categories = _with(incident.categories, intern(item.category))
        self._copies.add(key, item.content_hash, item.simhash)
        self._merge_centroid(incident, self._unit_of(item))

    def place(self, item: ClusterItem, new_key: Callable[[ClusterItem], int]) -> tuple[int, Assignment]:
        """:meth:`assign` then :meth:`add` or :meth:`open_incident` (key from ``new_key(item)``)."""
        decision = self.assign(item)
        if decision.incident_key is None:
            key = new_key(item)
            self.open_incident(key, item)
            return key, decision
        self.add(decision.incident_key, item)
        return decision.incident_key, decision

    def open_pending(self, key: int, item: ClusterItem) -> None:
        """Hold ``item`` as a pending story under ``key``: it is found like an open incident, but
        it is not one until :meth:`confirm` turns it into one (a weak report waiting for a second).
        """
        self.open_incident(key, item)
        self.stats.opened -= 1
        self._pending[key] = item

    def is_pending(self, key: int) -> bool:
        return key in self._pending

    def pending_item(self, key: int) -> ClusterItem:
        """The item pending story ``key`` holds."""
        return self._pending[key]

    def confirm(self, pending_key: int, key: int) -> ClusterItem:
        """Turn pending story ``pending_key`` into open incident ``key``; returns the item it held."""
        item = self._pending.pop(pending_key)
        self.close(pending_key)
        self.open_incident(key, item)
        return item

    def close(self, key: int) -> None:
        """Forget open incident ``key``: it no longer takes items. Unknown keys are ignored."""
        incident = self._incidents.pop(key, None)
        self._pending.pop(key, None)
        if incident is None:
            return
        for term in incident.terms:
            self._unpost(term, key)
        self._copies.remove(key)

    def rekey(self, old: int, new: int) -> None:
        """Rename open incident ``old`` to ``new`` (a key not in use), all else unchanged: an
        incident placed under a provisional key before its row, and so its id, existed."""
        if new in self._incidents:
            raise ValueError(f"incident {new} is already open")
        incident = self._incidents.pop(old)
        incident.key = new
        self._incidents[new] = incident
        for term in incident.terms:
            posting = self._postings[term]
            if not isinstance(posting, int):
                keys = posting[0]
                keys[keys.index(old)] = new
        self._copies.rekey(old, new)
        heapq.heappush(self._idle, (incident.last_at, new))  # the old key's entry is skipped by expire()
        if old in self._pending:
            self._pending[new] = self._pending.pop(old)

    def expire(self, now: datetime) -> list[int]:
        """Close every incident whose last item is older than ``now - window``; their keys, ascending."""
        horizon = now - self.config.window
        closed: list[int] = []
        while self._idle and self._idle[0][0] < horizon:
            last_at, key = heapq.heappop(self._idle)
            incident = self._incidents.get(key)
            if incident is not None and incident.last_at == last_at:
                self.close(key)
                closed.append(key)
        return sorted(closed)

    def rebuild(self, incidents: Iterable[tuple[int, Sequence[ClusterItem]]]) -> None:
        """Reopen incidents from stored items, replaying each one's items in (published_at, id) order."""
        for key, items in sorted(incidents, key=lambda pair: pair[0]):
            ordered = sorted(items, key=lambda it: (it.published_at, it.item_id))
            if not ordered:
                continue
            self.open_incident(key, ordered[0])
            for item in ordered[1:]:
                self.add(key, item)

    # ----------------------------------------------------------------------------------- internals

    def _get(self, key: int) -> _Incident:
        try:
            return self._incidents[key]
        except KeyError:
            raise NotFoundError(f"incident {key} is not open") from None

    def _unit_of(self, item: ClusterItem) -> dict[str, float]:
        if self._last[0] is not item:
            self._last = (item, _unit(item.keywords))
        return self._last[1]

    def _in_window(self, incident: _Incident, when: datetime) -> bool:
        window = self.config.window
        return incident.first_at - window <= when <= incident.last_at + window

    def _similar(self, item: ClusterItem, vector: dict[str, float]) -> list[tuple[int, float]]:
        """(key, score) of every candidate sharing a not-too-common term with ``vector``."""
        dots: dict[int, float] = {}
        postings: list[array[int]] = []
        common: list[tuple[str, float]] = []
        incidents = self._incidents
        if self.config.incident_idf:
            vector = self._reweight(vector)
        for term, weight in vector.items():
            posting = self._members(term)
            if posting is None:
                common.append((term, weight))
                continue
            keys, held = posting
            postings.append(keys)
            for key, in_centroid in zip(keys, held, strict=True):
                dots[key] = dots.get(key, 0.0) + weight * in_centroid
        shared = Counter(chain.from_iterable(postings))  # terms each candidate shares, counted in C
        self.stats.candidates_scored += len(dots)
        config = self.config
        # A candidate sharing fewer indexed terms than this falls short of min_shared even if it
        # holds every common term: most candidates share one term, and are dropped here at once.
        least = config.min_shared - len(common)
        regions = set(item.region_words)
        scored: list[tuple[int, float]] = []
        for key, dot in dots.items():
            count = shared[key]
            if count < least:
                continue
            incident = incidents[key]
            if not self._in_window(incident, item.published_at):
                continue
            for term, weight in common:
                if term in incident.terms:
                    dot += weight * incident.weights[incident.terms.index(term)]
                    count += 1
            if count < config.min_shared:
                continue
            score = dot / incident.norm
            if item.place and incident.places:
                # Where both say where their event happened, that decides: 汶川 holds a report of the
                # quake felt in 上海 that names 汶川 too; 斐济 and 新西兰 are two quakes.
                if not any(_within(item.place, place) for place in incident.places):
                    score -= config.region_penalty
                elif (regions and incident.regions and regions.isdisjoint(incident.regions)
                      and not any(_within(item.place, place, depth=3) for place in incident.places)):
                    # one province, two of its cities, and not a place name in common: 汕头 and 佛山
                    score -= config.region_penalty
            elif regions and incident.regions:
                if regions.isdisjoint(incident.regions):
                    score -= config.region_penalty
                else:
                    score += config.region_bonus
            if item.days and incident.days and not self._same_day(item.days, incident.days):
                score -= config.day_penalty
            if item.magnitude is not None and incident.magnitudes and min(
                    abs(item.magnitude - m) for m in incident.magnitudes) > config.magnitude_tolerance:
                score -= config.day_penalty  # an aftershock or another quake, not a revised magnitude
            if item.category and incident.categories and item.category not in incident.categories:
                score -= config.category_penalty
            scored.append((key, score))
        return scored

    def _threshold(self, item: ClusterItem, incident: _Incident) -> float:
        if item.region_words or item.place or item.days or not (incident.regions or incident.places or incident.days):
            return self.config.threshold
        return max(self.config.threshold, self.config.unanchored_threshold)

    def _same_day(self, days: Sequence[date], known: Sequence[date]) -> bool:
        tolerance = self.config.day_tolerance
        return any(abs(day - other) <= tolerance for day in days for other in known)

    def _reweight(self, vector: dict[str, float]) -> dict[str, float]:
        # Rarity among the open incidents: a term in many of them (火灾, 地震 on a busy day) says
        # little about which story an item continues. A term in none weighs as one in a single
        # incident, so the scale does not depend on how many incidents happen to be open.
        opened = len(self._incidents) + 1
        power = self.config.incident_idf
        postings = self._postings
        weighted = {}
        for term, weight in vector.items():
            posting = postings.get(term, 0)
            held = posting if isinstance(posting, int) else len(posting[0])
            rarity = 1.0 + math.log(opened / (1 + max(1, held)))
            weighted[term] = weight * rarity**power
        return _unit(weighted)

    def _merge_centroid(self, incident: _Incident, vector: dict[str, float]) -> None:
        incident.scale *= self.config.centroid_decay  # every true weight decays; the stored ones stay
        if incident.scale < _RESCALE:
            self._rescale(incident)
        unit = 1.0 / incident.scale
        old = dict(zip(incident.terms, incident.weights, strict=True))
        merged = old.copy()
        for term, weight in vector.items():
            term = intern(term)  # one string per term across the incidents and the postings
            merged[term] = merged.get(term, 0.0) + weight * unit
        limit = self.config.centroid_terms
        if len(merged) > limit:
            # Sorting by (-weight, term) keeps the cut deterministic when weights tie.
            merged = dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:limit])
        key = incident.key
        for term in old.keys() - merged.keys():
            self._unpost(term, key)
        for term, weight in merged.items():
            if term not in old:
                self._post(term, key, weight)
            elif weight != old[term]:
                self._reweigh(term, key, weight)
        incident.terms = tuple(merged)
        incident.weights = array("d", merged.values())
        incident.norm = math.sqrt(sum(w * w for w in incident.weights))

    def _rescale(self, incident: _Incident) -> None:
        """Fold the scale into the stored weights (and the postings' copies of them)."""
        scale, key = incident.scale, incident.key
        incident.weights = array("d", (weight * scale for weight in incident.weights))
        incident.scale = 1.0
        incident.norm = math.sqrt(sum(w * w for w in incident.weights))
        for term, weight in zip(incident.terms, incident.weights, strict=True):
            self._reweigh(term, key, weight)

    def _post(self, term: str, key: int, weight: float) -> None:
        """Callers post a term only to an incident whose centroid did not hold it."""
        posting = self._postings.get(term)
        if posting is None:
            self._postings[term] = (array("q", (key,)), array("d", (weight,)))
        elif isinstance(posting, int):
            self._postings[term] = posting + 1
        elif len(posting[0]) < 2 * self.config.max_postings:  # twice: a term near the limit is not rebuilt often
            posting[0].append(key)
            posting[1].append(weight)
        else:
            self._postings[term] = len(posting[0]) + 1

    def _reweigh(self, term: str, key: int, weight: float) -> None:
        """The posting's copy of the weight of ``term`` in incident ``key``, changed."""
        posting = self._postings.get(term)
        if posting is not None and not isinstance(posting, int):
            keys, weights = posting
            weights[keys.index(key)] = weight

    def _unpost(self, term: str, key: int) -> None:
        posting = self._postings.get(term)
        if posting is None:
            return
        if isinstance(posting, int):
            if posting > 1:
                self._postings[term] = posting - 1
            else:
                del self._postings[term]
            return
        keys, weights = posting
        with contextlib.suppress(ValueError):
            at = keys.index(key)
            del keys[at], weights[at]
        if not keys:
            del self._postings[term]

    def _members(self, term: str) -> Posting | None:
        """The incidents holding ``term`` and its weight in each, or None when they are more than
        ``max_postings`` (a term too common to find candidates with); empty arrays when none does."""
        posting = self._postings.get(term)
        if posting is None:
            return _NONE
        held = posting if isinstance(posting, int) else len(posting[0])
        if held > self.config.max_postings:
            return None
        if isinstance(posting, int):  # rare again: its keys and weights, from the centroids
            holding = sorted((key, incident.weights[incident.terms.index(term)])
                             for key, incident in self._incidents.items() if term in incident.terms)
            posting = self._postings[term] = (array("q", (key for key, _ in holding)),
                                              array("d", (weight for _, weight in holding)))
        return posting


def _with(values: tuple[Any, ...], value: Any) -> tuple[Any, ...]:
    """``values`` with ``value`` added unless it is there already (a small set as a tuple)."""
    return values if value in values else (*values, value)


def _count(counts: dict[str, int], names: Iterable[str]) -> None:
    """One more item for each of ``names`` (each once, however often the item names it)."""
    for name in set(names):
        name = intern(name)
        counts[name] = counts.get(name, 0) + 1


def _within(a: tuple[str, ...], b: tuple[str, ...], depth: int = 2) -> bool:
    """One place is the other or inside it, down to the province (or the foreign city): one path,
    cut to ``depth``, starts the other. Finer levels are left to the text and the days: a lead
    often names the county where the report names the city, or the city the reporter filed from."""
    n = min(len(a), len(b), depth)
    return a[:n] == b[:n]


def _convert(value: Any, default: Any) -> Any:
    if isinstance(default, timedelta):
        return parse_duration(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(default, int) and value != int(value):
        raise ValueError(f"expected a whole number, got {value!r}")
    return type(default)(value)


def _unit(keywords: Mapping[str, float]) -> dict[str, float]:
    positive = {term: weight for term, weight in keywords.items() if weight > 0}
    norm = math.sqrt(sum(w * w for w in positive.values()))
    return {term: weight / norm for term, weight in positive.items()} if norm else {}
