"""The on-disk store: atomic graph replacement, rollback, snapshots, recovery after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ogpkg.errors import ParseError, StoreError
from ogpkg.store import GraphLoad, MemoryDataset, SnapshotReader, Store

G = "http://example.org/g/1"


def ntriples(n: int, tag: str) -> bytes:
    return b"".join(f'<http://example.org/s{i}> <http://example.org/p> "{tag}{i}" .\n'.encode()
                    for i in range(n))


def values(store: Store) -> set[str]:
    return {str(r["o"]) for r in store.select(f"SELECT ?o {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")}


def test_write_replaces_graph_and_bumps_version(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.version == 0
    v1 = store.write(replace=[GraphLoad(G, ntriples(3, "a"), "ntriples")])
    v2 = store.write(replace=[GraphLoad(G, ntriples(2, "b"), "ntriples")])
    assert (v1, v2) == (1, 2)
    assert values(store) == {"b0", "b1"}
    assert store.snapshot(1).count() == 3
    assert store.snapshot().count() == 2


def test_parse_error_midway_leaves_graph_as_it_was(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(replace=[GraphLoad(G, ntriples(3, "a"), "ntriples")])
    bad = ntriples(1000, "b") + b"<http://example.org/x> <http://example.org/p> oops .\n"
    with pytest.raises(ParseError) as info:
        store.write(replace=[GraphLoad(G, bad, "ntriples", source="bad.nt")])
    assert info.value.location is not None and info.value.location.line == 1001
    assert "bad.nt line 1001" in str(info.value)
    assert values(store) == {"a0", "a1", "a2"}
    assert store.version == 1


def test_failed_check_rolls_back_every_change(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(replace=[GraphLoad(G, ntriples(3, "a"), "ntriples")])

    def reject(st: Store, graphs: list[str]) -> None:
        assert values(st) == {"c0"}  # the check sees the new content
        raise ValueError("rejected")

    with pytest.raises(ValueError, match="rejected"):
        store.write(replace=[GraphLoad(G, ntriples(1, "c"), "ntriples")],
                    drop=["http://example.org/other"], check=reject)
    assert values(store) == {"a0", "a1", "a2"}
    assert store.version == 1


def test_reader_sees_only_committed_versions(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(replace=[GraphLoad(G, ntriples(2, "a"), "ntriples")])
    reader = SnapshotReader(tmp_path)
    assert reader.current().version == 1
    store.write(replace=[GraphLoad(G, ntriples(5, "b"), "ntriples")])
    snap = reader.current()
    assert snap.version == 2 and snap.count() == 5


def test_empty_reader_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="ogpkg serve"):
        SnapshotReader(tmp_path).current()


def test_second_writer_gets_a_clear_error(tmp_path: Path) -> None:
    first = Store(tmp_path)
    code = ("import sys; from ogpkg.store import Store\n"
            "try:\n    Store(sys.argv[1])\nexcept Exception as e:\n"
            "    print(type(e).__name__, e); sys.exit(3)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "StoreError" in proc.stdout and "another ogpkg process" in proc.stdout
    first.close()


def test_meta_is_carried_forward(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.write(replace=[GraphLoad(G, ntriples(1, "a"), "ntriples")], meta={"content": {"x": 1}})
    store.write(replace=[GraphLoad(G, ntriples(1, "b"), "ntriples")], meta={"message": "m"})
    assert store.meta()["content"] == {"x": 1}


def test_memory_dataset_errors_name_file_line_column() -> None:
    ds = MemoryDataset()
    with pytest.raises(ParseError) as info:
        ds.load(b"@prefix x: <http://x/> .\nfoo:a x:b x:c .", "turtle", source="f.ttl")
    assert str(info.value) == "f.ttl line 2, column 1: The prefix foo: has not been declared"
    assert len(ds) == 0


KILL_SCRIPT = """
import sys
from pathlib import Path
from ogpkg.store import GraphLoad, Store
store = Store(Path(sys.argv[1]))
print("writing", flush=True)
store.write(replace=[GraphLoad(sys.argv[2], Path(sys.argv[3]), "ntriples", "big.nt")])
print("committed", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.3, 0.8, 1.5])
def test_kill_9_during_large_ingest_leaves_old_or_new_graph(tmp_path: Path, delay: float) -> None:
    data_dir = tmp_path / "var"
    big = tmp_path / "big.nt"
    n_new = 400_000
    with open(big, "wb") as f:
        for start in range(0, n_new, 50_000):
            f.write(b"".join(
                f'<http://example.org/s{i}> <http://example.org/p> "new{i}" .\n'.encode()
                for i in range(start, start + 50_000)))
    with Store(data_dir) as store:
        store.write(replace=[GraphLoad(G, ntriples(10, "old"), "ntriples")])
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(data_dir), G, str(big)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "writing"
    time.sleep(delay)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    with Store(data_dir) as store:
        n = store.count(G)
        assert n in (10, n_new), f"half-written graph: {n} triples"
        assert store.snapshot().count(G) == n
        # the store is writable again after recovery
        store.write(replace=[GraphLoad(G, ntriples(2, "after"), "ntriples")])
        assert store.count(G) == 2


def test_union_default_graph_counts_a_shared_triple_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    shared = b'<http://example.org/s> <http://example.org/p> "shared" .\n'
    store.write(replace=[GraphLoad("http://example.org/g/a", shared, "ntriples"),
                         GraphLoad("http://example.org/g/b", shared + ntriples(1, "b"),
                                   "ntriples")])
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert int(store.select(q)[0]["n"]) == 2  # type: ignore[call-overload]
    assert int(store.snapshot().select(q)[0]["n"]) == 2  # type: ignore[call-overload]
    # replacing one graph keeps the triple the other still states
    store.write(replace=[GraphLoad("http://example.org/g/a", ntriples(1, "a"), "ntriples")])
    assert {str(r["o"]) for r in store.select("SELECT ?o { ?s ?p ?o }")} == {"shared", "b0",
                                                                             "a0"}
    store.write(drop=["http://example.org/g/b"])
    assert {str(r["o"]) for r in store.select("SELECT ?o { ?s ?p ?o }")} == {"a0"}


def test_dump_holds_each_graph_once_and_no_union_copies(tmp_path: Path) -> None:
    import io

    store = Store(tmp_path)
    store.write(replace=[GraphLoad(G, ntriples(3, "a"), "ntriples")])
    buf = io.BytesIO()
    store.snapshot().dump_to(buf, "nquads")
    lines = buf.getvalue().decode().splitlines()
    assert len(lines) == 3 and all(line.endswith(f"<{G}> .") for line in lines)
