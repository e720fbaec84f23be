"""The write gate: the one path of every write. It reads the effect of a change back from the
store, judges that effect (not the request's text), validates and commits or rolls back; a
dry run and non-conformance are outcomes; its thread has no network; and nothing else in the
package commits."""

from __future__ import annotations

import ast
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from ogpkg.contrib.gate import Change, Gate
from ogpkg.errors import Forbidden, InputError
from ogpkg.store import GraphLoad, Store
from ogpkg.validation.validate import Shapes
from ogpkg.web import create_app
from tests.conftest import TOKEN
from tests.http_server import running

EX = "http://example.org/"
G = "https://w3id.org/ogp-kg/graph/contribution/g"
H = "https://w3id.org/ogp-kg/graph/contribution/h"
SHAPES = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <{EX}> .
ex:ThingShape a sh:NodeShape ; sh:targetClass ex:Thing ;
  sh:property [ sh:path ex:name ; sh:minCount 1 ] ;
  sh:property [ sh:path ex:note ; sh:maxLength 3 ; sh:severity sh:Warning ] .
"""
PKG = Path(__file__).resolve().parent.parent / "ogpkg"


def nt(*triples: str) -> bytes:
    return "".join(t + " .\n" for t in triples).encode()


THING = f"<{EX}a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Thing>"
NAMED = f'<{EX}a> <{EX}name> "A"'


@pytest.fixture()
def gate(tmp_path: Path) -> Iterator[Gate]:
    store = Store(tmp_path / "var")
    g = Gate(store, Shapes(Graph().parse(data=SHAPES, format="turtle")))
    yield g
    g.close()
    store.close()


def put(graph: str, data: bytes) -> Change:
    return Change(f"put <{graph}>", replace=[GraphLoad(graph, data, "ntriples")])


def test_a_conforming_change_is_written_with_its_effect(gate: Gate) -> None:
    out = gate.submit(put(G, nt(THING, NAMED)))
    assert out.status == "written" and out.version == gate.store.version == 1
    assert out.delta.added == {G: 2} and out.delta.created == {G}
    assert gate.store.meta()["effect"] == {"graphs": [G], "added": 2, "removed": 0}


def test_non_conformance_is_an_outcome_and_writes_nothing(gate: Gate) -> None:
    out = gate.submit(put(G, nt(THING)))
    assert out.status == "does-not-conform" and out.blocked and not out.written
    assert [r.component_name for r in out.report.violations()] == ["MinCount"]
    assert gate.store.version == 0 and gate.store.graph_names() == []


def test_warnings_are_reported_and_do_not_block(gate: Gate) -> None:
    out = gate.submit(put(G, nt(THING, NAMED, f'<{EX}a> <{EX}note> "too long"')))
    assert out.written and [r.severity for r in out.report.results] == ["Warning"]
    assert not out.report.violations()


def test_a_dry_run_is_the_same_path_ending_in_a_roll_back(gate: Gate) -> None:
    out = gate.submit(put(G, nt(THING, NAMED)), dry_run=True)
    assert out.status == "conforms" and not out.written and out.delta.added == {G: 2}
    assert gate.store.version == 0 and gate.store.graph_names() == []
    bad = gate.submit(put(G, nt(THING)), dry_run=True)
    assert bad.status == "does-not-conform"


def test_a_change_that_changes_nothing_makes_no_version(gate: Gate) -> None:
    gate.submit(put(G, nt(THING, NAMED)))
    again = gate.submit(Change("update", update=f"INSERT DATA {{ GRAPH <{G}> {{ {NAMED} }} }}"))
    assert again.status == "unchanged" and gate.store.version == 1


def test_removing_a_fact_another_graph_needs_is_refused(gate: Gate) -> None:
    """The name lives in another graph than the type: removing it breaks a node the removed
    graph does not mention, so a removal validates the whole store."""
    assert gate.submit(Change("two graphs", replace=[
        GraphLoad(G, nt(THING), "ntriples"), GraphLoad(H, nt(NAMED), "ntriples")])).written
    out = gate.submit(Change("drop h", drop=[H]))
    assert out.blocked and gate.store.graph_names() == [G, H]
    upd = gate.submit(Change("update", update=f"DELETE WHERE {{ GRAPH <{H}> {{ ?s ?p ?o }} }}"))
    assert upd.blocked and gate.store.version == 1


def test_the_union_follows_named_graph_changes_from_an_update(gate: Gate) -> None:
    gate.submit(Change("two graphs", replace=[
        GraphLoad(G, nt(THING, NAMED), "ntriples"), GraphLoad(H, nt(NAMED), "ntriples")]))
    out = gate.submit(Change("update", update=f"DELETE DATA {{ GRAPH <{G}> {{ {NAMED} }} }}"))
    assert out.written and out.delta.removed == {G: 1}
    # still stated by h: stays in the union
    assert gate.store.ask(f"ASK {{ {NAMED} }}")
    out = gate.submit(Change("update", update=f"INSERT DATA {{ GRAPH <{G}> {{ <{EX}b> "
                                                f'<{EX}name> "B" }} }}'))
    assert out.written and gate.store.ask(f'ASK {{ <{EX}b> <{EX}name> "B" }}')


@pytest.mark.parametrize("update", [
    f'INSERT DATA {{ <{EX}new> <{EX}name> "N" }}',
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR DEFAULT",
    f"COPY <{H}> TO DEFAULT",
])
def test_direct_default_graph_writes_are_refused_from_their_effect(gate: Gate,
                                                                   update: str) -> None:
    gate.submit(Change("two graphs", replace=[GraphLoad(G, nt(THING, NAMED), "ntriples"),
                                              GraphLoad(H, nt(f'<{EX}b> <{EX}name> "B"'),
                                                        "ntriples")]))
    with pytest.raises(InputError, match="default graph"):
        gate.submit(Change("update", update=update))
    assert gate.store.version == 1 and gate.store.ask(f"ASK {{ {NAMED} }}")


def test_repository_graphs_change_only_through_content_sync(gate: Gate) -> None:
    repo = "https://w3id.org/ogp-kg/graph/ontology/x"
    gate.submit(Change("sync", replace=[GraphLoad(repo, nt(f"<{EX}C> <{EX}is> <{EX}Class>"),
                                                  "ntriples")], repository=True,
                       meta={"content": {"ontology/x.ttl": {"graphs": [repo]}}}))
    for change in (put(repo, nt(NAMED)), Change("drop", drop=[repo]),
                   Change("update", update=f"INSERT {{ GRAPH ?g {{ {NAMED} }} }} "
                                           "WHERE { GRAPH ?g { } }")):
        with pytest.raises(Forbidden, match=r"ontology/x\.ttl"):
            gate.submit(change)
    assert gate.store.version == 1


def test_the_gate_thread_has_no_network(gate: Gate) -> None:
    def try_connect() -> str:
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        except PermissionError:
            return "refused by the kernel"
        except OSError as exc:
            return f"network reachable ({exc})"
        return "connected"

    assert gate._executor.submit(try_connect).result() == "refused by the kernel"
    assert try_connect() != "refused by the kernel"  # other threads are unaffected


def test_a_failed_update_leaves_the_store_as_it_was(gate: Gate) -> None:
    gate.submit(put(G, nt(THING, NAMED)))
    with pytest.raises(InputError):
        gate.submit(Change("update", update="INSERT DATA { GRAPH <x:g> { <x:a> <x:b> "))
    assert gate.store.version == 1 and gate.store.graph_names() == [G]
    assert gate.submit(put(H, nt(f'<{EX}b> <{EX}name> "B"'))).written


# --------------------------------------------------------------------------- one path

_TXN = {"begin", "commit", "_commit", "rollback", "run_update", "replace_graph", "drop_graph",
        "merge_graph", "reconcile_union", "compact"}


def test_only_the_gate_opens_transactions_in_the_package() -> None:
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel in ("store.py", "contrib/gate.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                kw = {k.arg for k in node.keywords}
                if name in _TXN or (name == "write" and kw & {"replace", "drop", "apply"}):
                    offenders.append(f"{rel}:{node.lineno} .{name}()")
    assert offenders == []


@pytest.fixture()
def commits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every commit in this process, by the name of the thread that made it."""
    seen: list[str] = []
    real = Store._commit

    def spy(self: Store, meta: dict) -> int:  # type: ignore[type-arg]
        seen.append(threading.current_thread().name)
        return real(self, meta)

    monkeypatch.setattr(Store, "_commit", spy)
    return seen


def test_every_write_path_commits_on_the_gate_thread(commits: list[str], built_dir: Path,
                                                     tmp_path: Path, repo_root: Path) -> None:
    from typer.testing import CliRunner

    from ogpkg.cli import app
    from ogpkg.config import load_settings

    data_dir = tmp_path / "var"
    shutil.copytree(built_dir, data_dir)
    env = {"OGPKG_DATA_DIR": str(data_dir), "OGPKG_CONTENT_DIR": str(repo_root)}
    csv = repo_root / "data" / "templates" / "commitments.csv"
    result = CliRunner().invoke(app, ["ingest", str(csv), "--contributor", "t"], env=env)
    assert result.exit_code == 0, result.output
    settings = load_settings({"data_dir": data_dir, "content_dir": repo_root,
                              "write_token": TOKEN, "query_workers": 1}, environ={})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    graph = "https://w3id.org/ogp-kg/graph/contribution/one-path"
    person = f'<{EX}p> a <http://xmlns.com/foaf/0.1/Person> ; ' \
             '<http://xmlns.com/foaf/0.1/name> "P" .'
    with running(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert c.put("/graph-store", params={"graph": graph}, content=person,
                     headers={**auth, "Content-Type": "text/turtle"}).status_code == 201
        assert c.post("/graph-store", params={"graph": graph}, content=f"<{EX}p> "
                      '<http://xmlns.com/foaf/0.1/name> "Q" .',
                      headers={**auth, "Content-Type": "text/turtle"}).status_code == 204
        assert c.post("/sparql/update", content=f"DELETE DATA {{ GRAPH <{graph}> {{ {person} "
                      "} }", headers={**auth, "Content-Type": "application/sparql-update"}
                      ).status_code == 204
        assert c.delete("/graph-store", params={"graph": graph}, headers=auth
                        ).status_code == 204
        up = c.post("/contribute", files={"file": ("c.csv", csv.read_bytes(), "text/csv")},
                    data={"lang": "en"}, headers={"Accept": "application/json"})
        assert up.status_code == 201, up.text
        pub = c.post(up.json()["report_page"] + "/publish",
                     data={"token": TOKEN, "contributor": "t", "lang": "en"})
        assert pub.status_code == 303, pub.text
    assert len(commits) == 6
    assert all(name.startswith("ogpkg-gate") for name in commits), commits
