"""An adversarial corpus against the write gate and the query path, over real HTTP, with a
loopback canary listener.

Each text tries to get around the policy by being read one way by a lexer and another by the
store: line breaks and comment ends of every kind, ``\\u``/``\\U`` escapes in strings, IRIs,
prefixed names and keywords, BASE and PREFIX tricks, odd separators between operations, very
long and deeply nested texts. Whatever the text, the outcome must be one the policy allows:
a clear 4xx, or a write that only changes contribution graphs and conforms. The canary — a
TCP listener on 127.0.0.1 that every disguised ``LOAD`` and ``SERVICE`` points at — must see
no connection, and afterwards the store must still conform, hold the repository's graphs
unchanged and keep its default graph equal to the union of the named graphs.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.validation.validate import validate
from ogpkg.web import create_app
from tests.conftest import TOKEN
from tests.http_server import running

AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
G = "https://w3id.org/ogp-kg/graph/contribution/adversarial"
M = "https://w3id.org/ogp-kg/graph/ontology/ogp"
P = "https://w3id.org/ogp-kg/id/person/ZZ-ADV-1"
NAME = "http://xmlns.com/foaf/0.1/name"
PERSON = "http://xmlns.com/foaf/0.1/Person"
GOOD = f'<{P}> a <{PERSON}> ; <{NAME}> "Adversarial Person" .'
BAD = f"<{P}> a <{PERSON}> ."  # a person without a name: a violation


class Canary:
    """A TCP listener that counts the connections it is offered."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    #: what the policy allows: "refused" (a 4xx, or a 2xx that writes nothing — e.g. a text
    #: the store reads as a comment) or "may-write" (also a write that changes only
    #: contribution graphs and conforms)
    allowed: str = "refused"


def update_corpus(c: str, port: int) -> list[Case]:
    """Update texts; ``c`` is the canary's URL."""
    ins = f'INSERT DATA {{ GRAPH <{G}> {{ {GOOD} }} }}'
    long = "x" * 60_000
    nested = "(" * 400 + "1" + ")" * 400
    return [
        # LOAD, however spelled, must not fetch
        Case("load", f"LOAD <{c}>"),
        Case("load-lower-into", f"load <{c}> into graph <{G}>"),
        Case("load-silent", f"LOAD SILENT <{c}> INTO GRAPH <{G}>", "may-write"),
        Case("load-keyword-u-escape", f"\\u004COAD <{c}>"),
        Case("load-keyword-U-escape", f"\\U0000004cOAD <{c}> INTO GRAPH <{G}>"),
        Case("load-iri-u-escape", f"LOAD <\\u0068ttp://127.0.0.1:{port}/u>"),
        Case("load-short-ip", f"LOAD <http://127.1:{port}/short>"),
        Case("load-decimal-ip", f"LOAD <http://2130706433:{port}/decimal>"),
        Case("load-localhost", f"LOAD <http://localhost:{port}/name>"),
        Case("load-base-relative", f"BASE <http://127.0.0.1:{port}/> LOAD <relative>"),
        Case("load-prefixed", f"PREFIX c: <http://127.0.0.1:{port}/> LOAD c:x"),
        Case("load-no-space", f"LOAD<{c}>INTO GRAPH<{G}>"),
        Case("load-after-cr-comment", f"# a comment ended by CR only\rLOAD <{c}>"),
        Case("load-after-u2028-comment", f"# a comment\u2028LOAD <{c}>"),
        Case("load-after-nel-comment", f"# a comment\x85LOAD <{c}>"),
        Case("load-after-ff", f"\fLOAD\v<{c}>"),
        Case("load-second-operation", f"{ins} ;\nLOAD <{c}>"),
        Case("load-after-empty-operations", f"{ins} ;;; LOAD <{c}>"),
        Case("load-into-repository-graph", f"LOAD <{c}> INTO GRAPH <{M}>"),
        Case("load-in-string-escape-trick",
             f'INSERT DATA {{ GRAPH <{G}> {{ <{P}> <{NAME}> "\\u0022 }} }} ; LOAD <{c}> #" '
             "} }", "may-write"),
        # SERVICE inside an update must not fetch either
        Case("service-where", f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ "
                              f"SERVICE <{c}> {{ ?s ?p ?o }} }}"),
        Case("service-silent", f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ "
                               f"SERVICE SILENT <{c}> {{ ?s ?p ?o }} }}", "may-write"),
        Case("service-u-escape", f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ "
                                 f"\\u0053ERVICE <{c}> {{ ?s ?p ?o }} }}"),
        Case("service-in-optional", f"INSERT {{ GRAPH <{G}> {{ <{P}> <{NAME}> ?o }} }} WHERE "
                                    f"{{ OPTIONAL {{ SERVICE <{c}> {{ ?s <{NAME}> ?o }} }} }}"),
        Case("service-in-exists", f"DELETE {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH "
                                  f"<{G}> {{ ?s ?p ?o }} FILTER EXISTS {{ SERVICE <{c}> "
                                  "{ ?s ?p ?o } } }", "may-write"),
        Case("service-variable", f"INSERT {{ GRAPH <{G}> {{ ?s ?p ?o }} }} WHERE {{ VALUES ?e "
                                 f"{{ <{c}> }} SERVICE ?e {{ ?s ?p ?o }} }}"),
        # the default graph is the union: direct writes are refused, however disguised
        Case("insert-default", f"INSERT DATA {{ {GOOD} }}"),
        Case("insert-default-after-cr-comment",
             f"INSERT DATA {{ GRAPH <{G}> {{ {GOOD} }} # hidden?\r <{P}> <{NAME}> \"y\" }}"),
        Case("delete-where-default", "DELETE WHERE { ?s ?p ?o }"),
        Case("clear-default", "CLEAR DEFAULT"),
        Case("drop-all", "DROP ALL"),
        Case("clear-silent-default", "CLEAR SILENT DEFAULT"),
        Case("add-to-default", f"ADD <{M}> TO DEFAULT"),
        Case("copy-to-default", f"COPY <{G}> TO DEFAULT"),
        Case("with-default-spelling", f"DELETE {{ ?s ?p ?o }} INSERT {{ GRAPH <{G}> {{ ?s ?p ?o "
                                      f"}} }} WHERE {{ ?s ?p ?o FILTER(?s = <{P}>) }}"),
        # the repository's graphs change only through content sync
        Case("insert-repository", f"INSERT DATA {{ GRAPH <{M}> {{ {GOOD} }} }}"),
        Case("insert-every-graph", f"INSERT {{ GRAPH ?g {{ {GOOD} }} }} WHERE {{ GRAPH ?g {{}} }}"),
        Case("repository-prefixed-escape",
             "PREFIX g: <https://w3id.org/ogp-kg/graph/> INSERT DATA { GRAPH g:ontology\\/ogp "
             f"{{ {GOOD} }} }}"),
        Case("repository-base-relative", "BASE <https://w3id.org/ogp-kg/graph/ontology/> "
                                         f"INSERT DATA {{ GRAPH <ogp> {{ {GOOD} }} }}"),
        Case("repository-iri-u-escape", "INSERT DATA { GRAPH <https://w3id.org/ogp-kg/graph/"
                                        f"\\u006Fntology/ogp> {{ {GOOD} }} }}"),
        Case("delete-repository", f"DELETE WHERE {{ GRAPH <{M}> {{ ?s ?p ?o }} }}"),
        Case("drop-repository", f"DROP GRAPH <{M}>"),
        Case("clear-named", "CLEAR NAMED"),
        Case("move-repository", f"MOVE <{M}> TO <{G}>"),
        Case("copy-over-repository", f"COPY <{G}> TO <{M}>"),
        # what is written must conform, whatever the route to it
        Case("bad-data", f"INSERT DATA {{ GRAPH <{G}> {{ {BAD} }} }}"),
        Case("bad-in-two-steps", f"{ins} ; DELETE DATA {{ GRAPH <{G}> {{ <{P}> <{NAME}> "
                                 "\"Adversarial Person\" } }"),
        Case("good-data", ins, "may-write"),
        Case("remove-required-later", f"DELETE WHERE {{ GRAPH <{G}> {{ <{P}> <{NAME}> ?n }} }}"),
        Case("bad-in-u-escaped-string",
             f'INSERT DATA {{ GRAPH <{G}> {{ <{P}> <{NAME}> "\\u0022" }} }}', "may-write"),
        Case("long-string", f'INSERT DATA {{ GRAPH <{G}> {{ <{P}> <{NAME}> "{long}" }} }}',
             "may-write"),
        Case("nested-expression", f"INSERT {{ GRAPH <{G}> {{ <{P}> <{NAME}> ?v }} }} WHERE {{ "
                                  f"BIND(STR({nested}) AS ?v) }}", "may-write"),
        Case("nested-triple-quoted", f'INSERT DATA {{ GRAPH <{G}> {{ <{P}> <{NAME}> """a\n'
                                     f'""\\"\\"\\"}} }} LOAD <{c}> """ }} }}', "may-write"),
        Case("nul-character", f"INSERT DATA {{ GRAPH <{G}> {{ <{P}> <{NAME}> \"a\x00b\" }} }}",
             "may-write"),
    ]


def query_corpus(c: str, port: int) -> list[Case]:
    """Query texts trying to make the endpoint fetch from the canary."""
    body = "{ ?s ?p ?o }"
    return [
        Case("q-service", f"SELECT * WHERE {{ SERVICE <{c}> {body} }}"),
        Case("q-service-lower", f"select * where {{ service <{c}> {body} }}"),
        Case("q-service-silent", f"SELECT * WHERE {{ SERVICE SILENT <{c}> {body} }}"),
        Case("q-service-u-escape", f"SELECT * WHERE {{ \\u0053ERVICE <{c}> {body} }}"),
        Case("q-service-U-escape", f"SELECT * WHERE {{ \\U00000073ervice <{c}> {body} }}"),
        Case("q-service-iri-escape", f"SELECT * WHERE {{ SERVICE <\\u0068ttp://127.0.0.1:"
                                     f"{port}/q> {body} }}"),
        Case("q-service-base", f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE "
                               f"{{ SERVICE <sparql> {body} }}"),
        Case("q-service-prefix", f"PREFIX c: <http://127.0.0.1:{port}/> SELECT * WHERE "
                                 f"{{ SERVICE c:sparql {body} }}"),
        Case("q-service-cr-comment", f"SELECT * WHERE {{ # comment\rSERVICE <{c}> {body} }}"),
        Case("q-service-short-ip", f"SELECT * WHERE {{ SERVICE <http://127.1:{port}/> {body} }}"),
        Case("q-service-localhost", f"SELECT * WHERE {{ SERVICE <http://localhost:{port}/> "
                                    f"{body} }}"),
        Case("q-service-in-exists", f"ASK {{ FILTER EXISTS {{ SERVICE <{c}> {body} }} }}"),
        Case("q-service-subquery", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{c}> "
                                   f"{body} }} }} }}"),
        Case("q-service-variable", f"SELECT * WHERE {{ VALUES ?e {{ <{c}> }} SERVICE ?e "
                                   f"{body} }}"),
        Case("q-service-construct", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{c}> "
                                    f"{body} }}"),
        Case("q-service-describe", f"DESCRIBE ?s WHERE {{ SERVICE <{c}> {body} }}"),
    ]


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    c = Canary()
    yield c
    c.close()


@pytest.fixture(scope="module")
def server(built_dir, tmp_path_factory: pytest.TempPathFactory  # type: ignore[no-untyped-def]
           ) -> Iterator[tuple[httpx.Client, Settings]]:
    from ogpkg.config import load_settings
    from tests.conftest import ROOT, copy_store

    data_dir = copy_store(built_dir, tmp_path_factory.mktemp("adversarial") / "var")
    settings = load_settings({"data_dir": data_dir, "content_dir": ROOT, "write_token": TOKEN,
                              "query_workers": 2}, environ={})
    with running(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c, settings


def _repository_graphs(settings: Settings) -> set[str]:
    """The graphs filled from the repository's files, as the committed version records them."""
    import json

    v = int((settings.data_dir / "CURRENT").read_text())
    meta = json.loads((settings.data_dir / "snapshots" / f"{v:08d}.json").read_text())
    return {g for info in meta["content"].values() for g in info["graphs"]}


def version(client: httpx.Client) -> int:
    return int(client.get("/health").json()["version"])


def _repository_fingerprint(client: httpx.Client, graphs: list[str]) -> str:
    digest = hashlib.sha256()
    for g in graphs:
        r = client.get("/graph-store", params={"graph": g},
                       headers={"Accept": "application/n-triples"})
        assert r.status_code == 200, (g, r.text)
        digest.update(g.encode() + b"\n" + b"\n".join(sorted(r.content.splitlines())))
    return digest.hexdigest()


def _default_is_the_union(client: httpx.Client) -> bool:
    stray = "ASK { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }"
    missing = "ASK { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }"
    return not any(client.get("/sparql", params={"query": q}).json()["boolean"]
                   for q in (stray, missing))


def test_adversarial_corpus_is_refused_or_allowed_and_never_fetches(
        server: tuple[httpx.Client, Settings], canary: Canary) -> None:
    client, settings = server
    c = f"http://127.0.0.1:{canary.port}/canary"
    updates = update_corpus(c, canary.port)
    queries = query_corpus(c, canary.port)
    assert len(updates) + len(queries) >= 40
    repository = sorted(_repository_graphs(settings))
    assert M in repository
    before = _repository_fingerprint(client, repository)
    outcomes: dict[str, int] = {}
    for case in updates:
        v0 = version(client)
        r = client.post("/sparql/update", content=case.text.encode("utf-8"), headers=UPDATE)
        outcomes[case.name] = r.status_code
        assert r.status_code < 500, (case.name, r.status_code, r.text)
        assert canary.hits == 0, (case.name, "the canary saw a connection")
        if r.status_code >= 400:
            body = r.json()
            assert body["error"] and body["status"] == r.status_code, case.name
            assert version(client) == v0, (case.name, "a refused update changed the data")
        elif version(client) != v0:  # written: only what the policy allows
            assert case.allowed == "may-write", (case.name, r.status_code, "was written")
            changed = r.headers.get("X-Changed-Graphs", "").split()
            assert changed and all(g == G for g in changed), (case.name, changed)
        assert _default_is_the_union(client), case.name
    for case in queries:
        for method in ("GET", "POST"):
            if method == "GET":
                r = client.get("/sparql", params={"query": case.text})
            else:
                r = client.post("/sparql", data={"query": case.text})
            assert r.status_code < 500, (case.name, method, r.status_code, r.text)
            assert canary.hits == 0, (case.name, method, "the canary saw a connection")
    assert _repository_fingerprint(client, repository) == before
    assert outcomes["good-data"] == 204
    assert outcomes["bad-data"] == outcomes["bad-in-two-steps"] == 422
    assert outcomes["remove-required-later"] == 422
    assert outcomes["insert-repository"] == outcomes["repository-base-relative"] == 403


def test_store_after_the_corpus_conforms(server: tuple[httpx.Client, Settings],
                                         shapes) -> None:  # type: ignore[no-untyped-def]
    """Runs after the corpus (same module server): whatever was written conforms."""
    client, settings = server
    # the server holds the writer; read the committed version through a snapshot
    from ogpkg.store import SnapshotReader

    snap = SnapshotReader(settings.data_dir).current()
    report = validate(snap, shapes)
    assert not report.violations(), report.to_text("en")
    assert _default_is_the_union(client)


def test_offline_workers_cannot_fetch_whatever_the_text(built_dir) -> None:  # type: ignore[no-untyped-def]
    """With no endpoint to federate with, the query workers have no network: a SERVICE that
    reaches a worker (here sent to the engine directly, past every text check) fails there
    and the canary sees nothing; a worker allowed the network does reach it."""
    from ogpkg.query.engine import Engine
    from tests.test_engine_recovery import job, outcome, run

    canary = Canary()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{canary.port}/sparql> {{ ?s ?p ?o }} }}"

    async def ask(offline: bool) -> tuple[int, str]:
        engine = Engine(1, memory_mb=0, offline=offline)
        await engine.start()
        try:
            return await outcome(engine, job(built_dir, query), deadline_s=10)
        finally:
            await engine.close()

    try:
        status, text = run(ask(offline=True))
        assert status >= 400 and canary.hits == 0, (status, text)
        run(ask(offline=False))
        assert canary.hits > 0  # the same job does connect from a worker with network
    finally:
        canary.close()
