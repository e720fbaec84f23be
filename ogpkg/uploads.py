"""Uploads waiting to be published: the contribution web flow keeps each uploaded file with
its validation report under ``<data_dir>/uploads/<id>/`` until it is published or expires.

An upload's id is random and unguessable (a report shows the uploaded data, so the id is
what keeps it to the person who has the link). Each upload is written to a temporary folder
and renamed into place, so a reader never sees half an upload. Uploads older than
``ttl_s`` and those beyond the newest ``max_items`` are removed whenever one is added.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ogpkg.errors import NotFoundError
from ogpkg.validate import ValidationReport

#: how long an upload waits to be published, in seconds
UPLOAD_TTL_S = 24 * 3600
#: how many uploads are kept at most (the oldest go first)
MAX_UPLOADS = 200

_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_RECORD = "upload.json"
_DATA = "data"


@dataclass
class Upload:
    """One uploaded file, what it was read as, and its validation report."""

    id: str
    name: str
    fmt: str
    size: int
    sha256: str
    triples: int
    created: float
    report: ValidationReport
    #: what the upload says about each focus node of the report: [predicate, object] in
    #: N-Triples, and whether the dataset already describes the node
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: set once published: graph, version, contributor, at
    published: dict[str, Any] | None = None

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "fmt": self.fmt, "size": self.size,
                "sha256": self.sha256, "triples": self.triples, "created": self.created,
                "report": self.report.to_record(), "nodes": self.nodes,
                "published": self.published}

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Upload:
        return cls(rec["id"], rec["name"], rec["fmt"], int(rec["size"]), rec["sha256"],
                   int(rec["triples"]), float(rec["created"]),
                   ValidationReport.from_record(rec["report"]), rec.get("nodes") or {},
                   rec.get("published"))


class Uploads:
    """The uploads folder of one data directory."""

    def __init__(self, root: Path, *, ttl_s: float = UPLOAD_TTL_S,
                 max_items: int = MAX_UPLOADS) -> None:
        self.root = root
        self.ttl_s = ttl_s
        self.max_items = max_items

    def add(self, data: bytes, upload: Upload) -> Upload:
        """Keep ``data`` and ``upload`` (whose id is replaced by a new random one)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.prune()
        upload.id = secrets.token_urlsafe(18)
        tmp = self.root / f".tmp-{upload.id}"
        tmp.mkdir()
        try:
            (tmp / _DATA).write_bytes(data)
            (tmp / _RECORD).write_text(json.dumps(upload.record(), ensure_ascii=False))
            tmp.rename(self.root / upload.id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return upload

    def _folder(self, upload_id: str) -> Path:
        folder = self.root / upload_id
        if not _ID.fullmatch(upload_id) or not (folder / _RECORD).is_file():
            raise NotFoundError(f"there is no upload '{upload_id}' (uploads are kept for "
                                f"{self.ttl_s / 3600:g} hours)")
        return folder

    def get(self, upload_id: str) -> Upload:
        """The upload, or :class:`NotFoundError` for an unknown or expired id."""
        folder = self._folder(upload_id)
        upload = Upload.from_record(json.loads((folder / _RECORD).read_text()))
        if upload.published is None and time.time() - upload.created > self.ttl_s:
            raise NotFoundError(f"the upload '{upload_id}' has expired (uploads are kept for "
                                f"{self.ttl_s / 3600:g} hours); upload the file again")
        return upload

    def data(self, upload: Upload) -> bytes:
        return (self._folder(upload.id) / _DATA).read_bytes()

    def save(self, upload: Upload) -> None:
        """Write ``upload``'s record again (after publishing or re-validating)."""
        folder = self._folder(upload.id)
        tmp = folder / f".{_RECORD}.tmp"
        tmp.write_text(json.dumps(upload.record(), ensure_ascii=False))
        tmp.replace(folder / _RECORD)

    def prune(self, now: float | None = None) -> None:
        """Remove expired uploads, leftovers of interrupted ones, and all but the newest
        ``max_items - 1`` (room for one more)."""
        if not self.root.is_dir():
            return
        now = time.time() if now is None else now
        kept: list[tuple[float, Path]] = []
        for entry in self.root.iterdir():
            try:
                mtime = entry.stat().st_mtime
            except FileNotFoundError:
                continue
            if entry.name.startswith(".tmp-"):
                if now - mtime > 3600:
                    shutil.rmtree(entry, ignore_errors=True)
            elif now - mtime > self.ttl_s:
                shutil.rmtree(entry, ignore_errors=True)
            else:
                kept.append((mtime, entry))
        kept.sort()
        for _, entry in kept[:max(0, len(kept) - (self.max_items - 1))]:
            shutil.rmtree(entry, ignore_errors=True)
