"""Contributions against a real store: every bad input is refused with a clear error or
report and writes nothing; conforming data is written with provenance; references to
existing entities are resolved against the store."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest

from ogpkg.contrib.contribute import Outcome, contribute
from ogpkg.contrib.gate import Gate
from ogpkg.contrib.ingest import read_input
from ogpkg.errors import InputError, OgpkgError, TooLargeError
from ogpkg.store import Store

BAD = Path(__file__).parent / "bad_inputs"
EXPECTED: dict[str, dict] = json.loads((BAD / "EXPECTED.json").read_text(encoding="utf-8"))
MAX_LITERAL = 10_000
PREFIXES = """@prefix ogp: <https://w3id.org/ogp-kg/def/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix commitment: <https://w3id.org/ogp-kg/id/commitment/> .
@prefix plan: <https://w3id.org/ogp-kg/id/plan/> .
@prefix area: <https://w3id.org/ogp-kg/concept/policy-area/> .
"""


@pytest.fixture(scope="module")
def store(built_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    target = tmp_path_factory.mktemp("contrib") / "var"
    shutil.copytree(built_dir, target, symlinks=True)
    return Store(target)


@pytest.fixture(scope="module")
def gate(store: Store, shapes) -> Gate:  # type: ignore[no-untyped-def]
    return Gate(store, shapes, max_literal_bytes=MAX_LITERAL)


_DUMPS: dict[int, str] = {}


def fingerprint(store: Store) -> tuple[int, str, int, list[str]]:
    """The committed version and the hash of its dump, and the working copy's size and
    graphs: equal fingerprints mean nothing was written."""
    if store.version not in _DUMPS:
        buf = io.BytesIO()
        store.snapshot().dump_to(buf, "nquads")
        _DUMPS[store.version] = hashlib.sha256(buf.getvalue()).hexdigest()
    return store.version, _DUMPS[store.version], store.count(), store.graph_names()


def attempt(gate: Gate, data: bytes | Path, name: str) -> Outcome:
    parsed = read_input(data, name, max_bytes=5_000_000, max_literal_bytes=MAX_LITERAL)
    return contribute(gate, parsed, contributor="test")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_is_refused_and_store_unchanged(store: Store, gate: Gate, name: str) -> None:
    expected = EXPECTED[name]
    before = fingerprint(store)
    if expected["kind"] == "shacl":
        outcome = attempt(gate, BAD / name, name)
        assert not outcome.conforms and not outcome.written
        assert outcome.report.violations()
    else:
        with pytest.raises(OgpkgError) as info:
            attempt(gate, BAD / name, name)
        assert isinstance(info.value, InputError)
        assert expected["contains"] in str(info.value)
    assert fingerprint(store) == before


@pytest.mark.parametrize("case", ["huge-literal", "oversize-file"])
def test_generated_oversize_inputs_are_refused(store: Store, gate: Gate, case: str) -> None:
    before = fingerprint(store)
    if case == "huge-literal":
        data = (PREFIXES + 'commitment:X dcterms:title "' + "x" * (MAX_LITERAL + 1)
                + '"@en .\n').encode()
        with pytest.raises(InputError, match="literal"):
            attempt(gate, data, "huge.ttl")
    else:
        data = b"#" * 6_000_000
        with pytest.raises(TooLargeError):
            attempt(gate, data, "big.ttl")
    assert fingerprint(store) == before


def test_commitment_pointing_at_existing_plan_is_written_with_provenance(
        store: Store, gate: Gate) -> None:
    plans = store.select("SELECT ?p WHERE { ?p a <https://w3id.org/ogp-kg/def/"
                         "NationalActionPlan> } ORDER BY ?p LIMIT 1")
    plan = str(plans[0]["p"])
    data = (PREFIXES + f"""commitment:ZZ-TEST-01 a ogp:Commitment ;
    dcterms:identifier "ZZ-TEST-01" ;
    dcterms:title "A test commitment"@en , "Un engagement de test"@fr , "التزام تجريبي"@ar ;
    ogp:inActionPlan <{plan}> .
""").encode()
    outcome = attempt(gate, data, "ok.ttl")
    assert outcome.written, outcome.report.to_text("en")
    rows = store.snapshot().select(
        f"SELECT ?name ?hash WHERE {{ GRAPH <{outcome.graph}> {{ <{outcome.graph}> "
        "<http://www.w3.org/ns/prov#wasDerivedFrom> ?src . ?src <https://schema.org/name> ?name ;"
        f" <https://w3id.org/ogp-kg/def/contentSha256> ?hash }} }}")
    assert [str(rows[0]["name"])] == ["ok.ttl"]
    assert str(rows[0]["hash"]) == hashlib.sha256(data).hexdigest()


def test_commitment_pointing_at_unknown_plan_is_refused(store: Store, gate: Gate) -> None:
    before = fingerprint(store)
    data = (PREFIXES + """commitment:ZZ-TEST-02 a ogp:Commitment ;
    dcterms:identifier "ZZ-TEST-02" ;
    dcterms:title "Orphan"@en , "Orphelin"@fr , "يتيم"@ar ;
    ogp:inActionPlan plan:ZZ-1999 .
""").encode()
    outcome = attempt(gate, data, "orphan.ttl")
    assert not outcome.conforms and not outcome.written
    paths = {r.path for r in outcome.report.violations()}
    assert "https://w3id.org/ogp-kg/def/inActionPlan" in paths
    assert fingerprint(store) == before


def test_dry_run_reports_without_writing(store: Store, gate: Gate, repo_root: Path) -> None:
    before = fingerprint(store)
    path = repo_root / "data" / "templates" / "action-plans.csv"
    parsed = read_input(path, path.name, max_bytes=5_000_000, max_literal_bytes=MAX_LITERAL)
    outcome = contribute(gate, parsed, contributor="t", dry_run=True)
    assert outcome.conforms and not outcome.written
    assert fingerprint(store) == before


def test_written_contribution_carries_its_validation_report(store: Store, gate: Gate,
                                                            repo_root: Path) -> None:
    path = repo_root / "data" / "templates" / "commitments.csv"
    parsed = read_input(path, path.name, max_bytes=5_000_000, max_literal_bytes=MAX_LITERAL)
    outcome = contribute(gate, parsed, contributor="Amina")
    assert outcome.written
    rows = store.snapshot().select(f"""
        PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?conforms ?who ?when WHERE {{ GRAPH <{outcome.graph}> {{
            <{outcome.graph}> <https://w3id.org/ogp-kg/def/validationReport> ?r ;
                <http://www.w3.org/ns/prov#wasAttributedTo>/<http://xmlns.com/foaf/0.1/name> ?who ;
                <http://www.w3.org/ns/prov#generatedAtTime> ?when .
            ?r a sh:ValidationReport ; sh:conforms ?conforms }} }}""")
    assert len(rows) == 1
    assert str(rows[0]["conforms"]) == "true" and str(rows[0]["who"]) == "Amina"
