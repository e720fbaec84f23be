"""SERVICE over real HTTP: an allowlisted partner answers; loopback is refused even when
listed; a redirect from an allowed endpoint is not followed; a slow partner is stopped at the
deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.web import create_app
from tests.http_server import running

OGP = "https://w3id.org/ogp-kg/def/"


class _Tiny(ThreadingHTTPServer):
    daemon_threads = True
    hits: int = 0


def tiny_server(handler: type[BaseHTTPRequestHandler]) -> tuple[_Tiny, str]:
    server = _Tiny(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/sparql"


class Recorder(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.hits += 1  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head":{"vars":[]},"results":{"bindings":[{}]}}')

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


class Slow(Recorder):
    def do_GET(self) -> None:
        time.sleep(20)

    do_POST = do_GET


@pytest.fixture(scope="module")
def partner(built_settings: Settings) -> Iterator[str]:
    """Another endpoint, our own software on the bundled data, as a federation partner."""
    with running(create_app(replace(built_settings, query_workers=1))) as url:
        yield url + "/sparql"


def test_allowlisted_partner_answers_service_queries(built_settings: Settings,
                                                     partner: str) -> None:
    settings = replace(built_settings, query_workers=1, service_allowlist=partner)
    with running(create_app(settings, trusted_services=frozenset({partner}))) as url:
        q = f"SELECT ?plan WHERE {{ SERVICE <{partner}> {{ ?plan a <{OGP}ActionPlan> }} }}"
        r = httpx.get(url + "/sparql", params={"query": q}, timeout=30)
        assert r.status_code == 200, r.text
        assert len(r.json()["results"]["bindings"]) >= 3


def test_loopback_partner_is_refused_even_when_listed(built_settings: Settings,
                                                      partner: str) -> None:
    settings = replace(built_settings, query_workers=1, service_allowlist=partner)
    with running(create_app(settings)) as url:
        q = f"SELECT * WHERE {{ SERVICE <{partner}> {{ ?s ?p ?o }} }}"
        r = httpx.get(url + "/sparql", params={"query": q}, timeout=30)
        assert r.status_code == 400
        assert "loopback" in r.json()["error"]


def test_redirects_from_an_allowed_endpoint_are_not_followed(built_settings: Settings) -> None:
    target, target_url = tiny_server(Recorder)

    class Redirect(Recorder):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target_url)
            self.end_headers()

        do_POST = do_GET

    _, redirect_url = tiny_server(Redirect)
    settings = replace(built_settings, query_workers=1, service_allowlist=redirect_url)
    with running(create_app(settings, trusted_services=frozenset({redirect_url}))) as url:
        q = f"SELECT * WHERE {{ SERVICE <{redirect_url}> {{ ?s ?p ?o }} }}"
        r = httpx.get(url + "/sparql", params={"query": q}, timeout=30)
    assert r.status_code == 502, r.text
    assert target.hits == 0


def test_slow_service_is_stopped_at_the_deadline(built_settings: Settings) -> None:
    _, slow_url = tiny_server(Slow)
    settings = replace(built_settings, query_workers=1, service_allowlist=slow_url)
    with running(create_app(settings, trusted_services=frozenset({slow_url}))) as url:
        q = f"SELECT * WHERE {{ SERVICE <{slow_url}> {{ ?s ?p ?o }} }}"
        t0 = time.monotonic()
        r = httpx.get(url + "/sparql", params={"query": q, "timeout": "1"}, timeout=30)
        assert r.status_code == 503 and r.json()["detail"]["limit"] == "deadline"
        assert time.monotonic() - t0 < 2.0
