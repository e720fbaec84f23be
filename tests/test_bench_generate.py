"""bench/generate.py: synthetic OGP-shaped data, deterministic, with known injected errors."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.script_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
TINY = 0.02  # 2 national and 3 local members, a few hundred triples per member


gen = load_script(ROOT / "bench" / "generate.py", "bench_generate")

PREFIXES = """
PREFIX ogp: <https://w3id.org/ogp-kg/def/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

#: kind -> query selecting every ?focus showing that kind of error
ERROR_QUERIES = {
    "commitment-without-plan": (
        "?focus a ogp:Commitment . FILTER NOT EXISTS { ?focus ogp:inActionPlan ?p }"
    ),
    "commitment-without-title": (
        "?focus a ogp:Commitment . FILTER NOT EXISTS { ?focus dcterms:title ?t }"
    ),
    "commitment-plan-not-a-plan": (
        "?focus ogp:inActionPlan ?p . FILTER NOT EXISTS { ?p a ogp:ActionPlan }"
    ),
    "plan-without-government": (
        "?focus a ogp:ActionPlan . FILTER NOT EXISTS { ?focus ogp:government ?g }"
    ),
    "plan-ends-before-it-starts": (
        "?focus a ogp:ActionPlan ; dcterms:temporal [ time:hasBeginning/time:inXSDgYear ?b ;"
        " time:hasEnd/time:inXSDgYear ?e ] . FILTER (STR(?e) < STR(?b))"
    ),
    "plan-commitment-count-wrong-datatype": (
        # an Oxigraph store keeps xsd:nonNegativeInteger as xsd:integer (oxigraph/oxigraph#526)
        "?focus ogp:commitmentCount ?n . FILTER (DATATYPE(?n) = xsd:string)"
    ),
    "membership-without-member": (
        "?focus a org:Membership . FILTER NOT EXISTS { ?focus org:member ?m }"
    ),
    "event-start-date-wrong-datatype": (
        "?focus schema:startDate ?d . FILTER (DATATYPE(?d) != xsd:date)"
    ),
    "event-ends-before-it-starts": (
        "?focus schema:startDate ?s ; schema:endDate ?e . FILTER (STR(?e) < STR(?s))"
    ),
}


def _load(path: Path, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.load(path=str(path), format=fmt)
    return store


def _found(store: ox.Store, kind: str) -> set[str]:
    query = f"{PREFIXES} SELECT DISTINCT ?focus WHERE {{ {ERROR_QUERIES[kind]} }}"
    return {row["focus"].value for row in store.query(query, use_default_graph_as_union=True)}


def test_error_queries_cover_every_error_kind() -> None:
    assert set(ERROR_QUERIES) == set(gen.ERROR_KINDS)


def test_tiny_scale_runs_fast_and_parses_as_n_triples(tmp_path: Path) -> None:
    out = tmp_path / "tiny.nt"
    started = time.perf_counter()
    count, errors = gen.generate(out, scale=TINY, seed=1)
    assert time.perf_counter() - started < 5
    assert errors == []
    store = _load(out, ox.RdfFormat.N_TRIPLES)
    assert count == len(out.read_text(encoding="utf-8").splitlines())
    assert len(store) == count  # no duplicate lines


def test_scale_sets_the_number_of_members_plans_and_commitments() -> None:
    data = gen.plan_dataset(1.0, seed=0)
    assert sum(m.national for m in data.members) == 75
    assert sum(not m.national for m in data.members) == 150
    assert 350 <= len(data.plans) <= 550
    assert 5000 <= sum(len(p.commitments) for p in data.plans) <= 7000
    bigger = gen.plan_dataset(3.0, seed=0)
    assert sum(m.national for m in bigger.members) == 225


def test_codes_keep_iso_patterns_beyond_the_number_of_real_countries() -> None:
    data = gen.plan_dataset(12.0, seed=0)
    countries = [m.code for m in data.members if m.national]
    regions = [m.code for m in data.members if not m.national]
    assert len(set(countries)) == len(countries) == 675
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in countries)
    assert len(set(regions)) == len(regions) == 1800
    assert all(re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", r) for r in regions)
    # fewer countries than asked for: national plans grow so the size stays linear
    commitments = sum(len(p.commitments) for p in data.plans)
    base = sum(len(p.commitments) for p in gen.plan_dataset(1.0, seed=0).plans)
    assert 10 * base <= commitments <= 14 * base


def test_region_codes_run_from_zz_001_to_zz_zzz() -> None:
    assert gen.region_code(1) == "ZZ-001"
    assert gen.region_code(999) == "ZZ-999"
    assert gen.region_code(1000) == "ZZ-A00"
    assert gen.region_code(gen.MAX_REGIONS) == "ZZ-ZZZ"
    codes = {gen.region_code(n) for n in range(1, gen.MAX_REGIONS + 1)}
    assert len(codes) == gen.MAX_REGIONS
    with pytest.raises(ValueError):
        gen.region_code(gen.MAX_REGIONS + 1)


def test_n_quads_put_each_member_in_its_own_described_graph(tmp_path: Path) -> None:
    out = tmp_path / "tiny.nq"
    count, _ = gen.generate(out, scale=TINY, seed=1, fmt="nq")
    store = _load(out, ox.RdfFormat.N_QUADS)
    assert len(store) == count
    graphs = {g.value for g in store.named_graphs()}
    data = gen.plan_dataset(TINY, seed=1)
    expected = {m.graph[1:-1] for m in data.members} | {gen.GRAPH + "synthetic-ogp"}
    assert graphs == expected
    for graph in graphs:
        g = ox.NamedNode(graph)
        bundle = ox.NamedNode("http://www.w3.org/ns/prov#Bundle")
        assert list(store.quads_for_pattern(g, ox.NamedNode(gen.RDF + "type"), bundle, g)), graph


def test_n_triples_and_n_quads_hold_the_same_triples(tmp_path: Path) -> None:
    nt, _ = gen.generate(tmp_path / "a.nt", scale=TINY, seed=3)
    nq, _ = gen.generate(tmp_path / "a.nq", scale=TINY, seed=3, fmt="nq")
    assert nt == nq


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    gen.generate(tmp_path / "a.nq", scale=TINY, seed=7, fmt="nq", inject_errors=4)
    gen.generate(tmp_path / "b.nq", scale=TINY, seed=7, fmt="nq", inject_errors=4)
    gen.generate(tmp_path / "c.nq", scale=TINY, seed=8, fmt="nq", inject_errors=4)
    a, b, c = (tmp_path / f"{n}.nq" for n in "abc")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    errors_a = json.loads((tmp_path / "a.errors.json").read_text(encoding="utf-8"))
    errors_b = json.loads((tmp_path / "b.errors.json").read_text(encoding="utf-8"))
    assert errors_a["errors"] == errors_b["errors"]


def test_injected_error_list_matches_the_requested_count(tmp_path: Path) -> None:
    n = 2 * len(gen.ERROR_KINDS) + 1
    out = tmp_path / "broken.nt"
    _, errors = gen.generate(out, scale=0.1, seed=5, inject_errors=n)
    listed = json.loads(gen.errors_path(out).read_text(encoding="utf-8"))
    assert listed["count"] == n == len(listed["errors"]) == len(errors)
    assert len({e["focus"] for e in listed["errors"]}) == n
    assert {e["kind"] for e in listed["errors"]} == set(gen.ERROR_KINDS)


def test_injected_errors_are_exactly_the_errors_in_the_data(tmp_path: Path) -> None:
    out = tmp_path / "broken.nq"
    gen.generate(out, scale=0.1, seed=5, fmt="nq", inject_errors=3 * len(gen.ERROR_KINDS))
    listed = json.loads(gen.errors_path(out).read_text(encoding="utf-8"))["errors"]
    store = _load(out, ox.RdfFormat.N_QUADS)
    for kind in gen.ERROR_KINDS:
        expected = {e["focus"] for e in listed if e["kind"] == kind}
        assert _found(store, kind) == expected, kind
    for error in listed:  # the broken entity is still in the graph the list names
        focus, graph = ox.NamedNode(error["focus"]), ox.NamedNode(error["graph"])
        assert list(store.quads_for_pattern(focus, None, None, graph)), error


def test_clean_data_shows_none_of_the_error_patterns(tmp_path: Path) -> None:
    out = tmp_path / "clean.nt"
    gen.generate(out, scale=0.1, seed=5)
    store = _load(out, ox.RdfFormat.N_TRIPLES)
    for kind in gen.ERROR_KINDS:
        assert _found(store, kind) == set(), kind
    assert not gen.errors_path(out).exists()


def test_more_errors_than_entities_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not enough"):
        gen.generate(tmp_path / "x.nt", scale=TINY, seed=1, inject_errors=1000)


def test_triples_target_picks_a_scale_near_it(tmp_path: Path) -> None:
    lines: list[str] = []
    out = tmp_path / "target.nt"
    assert gen.main(["--triples", "30000", "--out", str(out)], echo=lines.append) == 0
    count = int(lines[0].split(": ")[1].split()[0])
    assert 24000 <= count <= 36000
    assert count == len(out.read_text(encoding="utf-8").splitlines())


def test_every_concept_the_generator_writes_is_in_the_concept_schemes() -> None:
    import rdflib

    schemes = rdflib.Graph().parse(ROOT / "ontology" / "concepts.ttl")
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    defined = {str(c) for c in schemes.subjects(skos.inScheme, None)}
    assert gen.concepts_used() - defined == set()
