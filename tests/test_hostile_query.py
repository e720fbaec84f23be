"""A hostile anonymous client against the read side of a real server (its own process):
malformed parameters, headers and encodings, deep nesting, huge values, odd methods and
content types, on /sparql and on Graph Store reads. Each bad request must get a clear 4xx
with the JSON error body (never a 5xx, never a traceback), nothing may be written, and a good
query sent right after it must be answered correctly."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.served import served
from tests.test_engine_recovery import ended

GOOD = "ASK { ?s ?p ?o }"
PLANS = "SELECT ?p WHERE { ?p a <https://w3id.org/ogp-kg/def/ActionPlan> }"
GRAPH = "https://w3id.org/ogp-kg/graph/"


@dataclass
class Bad:
    """One hostile request: ``method`` ``target`` (path and raw query string) with httpx
    keyword arguments, the status it must get and words its error must hold."""

    name: str
    method: str
    target: str
    status: int
    words: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)


def q(text: str) -> str:
    return quote(text, safe="")


def nested(depth: int, open_: str, close: str, inner: str) -> str:
    return open_ * depth + inner + close * depth


DEEP_PARENS = "SELECT * WHERE { FILTER(" + nested(10_000, "(", ")", "1") + ") }"
DEEP_OPTIONALS = "SELECT * WHERE { " + nested(3_000, "OPTIONAL { ", " }", "?s ?p ?o") + " }"
DEEP_GROUPS = "SELECT * WHERE { " + nested(101, "{ ", " }", "?s ?p ?o") + " }"
DEEP_BNODES = "SELECT * WHERE { ?s ?p " + nested(500, "[ <x:p> ", " ]", "1") + " }"
DEEP_LISTS = "SELECT * WHERE { ?s ?p " + nested(5_000, "(", ")", "1") + " }"
DEEP_EXPR = "SELECT (" + nested(2_000, "(", ")", "1") + " AS ?x) WHERE {}"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SPARQL = {"Content-Type": "application/sparql-query"}

BAD: list[Bad] = [
    # -- dataset parameters that are not absolute IRIs
    *[Bad(f"{param} {label}", "GET", f"/sparql?query={q(GOOD)}&{param}={value}", 400, param)
      for param in ("default-graph-uri", "named-graph-uri")
      for label, value in (("with a space", "a%20b"), ("empty", ""), ("with a newline",
                                                                       "a%0Ab"),
                           ("relative", "passwd"), ("dot-dot", "..%2F..%2Fetc%2Fpasswd"),
                           ("colon alone", "%3A"), ("in angle brackets", "%3Chttp%3A%2F%2Fx%3E"),
                           ("with a NUL", "http%3A%2F%2Fx%2F%00"),
                           ("of 5000 characters", "http%3A%2F%2Fx%2F" + "a" * 5000))],
    Bad("1001 default graphs", "POST", "/sparql", 400, "default-graph-uri",
        {"content": "query=" + q(GOOD) + "&default-graph-uri=http%3A%2F%2Fx%2F" * 1001,
         "headers": FORM}),
    Bad("bad dataset IRI in a form body", "POST", "/sparql", 400, "named-graph-uri",
        {"content": f"query={q(GOOD)}&named-graph-uri=a+b", "headers": FORM}),
    # -- encodings
    Bad("query not UTF-8 once decoded", "GET", "/sparql?query=ASK%7B%7D%23%FF", 400, "UTF-8"),
    Bad("overlong UTF-8", "GET", "/sparql?query=ASK%7B%7D%23%C0%AF", 400, "UTF-8"),
    Bad("lone surrogate as UTF-8", "GET", "/sparql?query=ASK%7B%7D%23%ED%A0%80", 400, "UTF-8"),
    Bad("parameter name not UTF-8", "GET", f"/sparql?query={q(GOOD)}&%FF=1", 400, "UTF-8"),
    Bad("dataset IRI not UTF-8", "GET", f"/sparql?query={q(GOOD)}&default-graph-uri=%FF", 400,
        "UTF-8"),
    Bad("form body not UTF-8 once decoded", "POST", "/sparql", 400, "UTF-8",
        {"content": "query=ASK%7B%7D%23%FF", "headers": FORM}),
    Bad("raw form body not UTF-8", "POST", "/sparql", 400, "UTF-8",
        {"content": b"query=ASK{}#\xff", "headers": FORM}),
    Bad("query body not UTF-8", "POST", "/sparql", 400, "UTF-8",
        {"content": b"ASK {} #\xfe\xff", "headers": SPARQL}),
    Bad("UTF-16 query body", "POST", "/sparql", 400, "UTF-8",
        {"content": GOOD.encode("utf-16"), "headers": SPARQL}),
    # -- nesting
    Bad("10,000 nested parentheses", "POST", "/sparql", 400, "max_query_depth",
        {"content": DEEP_PARENS, "headers": SPARQL}),
    Bad("3,000 nested OPTIONALs", "POST", "/sparql", 400, "max_query_depth",
        {"content": DEEP_OPTIONALS, "headers": SPARQL}),
    Bad("101 nested groups", "GET", f"/sparql?query={q(DEEP_GROUPS)}", 400, "max_query_depth"),
    Bad("500 nested blank nodes", "POST", "/sparql", 400, "max_query_depth",
        {"content": DEEP_BNODES, "headers": SPARQL}),
    Bad("5,000 nested collections", "POST", "/sparql", 400, "max_query_depth",
        {"content": DEEP_LISTS, "headers": SPARQL}),
    Bad("2,000 nested expressions in a form", "POST", "/sparql", 400, "max_query_depth",
        {"content": "query=" + q(DEEP_EXPR), "headers": FORM}),
    # -- sizes
    Bad("query over the size limit", "POST", "/sparql", 413, "limit",
        {"content": GOOD + " #" + "x" * 100_001, "headers": SPARQL}),
    # -- parameters
    Bad("no query", "GET", "/sparql?format=json", 400, "missing"),
    Bad("empty query", "GET", "/sparql?query=", 400, "missing"),
    Bad("blank query", "GET", "/sparql?query=%20%0A%09", 400, "missing"),
    Bad("query twice", "GET", f"/sparql?query={q(GOOD)}&query={q(GOOD)}", 400,
        "more than once"),
    Bad("query in the URL and the form", "POST", f"/sparql?query={q(GOOD)}", 400,
        "more than once", {"content": f"query={q(GOOD)}", "headers": FORM}),
    Bad("an update on the query endpoint", "GET", "/sparql?query=" + q("CLEAR ALL"), 400,
        "update"),
    Bad("an update parameter", "GET", "/sparql?update=" + q("DROP ALL"), 400, "update"),
    Bad("update body on the query endpoint", "POST", "/sparql", 400, "update",
        {"content": "DROP ALL", "headers": {"Content-Type": "application/sparql-update"}}),
    Bad("unknown format", "GET", f"/sparql?query={q(GOOD)}&format=exe", 400, "format"),
    Bad("formats that disagree", "GET", f"/sparql?query={q(GOOD)}&format=csv&output=xml", 400,
        "disagree"),
    Bad("negative timeout", "GET", f"/sparql?query={q(GOOD)}&timeout=-1", 400, "timeout"),
    Bad("timeout not a number", "GET", f"/sparql?query={q(GOOD)}&timeout=1s", 400, "timeout"),
    Bad("timeout twice", "GET", f"/sparql?query={q(GOOD)}&timeout=1&timeout=2", 400,
        "more than once"),
    # -- query texts
    Bad("syntax error", "GET", "/sparql?query=" + q("SELECT * WHERE { ?s ?p }"), 400, "query"),
    Bad("NUL in the query", "GET", "/sparql?query=ASK%20%7B%00%7D", 400, "query"),
    Bad("unterminated string", "GET", "/sparql?query=" + q('ASK { ?s ?p "x }'), 400, "query"),
    Bad("unbound prefix", "GET", "/sparql?query=" + q("ASK { ?s a ex:T }"), 400, "ex"),
    Bad("SERVICE to loopback", "GET", "/sparql?query="
        + q("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"), 400,
        "loopback"),
    Bad("SERVICE to a metadata address", "GET", "/sparql?query="
        + q("SELECT * WHERE { SERVICE <http://169.254.169.254/latest> { ?s ?p ?o } }"), 400,
        "link-local"),
    # -- headers and content types
    Bad("nothing acceptable", "GET", f"/sparql?query={q(GOOD)}", 406, "available",
        {"headers": {"Accept": "image/png"}}),
    Bad("everything at q=0", "GET", f"/sparql?query={q(GOOD)}", 406, "available",
        {"headers": {"Accept": "*/*;q=0"}}),
    Bad("a quality that is not a number", "GET", f"/sparql?query={q(GOOD)}", 406, "available",
        {"headers": {"Accept": "*/*;q=abc"}}),
    Bad("graph result, only result types accepted", "GET", "/sparql?query="
        + q("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"), 406, "available",
        {"headers": {"Accept": "application/sparql-results+json"}}),
    Bad("no Content-Type", "POST", "/sparql", 415, "Content-Type", {"content": GOOD}),
    Bad("text/plain body", "POST", "/sparql", 415, "Content-Type",
        {"content": GOOD, "headers": {"Content-Type": "text/plain"}}),
    Bad("multipart body", "POST", "/sparql", 415, "Content-Type",
        {"files": {"query": ("q.rq", GOOD)}}),
    Bad("JSON body", "POST", "/sparql", 415, "Content-Type",
        {"json": {"query": GOOD}}),
    Bad("empty query body", "POST", "/sparql", 400, "missing",
        {"content": b"", "headers": SPARQL}),
    # -- odd methods
    *[Bad(f"{method} on /sparql", method, f"/sparql?query={q(GOOD)}", 405, "not allowed")
      for method in ("PUT", "DELETE", "PATCH", "TRACE")],
    Bad("PROPFIND on the graph store", "PROPFIND", "/graph-store?default", 405,
        "not allowed"),
    # -- Graph Store reads
    *[Bad(f"graph store: {label}", method, f"/graph-store?graph={value}", 400, "graph")
      for method in ("GET", "HEAD")
      for label, value in (("passwd", "passwd"), ("dot-dot", "..%2F..%2Fetc%2Fpasswd"),
                           ("colon", "%3A"), ("empty", ""), ("space", "http%3A%2F%2Fx%2Fa%20b"))],
    Bad("graph store: not UTF-8", "GET", "/graph-store?graph=http%3A%2F%2Fx%2F%FF", 400,
        "UTF-8"),
    Bad("graph store: graph twice", "GET", f"/graph-store?graph={q(GRAPH)}a&graph={q(GRAPH)}b",
        400, "more than once"),
    Bad("graph store: graph and default", "GET", f"/graph-store?graph={q(GRAPH)}a&default",
        400, "not both"),
    Bad("graph store: neither", "GET", "/graph-store", 400, "graph"),
    Bad("graph store: unknown graph", "GET", f"/graph-store?graph={q(GRAPH)}nothing-here",
        404, "no graph"),
    Bad("graph store: javascript IRI", "GET", "/graph-store?graph=javascript%3Aalert(1)", 404,
        "no graph"),
    Bad("graph store: nothing acceptable", "GET", "/graph-store?default", 406, "available",
        {"headers": {"Accept": "image/png"}}),
]


@pytest.fixture(scope="module")
def running(built_dir: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[str, int]]:
    with served(built_dir, tmp_path_factory.mktemp("hostile"), query_workers=2,
                query_timeout_s=5) as url_and_pid:
        yield url_and_pid


@pytest.fixture(scope="module")
def server(running: tuple[str, int]) -> str:
    return running[0]


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture(scope="module")
def version(client: httpx.Client) -> int:
    return int(client.get("/health").json()["version"])


def check_healthy(client: httpx.Client, version: int) -> None:
    """A good query right after: answered, correct, and the data version unchanged."""
    r = client.get("/sparql", params={"query": GOOD})
    assert r.status_code == 200, r.text
    assert r.json()["boolean"] is True
    assert int(r.headers["x-data-version"]) == version


def check_error(r: httpx.Response, bad: Bad) -> None:
    assert r.status_code == bad.status, (bad.name, r.status_code, r.text[:300])
    if bad.method == "HEAD":
        return
    assert r.headers["content-type"].startswith("application/json"), (bad.name, r.headers)
    body = r.json()
    assert body["status"] == bad.status and isinstance(body["detail"], dict), body
    assert bad.words.lower() in body["error"].lower(), (bad.name, body["error"])
    assert "Traceback" not in r.text and 'File "' not in r.text


def test_there_are_at_least_sixty_hostile_requests() -> None:
    assert len(BAD) >= 60


@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_hostile_request_gets_a_clear_4xx_and_the_server_stays_healthy(
        client: httpx.Client, version: int, bad: Bad) -> None:
    path, _, query = bad.target.partition("?")
    url = httpx.URL(client.base_url.join(path), query=query.encode())
    r = client.request(bad.method, url, **bad.kwargs)
    check_error(r, bad)
    check_healthy(client, version)


def test_malformed_dataset_iri_is_named_with_its_value(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": GOOD, "default-graph-uri": "a b"})
    assert r.status_code == 400
    assert r.json()["detail"] == {"parameter": "default-graph-uri", "value": "a b"}
    assert "'default-graph-uri'" in r.json()["error"] and "'a b'" in r.json()["error"]


def test_nesting_error_names_the_limit_and_the_place(client: httpx.Client) -> None:
    r = client.post("/sparql", content=DEEP_PARENS, headers=SPARQL)
    detail = r.json()["detail"]
    assert detail["limit"] == "nesting" and detail["max_depth"] == 100
    # depth 1 is the group's brace, 2 FILTER's parenthesis: the 99th one inside goes past
    assert detail["line"] == 1 and detail["column"] == len("SELECT * WHERE { FILTER(") + 99


def raw(server: str, request: bytes) -> bytes:
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize("request_bytes", [
    b"FOO /sparql HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
    b"GET /sparql?query=ASK{\xff} HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /sparql HTTP/9.9\r\nHost: x\r\n\r\n",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
], ids=["unknown method", "header without colon", "raw byte in the URL", "HTTP/9.9",
        "two Content-Lengths", "bad chunk size"])
def test_requests_the_http_parser_refuses_get_the_json_400(
        server: str, client: httpx.Client, version: int, request_bytes: bytes) -> None:
    reply = raw(server, request_bytes)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), reply[:300]
    assert b"content-type: application/json" in head.lower()
    assert httpx.Response(400, content=body).json()["status"] == 400
    check_healthy(client, version)


def test_hostile_but_harmless_headers_are_answered(client: httpx.Client, version: int) -> None:
    for headers in ({"Accept": "!!!, ;;;"}, {"Accept": "x" * 20_000},
                    {"If-None-Match": "\"" * 500}, {"If-Modified-Since": "yesterday"},
                    {"Accept-Encoding": "gzip;q=abc, br;q=-1"},
                    {"X-Forwarded-For": "1.2.3.4, <script>"}, {"Accept-Language": "ar" * 500},
                    {"Origin": "null"}, {"Cookie": "a=" + "b" * 4000}):
        r = client.get("/sparql", params={"query": PLANS}, headers=headers)
        assert r.status_code == 200, (headers, r.text[:200])
        assert r.json()["results"]["bindings"]
    check_healthy(client, version)


def test_a_long_run_of_prefix_operators_is_refused_like_deep_brackets(
        client: httpx.Client, version: int) -> None:
    r = client.post("/sparql", content="SELECT * WHERE { FILTER(" + "!" * 50_000 + "true) }",
                    headers=SPARQL)
    assert r.status_code == 400 and r.json()["detail"]["limit"] == "nesting"
    check_healthy(client, version)


def children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir()
            for c in (task / "children").read_text().split()]


def test_workers_killed_while_idle_are_never_given_a_query(
        running: tuple[str, int], client: httpx.Client, version: int) -> None:
    workers = children(running[1])
    assert len(workers) == 2
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    while not all(ended(pid) for pid in workers):
        time.sleep(0.001)
    for _ in range(5):
        check_healthy(client, version)


@pytest.mark.parametrize("request_bytes", [
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000_000
    + b"\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D%23" + b"a" * 2_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-H%d: v\r\n" % i for i in range(100_000)) + b"\r\n",
], ids=["a 10 MB header", "a 2 MB URL", "100,000 headers"])
def test_oversized_request_heads_get_431(server: str, client: httpx.Client, version: int,
                                         request_bytes: bytes) -> None:
    try:
        reply = raw(server, request_bytes)
    except (BrokenPipeError, ConnectionResetError):  # closed while we were still sending
        reply = b""
    if reply:
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 431"), reply[:300]
        assert httpx.Response(431, content=body).json()["detail"]["limit"] == "header_bytes"
    check_healthy(client, version)


def test_a_url_too_long_for_the_parser_gets_414_pointing_to_post(
        server: str, client: httpx.Client, version: int) -> None:
    query = GOOD + " #" + "é" * 15_000  # 30 kB of UTF-8, 90 kB percent-encoded
    reply = raw(server, b"GET /sparql?query=" + q(query).encode()
                + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414"), reply[:300]
    assert "POST" in httpx.Response(414, content=body).json()["error"]
    check_healthy(client, version)
    r = client.post("/sparql", content=query, headers=SPARQL)  # the same query by POST
    assert r.status_code == 200 and r.json()["boolean"] is True
