"""Where the fetcher may connect: every hop of every request is checked, and the connection goes to
the address that was checked.

A source's configured URL names an origin (scheme, host and port) that the operator chose; it may be
on a private network (an intranet CMS, a mirror, a test server), and requests to that origin go out
as they are. Every other request — an article link, a Weibo long-text URL, a redirect from any of
them or from the configured URL to another origin — goes through a second connection pool whose
network backend resolves the host once, refuses it when any of its addresses is not public
(loopback, private, link-local such as ``169.254.169.254``, shared CGNAT space, multicast, reserved)
unless a configured network allows it, and connects to an address it checked: no second DNS lookup
can rebind the name between the check and the connection. A pooled connection is reused only by
requests routed to the same pool, so a connection opened for a trusted origin never carries an
unchecked request.

The routing reads the trusted origin from a request extension (:data:`TRUSTED_ORIGIN`), which httpx
carries over to every redirect it follows.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

import anyio
import httpcore
import httpx

from sentinel.errors import FetchError

#: The request extension naming the origin a request may reach whatever its address.
TRUSTED_ORIGIN = "sentinel.trusted_origin"

Origin = tuple[str, str, int]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
#: ``await resolver(host, port)``: the addresses a connection to ``host`` may use.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | httpx.URL) -> Origin | None:
    """``(scheme, host, port)`` of an http(s) URL, the port filled in; None for anything else."""
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else url
    except httpx.InvalidURL:
        return None
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parsed.host:
        return None
    return scheme, parsed.host.lower(), parsed.port or _DEFAULT_PORTS[scheme]


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses an unchecked request may connect to: public ones, and ``allowed`` networks."""

    allowed: tuple[Network, ...] = ()

    @classmethod
    def of(cls, networks: Iterable[str]) -> AddressPolicy:
        return cls(tuple(ipaddress.ip_network(network, strict=False) for network in networks))

    def permits(self, address: str) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone id is not part of the address
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if any(ip in network for network in self.allowed):
            return True
        return ip.is_global and not ip.is_multicast


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for ``host``, in its order, without repeats."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend that resolves once, checks, and connects to a checked address."""

    def __init__(
        self, policy: AddressPolicy, resolver: Resolver | None = None, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._policy = policy
        self._resolve = resolver or system_resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._resolve(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout}s") from None
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        refused = [address for address in addresses if not self._policy.permits(address)]
        if refused or not addresses:
            raise FetchError(
                "private_address", f"refusing {host}: it resolves to a private address ({', '.join(refused) or 'none'})"
            )
        failure: Exception | None = None
        for address in addresses:  # the checked addresses, never the name again
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchError("private_address", "refusing a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class OriginRouter(httpx.AsyncBaseTransport):
    """Sends a request for its trusted origin through ``trusted``, any other through ``checked``."""

    def __init__(self, trusted: httpx.AsyncBaseTransport, checked: httpx.AsyncBaseTransport) -> None:
        self._trusted = trusted
        self._checked = checked

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = origin_of(request.url)
        if target is None:
            raise FetchError("private_address", f"refusing a request to {request.url.scheme}: {request.url}")
        trusted = request.extensions.get(TRUSTED_ORIGIN)
        transport = self._trusted if trusted is not None and target == trusted else self._checked
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._trusted.aclose()
        await self._checked.aclose()


def guarded_transport(
    limits: httpx.Limits, *, allow: Sequence[str] = (), resolver: Resolver | None = None
) -> OriginRouter:
    """The fetcher's transport: a plain pool for trusted origins, a pinned and checked one for the rest."""
    trusted = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    checked = httpx.AsyncHTTPTransport(limits=limits, trust_env=False)
    # httpx takes no network backend, so its pool is replaced by one built the same way with ours;
    # tests/collect/test_guard.py fails if httpx stops using it (a rebinding name would get through).
    checked._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedBackend(AddressPolicy.of(allow), resolver),
    )
    return OriginRouter(trusted, checked)
