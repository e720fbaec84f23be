"""Read timeouts against slowloris-style clients, over raw sockets against a real server: a
connection that never sends a request, one that sends its headers or its body a byte at a
time, and many of them at once, while a polite client keeps being served."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.served import served

IDLE, HEADER, BODY = 1.0, 2.0, 2.0


@pytest.fixture(scope="module")
def server(built_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served(built_dir, tmp_path_factory.mktemp("timeouts"), query_workers=2,
                read_idle_timeout_s=IDLE, read_header_timeout_s=HEADER,
                read_body_timeout_s=BODY) as (url, _):
        yield url


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def drip(sock: socket.socket, data: bytes, every: float, until: float) -> bytes:
    """Send ``data`` a byte every ``every`` seconds until the server answers or closes, or
    ``until`` seconds pass; returns what the server sent."""
    sock.settimeout(every)
    end = time.monotonic() + until
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        try:
            got = sock.recv(65536)
            return got + read_rest(sock)
        except TimeoutError:
            pass
        except ConnectionResetError:
            return b""
        if time.monotonic() > end:
            break
    return read_rest(sock)


def read_rest(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def body_of(reply: bytes) -> dict:
    return json.loads(reply.split(b"\r\n\r\n", 1)[1])


def test_a_connection_that_never_sends_a_request_is_closed(server: str) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.settimeout(IDLE + 5)
        assert sock.recv(1) == b""  # closed by the server
        assert time.monotonic() - started < IDLE + 1.5


def test_headers_sent_a_byte_at_a_time_get_408(server: str) -> None:
    request = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    with connect(server) as sock:
        started = time.monotonic()
        reply = drip(sock, request, 0.25, HEADER + 5)
        took = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    body = body_of(reply)
    assert body["status"] == 408 and body["detail"]["limit"] == "read_header_timeout_s"
    assert took < HEADER + 1.5


def test_a_body_sent_a_byte_at_a_time_gets_408(server: str) -> None:
    query = b"ASK { ?s ?p ?o }" + b" " * 200
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: %d\r\n\r\n" % len(query))
    with connect(server) as sock:
        sock.sendall(head)
        started = time.monotonic()
        reply = drip(sock, query, 0.25, BODY + 5)
        took = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert body_of(reply)["detail"]["limit"] == "read_body_timeout_s"
    assert took < BODY + 1.5


def test_a_slow_but_steady_request_within_the_time_is_answered(server: str) -> None:
    request = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with connect(server) as sock:
        for i in range(0, len(request), 8):  # the whole request in about a second
            sock.sendall(request[i:i + 8])
            time.sleep(0.1)
        reply = read_rest(sock)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]


def test_many_slow_connections_do_not_starve_a_polite_client(server: str) -> None:
    socks = [connect(server) for _ in range(200)]
    try:
        for s in socks:
            s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: a")
        latencies = []
        with httpx.Client(base_url=server, timeout=10) as c:
            for _ in range(20):
                t0 = time.perf_counter()
                assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200
                latencies.append(time.perf_counter() - t0)
        assert max(latencies) < 1.0
        time.sleep(HEADER + 1.0)
        closed = 0
        for s in socks:
            s.settimeout(2)
            try:
                reply = s.recv(65536)
                closed += reply.startswith(b"HTTP/1.1 408") or reply == b""
            except (TimeoutError, ConnectionResetError):
                pass
        assert closed == len(socks)
    finally:
        for s in socks:
            s.close()
