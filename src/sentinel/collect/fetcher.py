"""One shared HTTP client for every source.

The fetcher owns everything about talking HTTP politely and safely: connect and read timeouts, a
body-size cap (the body is streamed and cut off, never read whole first), bounded redirects,
conditional GET, ``Retry-After`` on 429/503, a per-host concurrency limit, a deadline for the whole
request (a server that drips one byte at a time never holds it longer), and the private-address
policy of :mod:`sentinel.collect.guard` on every hop. It never retries by itself: a failed poll is
rescheduled with backoff by the scheduler (:mod:`sentinel.collect.schedule`), so one bad source
costs one request.
"""

from __future__ import annotations

import asyncio
import zlib
from contextlib import nullcontext
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

from sentinel.collect.guard import TRUSTED_ORIGIN, Resolver, guarded_transport, origin_of
from sentinel.errors import FetchError
from sentinel.httputil import retry_after_seconds
from sentinel.settings import CollectConfig


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # after redirects
    status: int
    headers: httpx.Headers
    content: bytes
    elapsed: float

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class Fetcher:
    """``await fetcher.get(url)``: a :class:`Response`, or a :class:`FetchError` with a closed reason."""

    def __init__(
        self,
        config: CollectConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        """``transport`` replaces the network (tests); ``resolver`` the DNS lookups of checked requests."""
        self.config = config or CollectConfig()
        cfg = self.config
        limits = httpx.Limits(max_connections=cfg.concurrency * 2, max_keepalive_connections=cfg.concurrency)
        if transport is None and not cfg.allow_private_links:
            transport = guarded_transport(limits, allow=cfg.allow_networks, resolver=resolver)
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(
                connect=cfg.connect_timeout.total_seconds(),
                read=cfg.read_timeout.total_seconds(),
                write=cfg.read_timeout.total_seconds(),
                pool=cfg.read_timeout.total_seconds() * 4,
            ),
            limits=limits,
            follow_redirects=True,
            max_redirects=cfg.max_redirects,
            headers={"User-Agent": cfg.user_agent},
            trust_env=False,
        )
        self._host_slots: dict[str, asyncio.Semaphore] = {}

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: dict[str, str] | None = None,
        origin: str | None = None,
        deadline: float | None = None,
    ) -> Response:
        """GET ``url``, following redirects.

        ``origin`` is the configured URL of the source the request is for: a hop to its origin
        (scheme, host and port) goes out whatever its address; any other hop, of this request or a
        redirect, may reach only public addresses (:mod:`sentinel.collect.guard`). ``deadline`` (the
        event loop's clock) ends the request with a ``timeout`` however the server paces its answer.
        """
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        host = urlsplit(url).netloc.lower()
        slot = self._host_slots.setdefault(host, asyncio.Semaphore(self.config.per_host))
        trusted = origin_of(origin) if origin is not None else None
        extensions: dict[str, object] = {TRUSTED_ORIGIN: trusted} if trusted is not None else {}
        try:
            async with asyncio.timeout_at(deadline) if deadline is not None else nullcontext():
                async with slot:
                    return await self._get(url, request_headers, extensions)
        except TimeoutError:
            raise FetchError("timeout", f"the poll's deadline passed while fetching {url}") from None

    async def _get(self, url: str, headers: dict[str, str], extensions: dict[str, object]) -> Response:
        cap = self.config.max_body
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with self._client.stream("GET", url, headers=headers, extensions=extensions) as reply:
                if reply.status_code in (429, 503):
                    raise FetchError(
                        "rate_limited",
                        f"HTTP {reply.status_code} from {url}",
                        retry_after=parse_retry_after(reply.headers.get("retry-after"), reply.headers),
                        status=reply.status_code,
                    )
                if reply.status_code == 432:
                    # Weibo's "blocked" status; collectors that know it turn it into SourceBlocked.
                    raise FetchError("blocked", f"HTTP 432 from {url}", status=432)
                if 400 <= reply.status_code < 500:
                    raise FetchError("http_4xx", f"HTTP {reply.status_code} from {url}", status=reply.status_code)
                if reply.status_code >= 500:
                    raise FetchError("http_5xx", f"HTTP {reply.status_code} from {url}", status=reply.status_code)
                declared = reply.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > cap:
                    raise FetchError("too_large", f"{url} declares {declared} bytes, over the cap of {cap}")
                raw = await _read_capped(reply, cap, url)
                content = _decode_transfer(raw, reply.headers.get("content-encoding"), cap, url)
                return Response(
                    url=str(reply.url),
                    status=reply.status_code,
                    headers=reply.headers,
                    content=content,
                    elapsed=loop.time() - started,
                )
        except FetchError:
            raise
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"{type(exc).__name__} fetching {url}") from None
        except httpx.TooManyRedirects:
            raise FetchError("too_many_redirects", f"more than {self.config.max_redirects} redirects from {url}") from None
        except httpx.ConnectError as exc:
            raise FetchError("connect", f"cannot connect to {url}: {exc}") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            raise FetchError("reset", f"connection broken fetching {url}: {exc}") from None
        except httpx.DecodingError as exc:
            raise FetchError("malformed", f"cannot decode the body of {url}: {exc}") from None
        except httpx.InvalidURL as exc:
            raise FetchError("http_4xx", f"invalid URL {url!r}: {exc}") from None
        except httpx.UnsupportedProtocol as exc:  # a link or redirect to file:, ftp:, gopher: ...
            raise FetchError("private_address", f"refusing a non-HTTP URL from {url}: {exc}") from None
        except httpx.HTTPError as exc:
            raise FetchError("internal", f"{type(exc).__name__} fetching {url}: {exc}") from None


async def _read_capped(reply: httpx.Response, cap: int, url: str) -> bytes:
    if reply.is_stream_consumed:  # a transport that hands over a body already read (MockTransport)
        raw = reply.content
        if len(raw) > cap:
            raise FetchError("too_large", f"{url} sent more than the cap of {cap} bytes")
        return raw
    chunks: list[bytes] = []
    size = 0
    async for chunk in reply.aiter_raw():
        size += len(chunk)
        if size > cap:
            raise FetchError("too_large", f"{url} sent more than the cap of {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decode_transfer(raw: bytes, encoding: str | None, cap: int, url: str) -> bytes:
    """Undo Content-Encoding on bytes read raw, keeping the cap on the decoded size (zip bombs)."""
    if not encoding or encoding.strip().lower() in ("identity", ""):
        return raw
    name = encoding.strip().lower()
    if name in ("gzip", "x-gzip", "deflate"):
        wbits = 16 + zlib.MAX_WBITS if "gzip" in name else zlib.MAX_WBITS
        decoder = zlib.decompressobj(wbits)
        try:
            out = decoder.decompress(raw, cap + 1)
        except zlib.error:
            if name == "deflate":  # some servers send raw deflate without the zlib header
                try:
                    out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, cap + 1)
                except zlib.error as exc:
                    raise FetchError("malformed", f"bad {name} body from {url}: {exc}") from None
            else:
                raise FetchError("malformed", f"bad {name} body from {url}") from None
        if len(out) > cap:
            raise FetchError("too_large", f"{url} decompresses to more than the cap of {cap} bytes")
        return out
    raise FetchError("malformed", f"unsupported Content-Encoding {encoding!r} from {url}")


def parse_retry_after(value: str | None, headers: httpx.Headers | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, an HTTP date measured from the reply's ``Date``."""
    sent = headers.get("date") if headers is not None else None
    try:
        since = parsedate_to_datetime(sent) if sent else None
    except (TypeError, ValueError):
        since = None
    return retry_after_seconds(value, since=since)
