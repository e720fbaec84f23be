"""A query worker process: runs queries over read-only snapshots and streams the results back.

Started by :mod:`ogpkg.query.engine` as ``python -m ogpkg.query.worker <memory cap in MB>``.
It reads jobs from stdin and writes frames to stdout; it is killed, not asked, when a query
passes its deadline, and dies on its own when a query passes the memory cap (``RLIMIT_DATA``).
Nothing in here decides policy: the parent chooses the snapshot, the deadline and what to do
on death.

Queries run on a thread with a large stack (:data:`STACK_MB`): the query parser and evaluator
recurse once per nesting level, and the main thread's 8 MB overflow at a few thousand levels,
which kills the process. The endpoint refuses deep nesting before a worker sees it (a lexical
count); the stack is there for whatever that count may miss, and for callers that skip it.

A query error the store reports (syntax, format) leaves the worker as it was; anything else
is a bug: the worker reports it as an internal error (status 500) and exits, and the parent
never gives it another job.

Wire format, both ways: a 4-byte big-endian length, then the payload. Jobs are JSON. Frames
from the worker start with one type byte:

``R`` ready (the thread id of the query thread) · ``S`` the result starts (JSON: format,
kind) · ``D`` result bytes · ``F`` the last result bytes (the result is complete) · ``E`` the
result is complete · ``X`` the query failed (JSON: an error body with status).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import struct
import sys
import threading
import traceback
from pathlib import Path
from typing import IO, Any

from ogpkg.errors import MemoryLimitExceeded, OgpkgError
from ogpkg.netguard import NetworkGuardUnavailable, forbid_network
from ogpkg.query.protocol import GRAPH_TYPES, SELECT_TYPES, result_format
from ogpkg.store import Snapshot

HEADER = struct.Struct(">I")
CHUNK = 1 << 16
#: the payload of the ``S`` frame for each (format, result kind)
_START = {(fmt, kind): json.dumps({"format": fmt, "kind": kind}).encode()
          for kind, offers in (("graph", GRAPH_TYPES), ("solutions", SELECT_TYPES),
                               ("boolean", SELECT_TYPES))
          for fmt in {name for _, name in offers}}
#: address space the worker needs beyond its start-up size to open a snapshot (RocksDB)
OPEN_MARGIN_MB = 192
#: stack of the thread that runs queries, in MB: enough for 100,000 nesting levels of any
#: kind (``(``, ``{``, ``!``), more than a text within the size limit can hold. Reserved, not
#: used: pages are only touched by a query that nests that deep.
STACK_MB = 256
#: the worker's second argument when it may not use the network
OFFLINE = "offline"
#: exit codes: the query needed more memory than the cap / a bug (after an ``X`` frame)
EXIT_MEMORY = 3
EXIT_BUG = 4


class _Frames:
    """Buffered ``write(bytes)`` that sends result bytes as ``D`` frames. Frames are gathered
    and written together (a small result is one write: start, data and end)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.buf = bytearray()  # result bytes not yet framed
        self.pending = bytearray()  # frames not yet written

    def send(self, kind: bytes, payload: bytes = b"", *, now: bool = True) -> None:
        self.pending += HEADER.pack(len(payload) + 1) + kind + payload
        if now or len(self.pending) >= CHUNK:
            self.out.write(bytes(self.pending))
            self.pending.clear()

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= CHUNK:
            self.send(b"D", bytes(self.buf), now=False)
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        """Nothing: the serialisers flush at their end, and a result that fits in one chunk
        must stay one ``F`` frame (the parent then answers it without streaming)."""

    def finish(self) -> None:
        """End the result: the bytes still buffered go out in one ``F`` frame."""
        self.send(b"F", bytes(self.buf))
        self.buf.clear()

    def drop(self) -> None:
        """Forget unsent result bytes and frames (the query failed)."""
        self.buf.clear()
        self.pending.clear()


def _vm_data_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) // 1024
    return 0


def limit_memory(cap_mb: int) -> None:
    """Cap the heap (``RLIMIT_DATA``: brk and private anonymous mappings) at the current size
    plus room to open a snapshot plus ``cap_mb`` for one query."""
    with contextlib.suppress(ValueError, OSError):  # a query dying of its cap dumps no core
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if cap_mb <= 0:
        return
    limit = (_vm_data_mb() + OPEN_MARGIN_MB + cap_mb) * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _read_exact(inp: IO[bytes], n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = inp.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def run_job(job: dict[str, Any], frames: _Frames, snapshots: dict[int, Snapshot],
            cap_mb: int) -> None:
    version = int(job["version"])
    snap = snapshots.get(version)
    if snap is None:
        snapshots.clear()  # one open snapshot at a time
        snap = snapshots[version] = Snapshot(Path(job["snapshot"]), version)

    def pick(kind: str) -> str:
        fmt = result_format(kind, job.get("accept"), job.get("format"))
        frames.send(b"S", _START[fmt, kind], now=False)
        return fmt

    try:
        snap.query_to(job["query"], frames, pick,
                      default_graphs=job.get("default_graphs") or None,
                      named_graphs=job.get("named_graphs") or None,
                      substitutions=job.get("substitutions") or None,
                      base_iri=job.get("base_iri"))
        frames.finish()
    except OgpkgError as exc:
        frames.drop()
        frames.send(b"X", json.dumps(exc.as_dict()).encode())
    except MemoryError:
        frames.drop()
        err = MemoryLimitExceeded(
            f"the query needed more than the memory limit of {cap_mb} MB and was stopped",
            detail={"limit": "memory", "limit_mb": cap_mb})
        frames.send(b"X", json.dumps(err.as_dict()).encode())
        raise


def main(argv: list[str]) -> int:
    """Serve jobs on a thread with a :data:`STACK_MB` stack; its exit code is the process's."""
    cap_mb = int(argv[1]) if len(argv) > 1 else 0
    offline = len(argv) > 2 and argv[2] == OFFLINE
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # stray prints go to stderr, never into the frame stream
    codes: list[int] = []
    threading.stack_size(STACK_MB << 20)
    thread = threading.Thread(target=lambda: codes.append(serve(cap_mb, out, offline)),
                              name="queries")
    thread.start()
    thread.join()
    return codes[0] if codes else EXIT_BUG


def serve(cap_mb: int, out: IO[bytes], offline: bool = False) -> int:
    """Read jobs from stdin and answer them until stdin closes; returns the exit code.
    ``offline``: the kernel forbids this thread network sockets (no ``SERVICE`` may be
    called, whatever a query's text says)."""
    if offline:
        try:
            forbid_network()
        except NetworkGuardUnavailable as exc:  # the text checks of the parent still hold
            print(f"query worker: {exc}; SERVICE is refused by the query checks alone",
                  file=sys.stderr)
    inp = sys.stdin.buffer
    limit_memory(cap_mb)  # after the stack is reserved: it counts in the base size
    frames = _Frames(out)
    snapshots: dict[int, Snapshot] = {}
    frames.send(b"R", str(threading.get_native_id()).encode())  # whose priority to lower
    while True:
        head = _read_exact(inp, HEADER.size)
        if head is None:
            return 0
        body = _read_exact(inp, HEADER.unpack(head)[0])
        if body is None:
            return 0
        try:
            run_job(json.loads(body), frames, snapshots, cap_mb)
        except MemoryError:
            return EXIT_MEMORY
        except (BrokenPipeError, ConnectionResetError):
            return 0
        except Exception:  # a bug: tell the parent, keep the traceback in the server log
            traceback.print_exc(file=sys.stderr)
            with contextlib.suppress(OSError):
                frames.drop()
                frames.send(b"X", json.dumps({"error": "internal error", "status": 500,
                                              "detail": {}}).encode())
            return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main(sys.argv))
