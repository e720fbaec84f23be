"""Ingest and validation benchmarks.

1. Ingest of a generated N-Triples file (default 1,000,000 triples), validation included,
   through ogpkg's real pipeline, the write gate (read → load into the working copy → effect
   read back → compiled SHACL → provenance → snapshot commit), against ``oxigraph load`` of
   the same file, measured side by side in one run. Prints the ratio.
2. Validation time against data size: the compiled fast path vs plain pyshacl on the same
   data (with injected errors), checking both report the same results.

Usage: ``python bench/bench_ingest.py [--triples 1000000] [--sizes 20000,60000,226000]``
Writes a JSON summary to ``bench/out/ingest.json``. Not a test: run by hand.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogpkg.contrib import content  # noqa: E402
from ogpkg.contrib.contribute import contribute  # noqa: E402
from ogpkg.contrib.gate import Gate  # noqa: E402
from ogpkg.contrib.ingest import read_input  # noqa: E402
from ogpkg.store import MemoryDataset, Store  # noqa: E402
from ogpkg.validation.validate import Shapes, validate, validate_pyshacl  # noqa: E402


def generate(out: Path, triples: int, inject: int = 0) -> Path:
    cmd = [sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", str(triples),
           "--out", str(out)]
    if inject:
        cmd += ["--inject-errors", str(inject)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def oxigraph_bin() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        sys.exit("the 'oxigraph' command is missing: pip install oxigraph")
    return found


def bench_ingest(work: Path, triples: int, shapes: Shapes) -> dict[str, float]:
    data = generate(work / "ingest.nt", triples)
    n = count_lines(data)
    # oxigraph load, the reference
    t0 = time.perf_counter()
    subprocess.run([oxigraph_bin(), "load", "--location", str(work / "ox"), "--file", str(data)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t_ox = time.perf_counter() - t0
    # ogpkg: a store holding the ontology and shapes (the synthetic data reuses real country
    # codes, so it is measured on its own rather than against the bundled facts)
    schema_only = work / "schema"
    schema_only.mkdir()
    for top in ("ontology", "shapes"):
        (schema_only / top).symlink_to(ROOT / top)
    store = Store(work / "var")
    gate = Gate(store, shapes, max_literal_bytes=10**6)  # every write goes through the gate
    content.sync(gate, schema_only)
    t0 = time.perf_counter()
    parsed = read_input(data, data.name, max_bytes=10**10, max_literal_bytes=10**6)
    t_read = time.perf_counter() - t0
    outcome = contribute(gate, parsed, contributor="bench")
    t_total = time.perf_counter() - t0
    gate.close()
    store.close()
    if not outcome.written:
        sys.exit(outcome.report.to_text("en")[:3000])
    return {"triples": n, "oxigraph_load_s": round(t_ox, 2),
            "oxigraph_triples_per_s": round(n / t_ox),
            "ogpkg_read_s": round(t_read, 2),
            "ogpkg_validate_s": round(outcome.report.elapsed_s, 2),
            "ogpkg_total_s": round(t_total, 2),
            "ogpkg_triples_per_s": round(n / t_total),
            "ratio_vs_oxigraph": round(t_total / t_ox, 2)}


def bench_validation(work: Path, size: int, shapes: Shapes) -> dict[str, float]:
    from rdflib import Graph

    data = generate(work / f"val-{size}.nt", size, inject=max(5, size // 5000))
    ds = MemoryDataset()
    for f in content.ontology_files(ROOT):
        ds.load(f, "turtle", source=f.name, graph="urn:ontology")
    ds.load(data, "ntriples", source=data.name, graph="urn:data")
    t0 = time.perf_counter()
    fast = validate(ds, shapes)
    t_fast = time.perf_counter() - t0
    g = Graph()
    g.parse(data, format="nt")
    t0 = time.perf_counter()
    ref = validate_pyshacl(g, shapes)
    t_ref = time.perf_counter() - t0

    fast_keys, ref_keys = fast.comparison_keys(), ref.comparison_keys()
    same = fast_keys == ref_keys
    for key in sorted(fast_keys - ref_keys, key=str)[:10]:
        print(f"  only the fast path: {key}")
    for key in sorted(ref_keys - fast_keys, key=str)[:10]:
        print(f"  only pyshacl: {key}")
    return {"triples": count_lines(data), "fast_s": round(t_fast, 2),
            "pyshacl_s": round(t_ref, 2), "speedup": round(t_ref / t_fast, 1),
            "results": len(fast.results), "same_results": same}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--sizes", default="20000,60000,226000",
                    help="comma-separated triple counts for the validation comparison "
                    "(empty: none)")
    ap.add_argument("--skip-ingest", action="store_true")
    args = ap.parse_args()
    shapes = Shapes.from_paths(content.shape_files(ROOT), content.ontology_files(ROOT))
    summary: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if not args.skip_ingest:
            summary["ingest"] = r = bench_ingest(work, args.triples, shapes)
            print(f"ingest {r['triples']:,} triples: oxigraph load {r['oxigraph_load_s']} s, "
                  f"ogpkg ingest with validation {r['ogpkg_total_s']} s "
                  f"(read {r['ogpkg_read_s']} s, validate {r['ogpkg_validate_s']} s) "
                  f"-> ratio {r['ratio_vs_oxigraph']}x")
        rows = []
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            v = bench_validation(work, size, shapes)
            rows.append(v)
            print(f"validate {v['triples']:,} triples: fast {v['fast_s']} s, pyshacl "
                  f"{v['pyshacl_s']} s -> {v['speedup']}x; {v['results']} results, "
                  f"{'same as pyshacl' if v['same_results'] else 'NOT the same as pyshacl'}")
        summary["validation"] = rows
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
