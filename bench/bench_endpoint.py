"""SPARQL endpoint benchmark: ``ogpkg serve`` against ``oxigraph serve`` on the same data.

For each size, the script generates N-Quads with ``bench/generate.py``, builds an ogpkg store
(``Store.write`` of every graph, no validation: this measures queries) and an Oxigraph store
(``oxigraph load``) from the same file, starts both servers on free local ports, and measures
them side by side in one run, for six kinds of query:

``aggregate``  commitments per country for one policy area, status and OGP value (GROUP BY)
``compare``    the plans of two governments side by side, with their commitment counts
``describe``   DESCRIBE of one commitment or plan
``label``      label search: ``FILTER(CONTAINS(LCASE(?label), "word"))`` over ``rdfs:label``
``topk``       the ten lead institutions with most commitments of one kind (ORDER BY DESC)
``construct``  CONSTRUCT of a small subgraph around one plan

For each server and kind: single-client latency (median and p95 over ``--requests``
requests), throughput of ``--clients`` concurrent clients for ``--duration`` seconds with
varied queries (completed 200 responses per second), and the same with one identical query
text repeated (where a result cache keyed by the data version applies). Throughput is
measured in ``--rounds`` rounds (default 2) in which the servers take turns, in alternating
order, so that a machine getting faster or slower during the run favours neither; the
ratio of each round is reported beside the overall one. Varied queries change
their constants and carry a request number in a comment, so no two texts are the same.
Requests are POST ``application/sparql-query``; SELECT asks for SPARQL JSON results, graph
queries for N-Triples; every body is read whole. Each client is its own process with one
keep-alive connection (the standard library's HTTP client, the cheapest in CPU per request).
Peak memory of each server is sampled from ``/proc`` over the server process and its
children: the sum of their ``VmHWM``, and the largest per-sample sum of ``VmRSS``.

Both stores answer queries over the union of the named graphs: ogpkg's default graph holds
their set-union, Oxigraph runs with ``--union-default-graph`` (bag semantics; in the
generated data each triple is in one graph only). At start-up every kind of query is sent to
both servers and the result sizes are compared; a difference is printed as a warning.

Generated files and built stores are cached under ``--work`` (default
``var/bench/endpoint/``), one folder per size, so re-runs start quickly; ``--no-keep``
deletes the built stores after the run. Each server's output goes to ``logs/`` there.

Usage::

    python bench/bench_endpoint.py                        # sizes 300000 and 5000000
    python bench/bench_endpoint.py --sizes 300000 --duration 5 --kinds aggregate,topk
    python bench/bench_endpoint.py --sizes 3000 --duration 1 --requests 3 --out /tmp/e.json

Writes a JSON summary to ``bench/out/endpoint.json`` (``--out``). Not a test: run by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogpkg.namespaces import CONCEPT, ONTOLOGY, PREFIXES  # noqa: E402

DEFAULT_WORK = ROOT / "var" / "bench" / "endpoint"
DEFAULT_OUT = ROOT / "bench" / "out" / "endpoint.json"
SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"
HTTP_TIMEOUT_S = 300.0

# --------------------------------------------------------------------------- queries

PREFIX_TEXT = "\n".join(
    [f"PREFIX ogp: <{ONTOLOGY}>"]
    + [f"PREFIX {p}: <{PREFIXES[p]}>" for p in ("rdf", "rdfs", "dcterms", "schema")]
) + "\n"

POLICY_AREAS = (
    "access-to-information", "anti-corruption", "beneficial-ownership", "civic-space",
    "climate-and-environment", "digital-governance", "fiscal-openness", "gender-and-inclusion",
    "lobbying", "natural-resources", "open-data", "open-justice", "open-parliament",
    "public-participation", "public-procurement", "public-service-delivery",
    "right-to-information", "transparency",
)
OGP_VALUES = (
    "access-to-information", "civic-participation", "public-accountability",
    "technology-and-innovation",
)
STATUSES = ("not-started", "limited", "substantial", "complete")


def _concept(scheme: str, code: str) -> str:
    return f"<{CONCEPT}{scheme}/{code}>"


@dataclass
class Pools:
    """Constants picked from the data, to vary the queries."""

    commitments: list[str]
    plans: list[str]
    governments: list[str]  # national governments
    words: list[str]  # lower-case words found in labels

    def as_json(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.__dict__.items()}


def q_aggregate(rng: random.Random, pools: Pools) -> str:
    area = _concept("policy-area", rng.choice(POLICY_AREAS))
    status = _concept("status", rng.choice(STATUSES))
    value = _concept("ogp-value", rng.choice(OGP_VALUES))
    return PREFIX_TEXT + f"""SELECT ?country (COUNT(DISTINCT ?c) AS ?commitments) WHERE {{
  ?c ogp:policyArea {area} ; ogp:commitmentStatus {status} ; ogp:ogpValue {value} ;
     ogp:inActionPlan ?plan .
  ?plan ogp:government ?g .
  ?g ogp:governs ?place .
  OPTIONAL {{ ?place schema:containedInPlace ?within }}
  BIND(COALESCE(?within, ?place) AS ?country)
}} GROUP BY ?country ORDER BY ?country"""


def q_compare(rng: random.Random, pools: Pools) -> str:
    a, b = rng.choice(pools.governments), rng.choice(pools.governments)
    done = _concept("status", "complete")
    return PREFIX_TEXT + f"""SELECT ?government ?plan (SAMPLE(?t) AS ?title)
       (COUNT(DISTINCT ?c) AS ?commitments) (COUNT(DISTINCT ?complete) AS ?completed) WHERE {{
  VALUES ?government {{ <{a}> <{b}> }}
  ?plan ogp:government ?government ; dcterms:title ?t .
  FILTER(LANG(?t) = "en")
  OPTIONAL {{
    ?c ogp:inActionPlan ?plan .
    OPTIONAL {{ ?c ogp:commitmentStatus {done} BIND(?c AS ?complete) }}
  }}
}} GROUP BY ?government ?plan ORDER BY ?government ?plan"""


def q_describe(rng: random.Random, pools: Pools) -> str:
    iri = rng.choice(pools.commitments if rng.random() < 0.5 else pools.plans)
    return f"DESCRIBE <{iri}>"


def q_label(rng: random.Random, pools: Pools) -> str:
    word = rng.choice(pools.words)
    return PREFIX_TEXT + f"""SELECT ?s ?label WHERE {{
  ?s rdfs:label ?label .
  FILTER(CONTAINS(LCASE(?label), "{word}"))
}}"""


def q_topk(rng: random.Random, pools: Pools) -> str:
    area = _concept("policy-area", rng.choice(POLICY_AREAS))
    value = _concept("ogp-value", rng.choice(OGP_VALUES))
    status = _concept("status", rng.choice(STATUSES))
    return PREFIX_TEXT + f"""SELECT ?lead (COUNT(?c) AS ?n) WHERE {{
  ?c ogp:policyArea {area} ; ogp:ogpValue {value} ; ogp:leadInstitution ?lead .
  FILTER NOT EXISTS {{ ?c ogp:commitmentStatus {status} }}
}} GROUP BY ?lead ORDER BY DESC(?n) ?lead LIMIT 10"""


def q_construct(rng: random.Random, pools: Pools) -> str:
    plan = f"<{rng.choice(pools.plans)}>"
    return PREFIX_TEXT + f"""CONSTRUCT {{
  {plan} ?p ?o .
  ?c ?cp ?co .
  ?g rdfs:label ?gl .
}} WHERE {{
  {{ {plan} ?p ?o }}
  UNION
  {{ ?c ogp:inActionPlan {plan} ; ?cp ?co .
     FILTER(?cp IN (dcterms:title, ogp:policyArea, ogp:ogpValue, ogp:commitmentStatus,
                    ogp:leadInstitution, ogp:inActionPlan)) }}
  UNION
  {{ {plan} ogp:government ?g . ?g rdfs:label ?gl }}
}}"""


#: kind -> (query builder, True for graph results)
KINDS: dict[str, tuple[Callable[[random.Random, Pools], str], bool]] = {
    "aggregate": (q_aggregate, False),
    "compare": (q_compare, False),
    "describe": (q_describe, True),
    "label": (q_label, False),
    "topk": (q_topk, False),
    "construct": (q_construct, True),
}


def accept_for(kind: str) -> str:
    return GRAPH_ACCEPT if KINDS[kind][1] else SELECT_ACCEPT


def build_query(kind: str, rng: random.Random, pools: Pools, nonce: str | None) -> str:
    """A query of ``kind`` with constants drawn from ``rng``; ``nonce`` makes the text unique."""
    text = KINDS[kind][0](rng, pools)
    return text if nonce is None else f"# {nonce}\n{text}"


def result_size(kind: str, body: bytes) -> int:
    """Rows of a SELECT result, or triples of a graph result."""
    if KINDS[kind][1]:
        return sum(1 for line in body.splitlines() if line.strip())
    return len(json.loads(body)["results"]["bindings"])


# --------------------------------------------------------------------------- data and stores


def generate(out: Path, triples: int) -> None:
    tmp = out.with_name(out.name + ".tmp")
    cmd = [sys.executable, str(ROOT / "bench" / "generate.py"), "--format", "nq",
           "--triples", str(triples), "--out", str(tmp)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    tmp.rename(out)


def oxigraph_bin() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        sys.exit("the 'oxigraph' command is missing: pip install oxigraph")
    return found


def ogpkg_bin() -> str:
    found = str(Path(sys.executable).parent / "ogpkg")
    if not Path(found).exists():
        found = shutil.which("ogpkg") or ""
    if not found:
        sys.exit("the 'ogpkg' command is missing: pip install -e .")
    return found


def build_ogpkg(data: Path, target: Path) -> dict[str, Any]:
    """An ogpkg store holding every graph of ``data`` (one write per batch of graphs)."""
    from ogpkg.store import GraphLoad, MemoryDataset, Store

    t0 = time.perf_counter()
    ds = MemoryDataset()
    quads = ds.load(data, "nquads", source=data.name)
    t_parse = time.perf_counter() - t0
    graphs = ds.graph_names()
    batch = 500
    with Store(target) as store:
        for i in range(0, len(graphs), batch):
            store.write(replace=[GraphLoad(g, dataset=ds, from_graph=g)
                                 for g in graphs[i:i + batch]],
                        meta={"message": f"bench data {data.name}"})
        t_compact = time.perf_counter()
        version = store.compact()  # one large load leaves many small files; merge them
        t_compact = time.perf_counter() - t_compact
    return {"quads": quads, "graphs": len(graphs), "version": version,
            "parse_s": round(t_parse, 2), "compact_s": round(t_compact, 2),
            "build_s": round(time.perf_counter() - t0, 2)}


def build_oxigraph(data: Path, target: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    subprocess.run([oxigraph_bin(), "load", "--location", str(target), "--file", str(data)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return {"build_s": round(time.perf_counter() - t0, 2)}


def cached(marker: Path, target: Path, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The record in ``marker`` if a previous run finished ``target``; else build it anew."""
    if marker.exists():
        return {**json.loads(marker.read_text()), "cached": True}
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    record = make()
    marker.write_text(json.dumps(record))
    return {**record, "cached": False}


def prepare(work: Path, triples: int) -> dict[str, Any]:
    """Generate the data and build both stores (or reuse them from an earlier run)."""
    folder = work / str(triples)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "data.nq"

    def make_data() -> dict[str, Any]:
        t0 = time.perf_counter()
        generate(data, triples)
        with open(data, "rb") as f:
            lines = sum(1 for _ in f)
        return {"quads": lines, "generate_s": round(time.perf_counter() - t0, 2)}

    info = {"data": cached(folder / "data.json", data, make_data)}
    info["ogpkg"] = cached(folder / "ogpkg.json", folder / "ogpkg",
                           lambda: build_ogpkg(data, folder / "ogpkg"))
    info["oxigraph"] = cached(folder / "oxigraph.json", folder / "oxigraph",
                              lambda: build_oxigraph(data, folder / "oxigraph"))
    return info


def drop_stores(work: Path, triples: int) -> None:
    folder = work / str(triples)
    for name in ("ogpkg", "oxigraph"):
        (folder / f"{name}.json").unlink(missing_ok=True)
        shutil.rmtree(folder / name, ignore_errors=True)


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    cmd: list[str]
    url: str  # the query endpoint
    log: Path
    note: str = ""
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # the benchmark's clients share one address: per-client limits off, as Oxigraph has none
        env = {**os.environ, "OGPKG_LOG_LEVEL": "warning", "OGPKG_CLIENT_MAX_RUNNING": "0"}
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=ROOT, env=env)

    def wait_ready(self, timeout_s: float = 600.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout_s
        conn = Connection(self.url, timeout_s=5.0)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.name} exited with code {self.proc.returncode}:\n"
                         + self.log_tail())
            try:
                if conn.post("ASK {}", SELECT_ACCEPT)[0] == 200:
                    conn.close()
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        sys.exit(f"{self.name} did not answer within {timeout_s:.0f} s:\n" + self.log_tail())

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the process this object started (by its PID), politely then firmly."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def ogpkg_server(data_dir: Path, port: int, log: Path) -> Server:
    cmd = [ogpkg_bin(), "serve", "--data-dir", str(data_dir), "--no-sync",
           "--port", str(port), "--host", "127.0.0.1"]
    return Server("ogpkg", cmd, f"http://127.0.0.1:{port}/sparql", log)


def oxigraph_server(location: Path, port: int, log: Path) -> Server:
    binary = oxigraph_bin()
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    mode = "serve-read-only" if "serve-read-only" in help_text else "serve"
    cmd = [binary, mode, "--location", str(location), "--bind", f"127.0.0.1:{port}",
           "--union-default-graph"]
    return Server("oxigraph", cmd, f"http://127.0.0.1:{port}/query", log, note=mode)


# --------------------------------------------------------------------------- memory


def _proc_tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants, from /proc/<pid>/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, ()))
    return tree


def _start_time(pid: int) -> bytes:
    """The start time of a process (field 22 of /proc/<pid>/stat), b"" if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return b""
    return stat[stat.rindex(b")") + 2:].split()[19]


_STATUS_FIELD = re.compile(rb"^(VmHWM|VmRSS):\s+(\d+) kB", re.M)


def _memory_kb(pid: int) -> dict[str, int]:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            text = f.read()
    except OSError:
        return {}
    return {k.decode(): int(v) for k, v in _STATUS_FIELD.findall(text)}


@dataclass
class MemoryWatch:
    """Samples the memory of each server's process tree in a background thread."""

    servers: list[Server]
    interval_s: float = 0.25
    hwm: dict[str, dict[int, int]] = field(default_factory=dict)  # server -> pid -> max VmHWM
    rss_peak: dict[str, int] = field(default_factory=dict)  # server -> max sum of VmRSS
    started: dict[str, dict[int, bytes]] = field(default_factory=dict)  # pid -> start time
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        for s in self.servers:
            self.hwm[s.name] = {}
            self.rss_peak[s.name] = 0
            self.started[s.name] = {}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def sample(self) -> None:
        for s in self.servers:
            if s.proc is None or s.proc.poll() is not None:
                continue
            rss = 0
            for pid in _proc_tree_pids(s.proc.pid):
                mem = _memory_kb(pid)
                if not mem:
                    continue
                if pid != s.proc.pid and pid not in self.started[s.name]:
                    self.started[s.name][pid] = _start_time(pid)
                rss += mem.get("VmRSS", 0)
                seen = self.hwm[s.name]
                seen[pid] = max(seen.get(pid, 0), mem.get("VmHWM", 0))
            self.rss_peak[s.name] = max(self.rss_peak[s.name], rss)
        self.samples += 1

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def stop_leftovers(self, server: Server) -> list[int]:
        """Stop the children of ``server`` that outlived it (each by its PID, checked
        against its start time so that a reused PID is left alone); returns their PIDs."""
        left = []
        for pid, started in self.started.get(server.name, {}).items():
            if started and _start_time(pid) == started:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
                    left.append(pid)
        return left

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for s in self.servers:
            out[s.name] = {
                "hwm_sum_mb": round(sum(self.hwm[s.name].values()) / 1024, 1),
                "rss_tree_peak_mb": round(self.rss_peak[s.name] / 1024, 1),
                "processes_seen": len(self.hwm[s.name]),
            }
        a, b = out.get("ogpkg"), out.get("oxigraph")
        if a and b:
            out["ratio_hwm"] = ratio(a["hwm_sum_mb"], b["hwm_sum_mb"])
            out["ratio_rss"] = ratio(a["rss_tree_peak_mb"], b["rss_tree_peak_mb"])
        out["samples"] = self.samples
        return out


# --------------------------------------------------------------------------- clients


class Connection:
    """One keep-alive HTTP/1.1 connection to a SPARQL endpoint.

    The standard library's client costs about a third of the CPU per request of httpx, which
    matters when clients and server share two cores.
    """

    def __init__(self, url: str, timeout_s: float = HTTP_TIMEOUT_S) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname or "", parts.port or 80, parts.path
        self.timeout_s = timeout_s
        self._conn: http.client.HTTPConnection | None = None

    def post(self, query: str, accept: str) -> tuple[int, bytes]:
        """POST ``query`` as ``application/sparql-query``; the status and the whole body.

        A connection the server closed while idle is reopened once; other failures raise
        ``OSError`` or ``http.client.HTTPException``.
        """
        body = query.encode("utf-8")
        headers = {"Content-Type": "application/sparql-query", "Accept": accept}
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port,
                                                        timeout=self.timeout_s)
            try:
                self._conn.request("POST", self.path, body=body, headers=headers)
                response = self._conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _client(url: str, kind: str, pools: Pools, seed: str, repeated: str | None,
            start_at: float, duration: float, results: Any) -> None:
    """One load-generating client process: queries until the deadline, then reports."""
    rng = random.Random(seed)
    accept = accept_for(kind)
    ok = errors = 0
    statuses: dict[str, int] = {}
    conn = Connection(url)
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    cpu0 = time.process_time()
    deadline = start_at + duration
    i = 0
    while time.monotonic() < deadline:
        i += 1
        query = repeated or build_query(kind, rng, pools, f"{seed} {i}")
        try:
            status, _ = conn.post(query, accept)
        except (OSError, http.client.HTTPException) as exc:
            key = type(exc).__name__
        else:
            key = str(status)
        if key == "200":
            ok += 1
        else:
            errors += 1
            statuses[key] = statuses.get(key, 0) + 1
    end = time.monotonic()
    conn.close()
    results.put({"ok": ok, "errors": errors, "statuses": statuses, "end": end,
                 "cpu_s": time.process_time() - cpu0})


def throughput(url: str, kind: str, pools: Pools, clients: int, duration: float,
               repeated: str | None, tag: str) -> dict[str, Any]:
    """Completed 200 responses per second of ``clients`` concurrent client processes."""
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    start_at = time.monotonic() + 0.5 + 0.05 * clients
    procs = [ctx.Process(target=_client, args=(url, kind, pools, f"{tag} c{c}", repeated,
                                               start_at, duration, results), daemon=True)
             for c in range(clients)]
    for p in procs:
        p.start()
    got = []
    try:
        for _ in procs:
            got.append(results.get(timeout=duration + HTTP_TIMEOUT_S + 60))
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
    elapsed = max(r["end"] for r in got) - start_at
    ok = sum(r["ok"] for r in got)
    statuses: dict[str, int] = {}
    for r in got:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {"rps": round(ok / elapsed, 2), "ok": ok, "errors": sum(r["errors"] for r in got),
            "error_statuses": statuses, "elapsed_s": round(elapsed, 2),
            "client_cpu_share": round(sum(r["cpu_s"] for r in got)
                                      / (elapsed * (os.cpu_count() or 1)), 3)}


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several :func:`throughput` measurements as one: all responses over all the time."""
    elapsed = sum(r["elapsed_s"] for r in runs)
    ok = sum(r["ok"] for r in runs)
    statuses: dict[str, int] = {}
    for r in runs:
        for k, v in r["error_statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {"rps": round(ok / elapsed, 2) if elapsed else 0.0, "ok": ok,
            "errors": sum(r["errors"] for r in runs), "error_statuses": statuses,
            "elapsed_s": round(elapsed, 2), "rounds": [r["rps"] for r in runs],
            "client_cpu_share": round(sum(r["client_cpu_share"] * r["elapsed_s"]
                                          for r in runs) / elapsed, 3) if elapsed else 0.0}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latency(url: str, kind: str, pools: Pools, requests: int, tag: str) -> dict[str, Any]:
    """Single-client latency over ``requests`` varied queries, in milliseconds."""
    rng = random.Random(tag)
    accept = accept_for(kind)
    times: list[float] = []
    errors = 0
    conn = Connection(url)
    for i in range(requests):
        query = build_query(kind, rng, pools, f"{tag} {i}")
        t0 = time.perf_counter()
        try:
            status, _ = conn.post(query, accept)
        except (OSError, http.client.HTTPException):
            status = 0
        if status == 200:
            times.append((time.perf_counter() - t0) * 1000)
        else:
            errors += 1
    conn.close()
    if not times:
        return {"median_ms": None, "p95_ms": None, "errors": errors}
    return {"median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2), "errors": errors}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


# --------------------------------------------------------------------------- one size


def _select_column(conn: Connection, query: str) -> list[str]:
    status, body = conn.post(PREFIX_TEXT + query, SELECT_ACCEPT)
    if status != 200:
        sys.exit(f"HTTP {status} for a set-up query:\n{body[:2000]!r}")
    bindings = json.loads(body)["results"]["bindings"]
    return [next(iter(b.values()))["value"] for b in bindings if b]


def pick_pools(url: str) -> Pools:
    conn = Connection(url)

    def column(query: str) -> list[str]:
        return sorted(set(_select_column(conn, query)))

    commitments = column("SELECT ?c WHERE { ?c a ogp:Commitment } LIMIT 5000")
    plans = column("SELECT ?p WHERE { ?p a ogp:ActionPlan } LIMIT 5000")
    governments = column("SELECT ?g WHERE { ?g a ogp:NationalGovernment }")
    names = column("SELECT ?l WHERE { ?p a ogp:Country ; rdfs:label ?l }")
    words = sorted({w for name in names for w in re.findall(r"[a-z]{4,}", name.lower())}
                   - {"synthetic", "country", "republic"})
    conn.close()
    if not (commitments and plans and governments):
        sys.exit("the generated data has no commitments, plans or governments")
    return Pools(commitments, plans, governments, words or ["government"])


def check_sizes(servers: list[Server], kinds: list[str], pools: Pools) -> dict[str, Any]:
    """Send one query of each kind to every server and compare the result sizes."""
    out: dict[str, Any] = {}
    for kind in kinds:
        query = build_query(kind, random.Random(f"check {kind}"), pools, None)
        sizes: dict[str, Any] = {}
        for s in servers:
            conn = Connection(s.url)
            status, body = conn.post(query, accept_for(kind))
            conn.close()
            sizes[s.name] = result_size(kind, body) if status == 200 else f"HTTP {status}"
        values = list(sizes.values())
        equal = all(v == values[0] and isinstance(v, int) for v in values)
        out[kind] = {**sizes, "equal": equal}
        if not equal:
            print(f"  warning: {kind}: result sizes differ: {sizes}", file=sys.stderr)
    return out


def bench_size(work: Path, triples: int, args: argparse.Namespace) -> dict[str, Any]:
    print(f"size {triples:,}: preparing data and stores in {work / str(triples)}", flush=True)
    info = prepare(work, triples)
    folder = work / str(triples)
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    servers = [ogpkg_server(folder / "ogpkg", free_port(), logs / "ogpkg.log"),
               oxigraph_server(folder / "oxigraph", free_port(), logs / "oxigraph.log")]
    watch = MemoryWatch(servers)
    result: dict[str, Any] = {"triples": triples, "prepare": info,
                              "servers": {s.name: {"cmd": s.cmd[:2], "note": s.note}
                                          for s in servers}}
    for s in servers:
        if s.note:
            print(f"  {s.name}: {s.note}", flush=True)
    try:
        for s in servers:
            s.start()
        watch.start()
        t0 = time.perf_counter()
        for s in servers:
            s.wait_ready()
        result["ready_s"] = round(time.perf_counter() - t0, 2)
        pools = pick_pools(servers[1].url)
        result["pools"] = pools.as_json()
        result["result_sizes"] = check_sizes(servers, args.kinds, pools)
        for s in servers:  # warm up: a few queries of each kind
            for kind in args.kinds:
                latency(s.url, kind, pools, 3, f"warm {kind}")
        rows: dict[str, Any] = {}
        rounds = max(1, args.rounds)
        for kind in args.kinds:
            repeated = build_query(kind, random.Random(f"repeat {kind}"), pools, None)
            row: dict[str, Any] = {}
            runs: dict[str, dict[str, list[dict[str, Any]]]] = {
                s.name: {"throughput": [], "repeated": []} for s in servers}
            for s in servers:
                row[s.name] = {"latency": latency(s.url, kind, pools, args.requests,
                                                  f"lat {kind}")}
            print(f"  {kind:<9} ...", end="", flush=True)
            for r in range(rounds):  # alternate the order: drift favours neither server
                for s in (servers if r % 2 == 0 else servers[::-1]):
                    for mode, text in (("throughput", None), ("repeated", repeated)):
                        runs[s.name][mode].append(throughput(
                            s.url, kind, pools, args.clients, args.duration / rounds, text,
                            f"{mode} {kind} {r}"))
            for s in servers:
                for mode in ("throughput", "repeated"):
                    row[s.name][mode] = combine(runs[s.name][mode])
            a, b = row["ogpkg"], row["oxigraph"]
            row["ratios"] = {
                "throughput": ratio(a["throughput"]["rps"], b["throughput"]["rps"]),
                "repeated": ratio(a["repeated"]["rps"], b["repeated"]["rps"]),
                "latency_median": ratio(a["latency"]["median_ms"], b["latency"]["median_ms"]),
                "throughput_rounds": [ratio(x["rps"], y["rps"]) for x, y in zip(
                    runs["ogpkg"]["throughput"], runs["oxigraph"]["throughput"], strict=True)],
            }
            print("".join(f" {s.name} {row[s.name]['latency']['median_ms']} ms, "
                          f"{row[s.name]['throughput']['rps']} req/s, repeated "
                          f"{row[s.name]['repeated']['rps']} req/s;" for s in servers)
                  + f" ratio {row['ratios']['throughput']} (rounds "
                  + " ".join(str(x) for x in row["ratios"]["throughput_rounds"]) + ")",
                  flush=True)
            rows[kind] = row
        result["kinds"] = rows
    finally:
        watch.stop()
        for s in servers:
            s.stop()
            left = watch.stop_leftovers(s)
            if left:
                print(f"  warning: {s.name} left {len(left)} child process(es) running; "
                      f"stopped {left}", file=sys.stderr)
    result["memory"] = watch.report()
    if not args.keep:
        drop_stores(work, triples)
    return result


# --------------------------------------------------------------------------- report


def _fmt(value: Any, width: int) -> str:
    if value is None:
        return "-".rjust(width)
    if isinstance(value, float):
        return f"{value:,.1f}".rjust(width) if value >= 100 else f"{value:.2f}".rjust(width)
    return str(value).rjust(width)


def _spread(values: list[float | None] | None, width: int) -> str:
    """The lowest and highest of per-round ratios, as ``0.71-0.78``."""
    known = [v for v in values or [] if v is not None]
    if not known:
        return "-".rjust(width)
    return f"{min(known):.2f}-{max(known):.2f}".rjust(width)


def print_table(result: dict[str, Any]) -> None:
    prep = result["prepare"]
    print(f"\n{result['triples']:,} triples ({prep['data']['quads']:,} quads; ogpkg store "
          f"built in {prep['ogpkg']['build_s']} s, oxigraph load {prep['oxigraph']['build_s']} "
          f"s{', cached' if prep['ogpkg'].get('cached') else ''})")
    head = (f"{'kind':<10}{'ogpkg ms med':>13}{'p95':>9}{'oxigraph ms med':>16}{'p95':>9}"
            f"{'ogpkg r/s':>11}{'oxi r/s':>10}{'ratio':>9}{'rounds':>12}"
            f"{'ogpkg rep r/s':>15}{'oxi rep r/s':>13}{'ratio':>9}{'errors':>8}")
    print(head)
    print("-" * len(head))
    for kind, row in result.get("kinds", {}).items():
        a, b, r = row["ogpkg"], row["oxigraph"], row["ratios"]
        errors = sum(row[s][m]["errors"] for s in ("ogpkg", "oxigraph")
                     for m in ("latency", "throughput", "repeated"))
        print(f"{kind:<10}{_fmt(a['latency']['median_ms'], 13)}{_fmt(a['latency']['p95_ms'], 9)}"
              f"{_fmt(b['latency']['median_ms'], 16)}{_fmt(b['latency']['p95_ms'], 9)}"
              f"{_fmt(a['throughput']['rps'], 11)}{_fmt(b['throughput']['rps'], 10)}"
              f"{_fmt(r['throughput'], 9)}{_spread(r.get('throughput_rounds'), 12)}"
              f"{_fmt(a['repeated']['rps'], 15)}"
              f"{_fmt(b['repeated']['rps'], 13)}{_fmt(r['repeated'], 9)}{errors:>8}")
    m = result["memory"]
    print(f"memory: ogpkg VmHWM sum {m['ogpkg']['hwm_sum_mb']} MB "
          f"({m['ogpkg']['processes_seen']} processes), peak RSS of the tree "
          f"{m['ogpkg']['rss_tree_peak_mb']} MB; oxigraph VmHWM {m['oxigraph']['hwm_sum_mb']} MB,"
          f" peak RSS {m['oxigraph']['rss_tree_peak_mb']} MB; ratio ogpkg/oxigraph "
          f"{m.get('ratio_hwm')} (HWM), {m.get('ratio_rss')} (RSS)")
    print("ratios are ogpkg/oxigraph: above 1, ogpkg serves more requests per second "
          "(or uses more memory)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="300000,5000000",
                    help="comma-separated triple counts (default 300000,5000000)")
    ap.add_argument("--duration", type=float, default=10.0,
                    help="seconds of each throughput measurement, all rounds together "
                    "(default 10)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="split each throughput measurement into this many rounds, the two "
                    "servers taking turns in alternating order (default 2)")
    ap.add_argument("--requests", type=int, default=50,
                    help="requests per latency measurement (default 50)")
    ap.add_argument("--clients", type=int, default=8,
                    help="concurrent client processes for throughput (default 8)")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help=f"comma-separated subset of: {', '.join(KINDS)}")
    ap.add_argument("--keep", action=argparse.BooleanOptionalAction, default=True,
                    help="keep the built stores for the next run (default); --no-keep "
                    "deletes them afterwards, keeping only the generated data")
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK,
                    help="cache of generated data and built stores (default var/bench/endpoint)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help="JSON summary (default bench/out/endpoint.json)")
    args = ap.parse_args(argv)
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in args.kinds if k not in KINDS]
    if unknown or not args.kinds:
        ap.error(f"--kinds: unknown {', '.join(unknown) or '(none given)'}; "
                 f"use {', '.join(KINDS)}")
    if args.requests < 1 or args.clients < 1 or args.duration <= 0:
        ap.error("--requests and --clients must be at least 1, --duration positive")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    summary: dict[str, Any] = {
        "config": {"sizes": sizes, "duration_s": args.duration, "requests": args.requests,
                   "clients": args.clients, "kinds": args.kinds, "cpus": os.cpu_count()},
        "sizes": [],
    }
    for triples in sizes:
        result = bench_size(args.work, triples, args)
        summary["sizes"].append(result)
        print_table(result)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
