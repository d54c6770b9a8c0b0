"""One shared HTTP client for every source.

The fetcher owns everything about talking HTTP politely and safely: connect and read timeouts, a
body-size cap (the body is streamed and cut off, never read whole first), bounded redirects,
conditional GET, ``Retry-After`` on 429/503, a per-host concurrency limit, and refusing links found
in content that point at private addresses. It never retries by itself: a failed poll is rescheduled
with backoff by the scheduler (:mod:`sentinel.collect.schedule`), so one bad source costs one request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx

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
    ) -> None:
        self.config = config or CollectConfig()
        cfg = self.config
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(
                connect=cfg.connect_timeout.total_seconds(),
                read=cfg.read_timeout.total_seconds(),
                write=cfg.read_timeout.total_seconds(),
                pool=cfg.read_timeout.total_seconds() * 4,
            ),
            limits=httpx.Limits(max_connections=cfg.concurrency * 2, max_keepalive_connections=cfg.concurrency),
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
        trusted_origin: str | None = None,
    ) -> Response:
        """GET ``url``.

        ``trusted_origin`` marks a link found in content (an article link, a long-text URL): it may
        be fetched only from that configured origin, or from an address that is not private.
        """
        if trusted_origin is not None and not self.config.allow_private_links:
            await _refuse_private(url, trusted_origin)
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        host = urlsplit(url).netloc.lower()
        slot = self._host_slots.setdefault(host, asyncio.Semaphore(self.config.per_host))
        async with slot:
            return await self._get(url, request_headers)

    async def _get(self, url: str, headers: dict[str, str]) -> Response:
        cap = self.config.max_body
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with self._client.stream("GET", url, headers=headers) as reply:
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
    import zlib

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


def is_private_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified


async def _refuse_private(url: str, trusted_origin: str) -> None:
    target = urlsplit(url)
    origin = urlsplit(trusted_origin)
    if target.scheme not in ("http", "https"):
        raise FetchError("private_address", f"refusing non-HTTP link {url!r}")
    if (target.scheme, target.netloc.lower()) == (origin.scheme, origin.netloc.lower()):
        return  # the configured source's own origin is trusted
    host = target.hostname or ""
    try:
        addresses = [host] if _is_ip(host) else await _resolve(host)
    except OSError as exc:
        raise FetchError("connect", f"cannot resolve {host!r}: {exc}") from None
    if any(is_private_address(address) for address in addresses):
        raise FetchError("private_address", f"refusing link to a private address: {url}")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _resolve(host: str) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]
