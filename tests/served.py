"""The endpoint in a process of its own (:mod:`tests.app_process`), for tests that flood it,
hold connections open or look at its CPU and its workers."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ROOT, copy_store


@contextmanager
def served(built_dir: Path, tmp_path: Path, **settings: Any) -> Iterator[tuple[str, int]]:
    """Serve a private copy of the built store with these settings; yields (base URL, pid)
    once every worker is up and idle."""
    args = {"data_dir": str(copy_store(built_dir, tmp_path / "var")), "content_dir": str(ROOT),
            **{k: v if isinstance(v, list) else str(v) for k, v in settings.items()}}
    proc = subprocess.Popen([sys.executable, "-m", "tests.app_process", json.dumps(args)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = f"http://127.0.0.1:{int(proc.stdout.readline())}"
        end = time.monotonic() + 60
        while True:
            try:
                health = httpx.get(url + "/health", timeout=2).json()
                if health["workers_busy"] == 0:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < end, "the server did not start"
            time.sleep(0.1)
        time.sleep(0.5)  # let the last workers finish starting
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if proc.stdout is not None:
            proc.stdout.close()
