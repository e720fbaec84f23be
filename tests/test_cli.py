"""The command line: help everywhere, exit codes that mean something, reports, queries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ogpkg.cli import app
from ogpkg.config import Settings

runner = CliRunner()
COMMANDS = ["serve", "ingest", "load", "validate", "query", "dump", "stats", "check"]


@pytest.fixture()
def data_dir(built_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session store, so a test may write to it."""
    target = tmp_path / "var"
    shutil.copytree(built_dir, target, symlinks=True)
    return target


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Usage" in out


def test_query_table_and_formats(built_settings: Settings) -> None:
    d = str(built_settings.data_dir)
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/ogp-kg/def/ActionPlan> }"
    code, out, _ = run("query", q, "--data-dir", d)
    assert code == 0 and "n" in out
    code, out, _ = run("query", q, "--format", "csv", "--data-dir", d)
    assert code == 0 and out.splitlines()[0] == "n" and int(out.splitlines()[1]) >= 3


def test_query_syntax_error_exits_2_with_position(built_settings: Settings) -> None:
    code, _, err = run("query", "SELECT ?x WHERE { ?x ?y }", "--data-dir",
                       str(built_settings.data_dir))
    assert code == 2 and "line 1" in err


def test_stats_json(built_settings: Settings) -> None:
    code, out, err = run("stats", "--json", "--data-dir", str(built_settings.data_dir))
    assert code == 0, err
    stats = json.loads(out)
    assert code == 0 and stats["triples"] > 1000
    assert "https://w3id.org/ogp-kg/graph/seed-000" in stats["graphs"]


def test_dump_nquads_to_file(built_settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "dump.nq"
    code, _, _ = run("dump", "--out", str(out), "--data-dir", str(built_settings.data_dir))
    assert code == 0 and out.stat().st_size > 10_000


def test_validate_exit_codes(repo_root: Path, data_dir: Path, tmp_path: Path) -> None:
    good = repo_root / "data" / "templates" / "commitments.csv"
    code, _, err = run("validate", str(good), "--data-dir", str(data_dir))
    assert code == 0, err
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ogp: <https://w3id.org/ogp-kg/def/> .\n"
                   "<https://w3id.org/ogp-kg/id/commitment/ZZ-1> a ogp:Commitment .\n")
    code, out, _ = run("validate", str(bad), "--data-dir", str(data_dir), "--report", "json")
    assert code == 1
    assert json.loads(out)["conforms"] is False
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://a> <http://b> .")
    code, _, err = run("validate", str(broken), "--data-dir", str(data_dir))
    assert code == 2 and "broken.ttl line 1" in err


def test_ingest_writes_only_conforming_data(repo_root: Path, data_dir: Path) -> None:
    plans = repo_root / "data" / "templates" / "action-plans.csv"
    code, _, err = run("ingest", str(plans), "--data-dir", str(data_dir), "--contributor",
                       "tester")
    assert code == 0, err
    code, out, _ = run("query", "SELECT ?who WHERE { GRAPH ?g { ?g "
                       "<http://www.w3.org/ns/prov#wasAttributedTo>/"
                       "<http://xmlns.com/foaf/0.1/name> ?who } }",
                       "--format", "csv", "--data-dir", str(data_dir))
    assert "tester" in out
