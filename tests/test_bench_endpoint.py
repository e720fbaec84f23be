"""bench/bench_endpoint.py: the endpoint benchmark runs end to end and reports every ratio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("aggregate", "compare", "describe", "label", "topk", "construct")


@pytest.mark.slow
def test_endpoint_benchmark_reports_throughput_and_memory_ratios(tmp_path: Path) -> None:
    out = tmp_path / "endpoint.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_endpoint.py"), "--sizes", "3000",
         "--duration", "1", "--requests", "3", "--clients", "2", "--work",
         str(tmp_path / "work"), "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    summary = json.loads(out.read_text())
    (size,) = summary["sizes"]
    assert size["triples"] == 3000
    assert all(check["equal"] for check in size["result_sizes"].values())
    assert set(size["kinds"]) == set(KINDS)
    for kind, row in size["kinds"].items():
        for mode in ("throughput", "repeated"):
            assert isinstance(row["ratios"][mode], float), (kind, mode, row)
            assert len(row["ogpkg"][mode]["rounds"]) == 2, (kind, mode, row)
            for server in ("ogpkg", "oxigraph"):
                assert row[server][mode]["ok"] > 0, (kind, server, mode)
                assert row[server][mode]["errors"] == 0, (kind, server, mode)
        assert len(row["ratios"]["throughput_rounds"]) == 2, (kind, row)
    memory = size["memory"]
    for server in ("ogpkg", "oxigraph"):
        assert memory[server]["hwm_sum_mb"] > 0
        assert memory[server]["rss_tree_peak_mb"] > 0
    assert isinstance(memory["ratio_hwm"], float)
    assert isinstance(memory["ratio_rss"], float)
