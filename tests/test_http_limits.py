"""The HTTP server's limits: bodies over their route's limit refused before parsing (413), slow
bodies (408) and slow request heads cut off, connections capped, and only allowed Host headers
served (DNS rebinding). The streaming cases run against a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import uvicorn

from sentinel.metrics import Metrics
from sentinel.settings import HttpConfig
from sentinel.web.app import create_app
from sentinel.web.serving import server_config
from tests.support.api import NOW, Api, bearer, running_api

ITEM = {"text": "中原区燃气爆炸" * 20, "published_at": NOW.isoformat()}


def batch(count: int) -> bytes:
    return json.dumps({"source": "crawler", "items": [{"id": f"p{n}", **ITEM} for n in range(count)]}).encode()


@contextmanager
def api_with(database_url: str, monkeypatch: pytest.MonkeyPatch, **http: Any) -> Iterator[Api]:
    """The API in process (TestClient) with ``http`` limits."""
    with running_api(database_url, monkeypatch, http=http) as api:
        yield api


@contextmanager
def live(api: Api) -> Iterator[int]:
    """The same app served by uvicorn, configured as the daemon configures it, on 127.0.0.1:PORT."""
    app = create_app(api.settings, api.database, Metrics(process=False), api.clock)
    server = uvicorn.Server(server_config(app, api.settings.http))
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    port = int(server.servers[0].sockets[0].getsockname()[1])
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def answer_of(sock: socket.socket, timeout: float = 5) -> bytes:
    """What the server sends until it closes the connection (a reset counts as closing)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def push_head(port: int, *, chunked: bool = False, length: int = 0) -> bytes:
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    return (f"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer ingest-secret\r\n"
            f"Content-Type: application/json\r\nConnection: close\r\n{framing}\r\n\r\n").encode()


def stream_chunked(sock: socket.socket, body: bytes, *, piece: int = 4096, pause: float = 0.0) -> bytes:
    """Send ``body`` in chunks until the server answers (then stop, and read the answer)."""
    import select

    sent = 0
    while sent < len(body):
        readable, writable, _ = select.select([sock], [sock], [], 5)
        if readable:
            return answer_of(sock)
        if writable:
            part = body[sent:sent + piece]
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            except (BrokenPipeError, ConnectionResetError):
                return answer_of(sock)
            sent += len(part)
        if pause:
            time.sleep(pause)
    sock.sendall(b"0\r\n\r\n")
    return answer_of(sock)


# -- bodies, in process ---------------------------------------------------------------------------

def test_a_body_over_its_limit_by_content_length_is_413_and_changes_nothing(database_url, monkeypatch) -> None:
    with api_with(database_url, monkeypatch, max_body=2_000, max_push_body=10_000) as api:
        before = api.snapshot()
        body = batch(40)
        assert len(body) > 10_000
        answer = api.client.post("/api/items", content=body, headers={**bearer("ingest"), "Content-Type": "application/json"})
        assert answer.status_code == 413, answer.text
        assert answer.headers["connection"] == "close"
        assert api.snapshot() == before
        # the token is not even looked at: a body without one is refused the same way, unparsed
        assert api.client.post("/api/items", content=body, headers={"Content-Type": "application/json"}).status_code == 413
        # any other route has the smaller limit
        other = api.client.post("/api/requests", content=b'{"x": "' + b"y" * 3_000 + b'"}',
                                headers={**bearer("duty"), "Content-Type": "application/json"})
        assert other.status_code == 413
        assert api.snapshot() == before
        exposition = api.client.get("/metrics").text
        assert 'sentinel_api_requests_total{method="POST",route="unmatched",status="413"} 3.0' in exposition


def test_a_push_batch_under_the_push_limit_but_over_the_form_limit_is_accepted(database_url, monkeypatch) -> None:
    with api_with(database_url, monkeypatch, max_body=2_000, max_push_body=100_000) as api:
        body = batch(20)
        assert 2_000 < len(body) < 100_000
        answer = api.client.post("/api/items", content=body, headers={**bearer("ingest"), "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["new"] == 20


def test_console_forms_are_parsed_with_a_cap_on_fields(database_url, monkeypatch) -> None:
    with api_with(database_url, monkeypatch, max_form_fields=50) as api:
        fields = {f"f{n}": "x" for n in range(60)}
        answer = api.client.post("/login", data=fields, follow_redirects=False)
        assert answer.status_code == 400, answer.text[:300]
        # under the cap the form is read (and refused for its missing CSRF token, as before)
        assert api.client.post("/login", data={"token": "x"}, follow_redirects=False).status_code == 403


# -- Host header ----------------------------------------------------------------------------------

def test_a_wrong_host_gets_400_and_no_metrics(database_url, monkeypatch) -> None:
    with api_with(database_url, monkeypatch) as api:
        for host in ("evil.example", "evil.example:8470", "127.0.0.1.evil.example"):
            answer = api.client.get("/metrics", headers={"Host": host})
            assert answer.status_code == 400, host
            assert "sentinel_" not in answer.text
        assert api.client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
        for host in ("127.0.0.1", "127.0.0.1:8470", "localhost:8470", "LOCALHOST"):
            answer = api.client.get("/metrics", headers={"Host": host})
            assert answer.status_code == 200, host
            assert "sentinel_" in answer.text


@pytest.mark.parametrize(("http", "hosts"), [
    ({"listen": "127.0.0.1:8470"}, ["127.0.0.1", "localhost", "::1"]),
    ({"listen": "0.0.0.0:8470", "public_url": "https://yuqing.example.gov.cn/console"},
     ["localhost", "127.0.0.1", "::1", "yuqing.example.gov.cn"]),
    ({"listen": "10.0.0.5:8470"}, ["10.0.0.5", "localhost", "127.0.0.1", "::1"]),
    ({"listen": "0.0.0.0:8470", "allowed_hosts": ["sentinel.internal", "*.example.org"]},
     ["sentinel.internal", "*.example.org"]),
])
def test_the_hosts_served_by_default_and_when_configured(http: dict[str, Any], hosts: list[str]) -> None:
    assert sorted(HttpConfig.model_validate(http).hosts) == sorted(hosts)


def test_a_bad_host_pattern_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="wildcard"):
        HttpConfig.model_validate({"allowed_hosts": ["evil*.example"]})


# -- a real server --------------------------------------------------------------------------------

def test_a_chunked_body_over_the_limit_is_cut_off_with_413(sqlite_url, monkeypatch) -> None:
    with api_with(sqlite_url, monkeypatch, max_push_body=50_000) as api, live(api) as port:
        before = api.snapshot()
        sock = connect(port)
        sock.sendall(push_head(port, chunked=True))
        answer = stream_chunked(sock, batch(2_000))  # about 1 MB, never sent in full
        assert status_of(answer) == 413, answer[:300]
        assert api.snapshot() == before
        # under the limit, the same framing goes through
        sock = connect(port)
        sock.sendall(push_head(port, chunked=True))
        answer = stream_chunked(sock, batch(20))
        assert status_of(answer) == 200, answer[-300:]


def test_healthz_answers_while_a_large_body_is_refused(sqlite_url, monkeypatch) -> None:
    with api_with(sqlite_url, monkeypatch, max_push_body=1_000_000) as api, live(api) as port:
        refused: dict[str, bytes] = {}

        def big() -> None:
            sock = connect(port)
            sock.sendall(push_head(port, chunked=True))
            refused["answer"] = stream_chunked(sock, b"x" * 3_000_000, piece=65536)

        sender = threading.Thread(target=big)
        sender.start()
        took = []
        for _ in range(5):
            started = time.monotonic()
            sock = connect(port)
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
            assert status_of(answer_of(sock)) == 200
            took.append(time.monotonic() - started)
        sender.join(10)
        assert status_of(refused["answer"]) == 413
        assert max(took) < 0.5, took


def test_a_body_that_does_not_arrive_in_time_is_408(sqlite_url, monkeypatch) -> None:
    with api_with(sqlite_url, monkeypatch, body_timeout=timedelta(seconds=0.5)) as api, live(api) as port:
        sock = connect(port)
        sock.sendall(push_head(port, length=1_000) + b'{"source": ')
        started = time.monotonic()
        assert status_of(answer_of(sock)) == 408
        assert time.monotonic() - started < 3


def test_a_request_head_that_does_not_arrive_in_time_is_dropped(sqlite_url, monkeypatch) -> None:
    with api_with(sqlite_url, monkeypatch, header_timeout=timedelta(seconds=0.5),
                  keep_alive=timedelta(seconds=30)) as api, live(api) as port:
        idle, half = connect(port), connect(port)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0")
        started = time.monotonic()
        assert answer_of(idle) == b"" and answer_of(half) == b""
        assert time.monotonic() - started < 3
        # after an answer, the next head has the same time (uvicorn's keep-alive timer stops at its first byte)
        kept = connect(port)
        kept.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        kept.settimeout(5)
        first = b""
        while not first.endswith(b"}"):  # the whole answer (head and JSON body), the connection kept
            first += kept.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHo")
        assert answer_of(kept) == b""
        assert time.monotonic() - started < 5


def test_connections_beyond_the_cap_are_closed_at_once(sqlite_url, monkeypatch) -> None:
    with api_with(sqlite_url, monkeypatch, max_connections=3, header_timeout=timedelta(seconds=30)) as api, \
            live(api) as port:
        held = [connect(port) for _ in range(2)]
        time.sleep(0.2)  # accepted
        extra = [connect(port) for _ in range(3)]
        started = time.monotonic()
        answers = []
        for sock in extra:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            answers.append(answer_of(sock, timeout=2))
        # the third is at the cap (uvicorn's limit_concurrency answers 503); the others are closed unanswered
        assert status_of(answers[0]) == 503
        assert answers[1:] == [b"", b""]
        assert time.monotonic() - started < 3
        for sock in held:
            sock.close()
        time.sleep(0.2)
        sock = connect(port)
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        assert status_of(answer_of(sock)) == 200


# -- clients behind a reverse proxy ---------------------------------------------------------------

def failed_logins_from(port: int, forwarded_for: str, count: int) -> list[int]:
    """The statuses of ``count`` API calls with a wrong token, said to come from ``forwarded_for``."""
    statuses = []
    for _ in range(count):
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(f"GET /api/incidents HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer wrong\r\n"
                         f"X-Forwarded-For: {forwarded_for}\r\nConnection: close\r\n\r\n".encode())
            statuses.append(status_of(answer_of(sock, timeout=20)))
    return statuses


def test_a_client_cannot_choose_its_address_unless_it_comes_through_a_trusted_proxy(database_url, monkeypatch) -> None:
    # nobody trusted (the default): X-Forwarded-For is ignored, so rotating it does not escape the limit
    with api_with(database_url, monkeypatch) as api, live(api) as port:
        assert failed_logins_from(port, "10.0.0.1", 10) == [401] * 10
        assert failed_logins_from(port, "10.0.0.2", 1) == [429]
    # behind a trusted proxy each client is counted on its own: one person's mistakes lock out nobody else
    with api_with(database_url, monkeypatch, trusted_proxies=["127.0.0.0/8"]) as api, live(api) as port:
        assert failed_logins_from(port, "10.0.0.1", 11) == [401] * 10 + [429]
        assert failed_logins_from(port, "10.0.0.2", 1) == [401]


def test_a_trusted_proxy_is_an_address_or_a_network() -> None:
    assert HttpConfig(trusted_proxies=["127.0.0.1", "172.18.0.0/16", "::1"]).trusted_proxies[1] == "172.18.0.0/16"
    with pytest.raises(ValueError, match="'proxy.example' : a trusted proxy|trusted proxy is an IP"):
        HttpConfig(trusted_proxies=["proxy.example"])
