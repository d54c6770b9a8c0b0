"""The collector contract: every source kind implements :class:`Collector`.

A collector turns one poll of one source into a :class:`CollectOutcome`. It fetches with
:meth:`CollectContext.fetch` (the shared :class:`~sentinel.collect.fetcher.Fetcher`, never its own
client, under the poll's deadline and the source's private-address policy), parses bytes it fetched,
and raises a :class:`~sentinel.errors.CollectError` subclass with a closed ``reason`` when the poll
as a whole failed. Problems with single entries go into ``outcome.problems`` and never fail the poll.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sentinel.collect.types import Listing, RawItem

if TYPE_CHECKING:  # annotations only: the parse workers import this module, and need neither httpx nor settings
    from sentinel.collect.fetcher import Fetcher, Response
    from sentinel.settings import SourceConfig


@dataclass(frozen=True, slots=True)
class Validators:
    """Conditional-GET validators of the source's main URL, as stored after the last success."""

    etag: str | None = None
    last_modified: str | None = None


CpuRunner = Callable[..., Awaitable[Any]]


async def run_inline(fn: Callable[..., Any], *args: Any) -> Any:
    """The default :data:`CpuRunner`: call the function here, on the event loop."""
    return fn(*args)


@dataclass(slots=True)
class CollectContext:
    source: SourceConfig
    fetcher: Fetcher
    now: datetime  # aware UTC, read once by the job
    zone: ZoneInfo  # the source's zone: naive and relative times are read in it
    validators: Validators = field(default_factory=Validators)
    cursor: dict[str, Any] = field(default_factory=dict)  # the kind's own stored position
    cookie: str | None = None  # from the environment variable the source names
    # Which of these external ids are already stored for this source (lets the html collector skip
    # article pages it has, and the weibo collector skip long-text expansion of known posts).
    known: Callable[[Iterable[str]], Awaitable[set[str]]] | None = None
    # Runs a pure, CPU-bound function (a parser: bytes in, values out) where it does not hold up the
    # event loop; the daemon hands in a process pool so parsing uses the machine's other cores.
    cpu: CpuRunner = run_inline
    # The event loop's time by which every request of the poll has ended (None: no deadline).
    deadline: float | None = None

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """GET ``url`` for this source: its configured origin is trusted, anything else is checked."""
        return await self.fetcher.get(
            url, etag=etag, last_modified=last_modified, headers=headers, origin=self.source.url, deadline=self.deadline
        )


@dataclass(slots=True)
class CollectOutcome:
    items: list[RawItem] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (reason, message), survivable
    validators: Validators = field(default_factory=Validators)  # to store with the items
    cursor: dict[str, Any] = field(default_factory=dict)  # to store with the items
    not_modified: bool = False  # a 304: nothing to store, nothing spent
    requests: int = 1
    listing: Listing | None = None  # a hot list's ranks (hotlist sources), stored with the items


class Collector(Protocol):
    kind: str

    async def collect(self, ctx: CollectContext) -> CollectOutcome: ...
