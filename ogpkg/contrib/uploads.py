"""Uploads waiting to be published: the contribution web flow keeps each uploaded file with
its validation report under ``<data_dir>/uploads/<id>/`` until it is published or expires.

An upload's id is random and unguessable (a report shows the uploaded data, so the id is
what keeps it to the person who has the link). Each upload is written to a temporary folder
and renamed into place, so a reader never sees half an upload. Uploads older than
``ttl_s`` are removed whenever one is added; no upload is ever removed to make room for
another. Instead, each client may keep at most ``client_items`` uploads and
``client_bytes`` bytes waiting (429 beyond that), and all uploads together at most
``total_bytes`` bytes on disk (507 beyond that).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogpkg.errors import NotFoundError, OgpkgError
from ogpkg.validation.validate import ValidationReport

if TYPE_CHECKING:
    from ogpkg.config import Settings

#: how long an upload waits to be published, in seconds
UPLOAD_TTL_S = 24 * 3600

_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_RECORD = "upload.json"
_DATA = "data"
_CLIENT = "client"
_PUBLISHED = "published"
MB = 1024 * 1024


class UploadQuotaExceeded(OgpkgError):
    """A client has as many uploads, or bytes, waiting as it may."""

    status = 429

    def __init__(self, message: str, *, retry_after: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UploadSpaceFull(OgpkgError):
    """The uploads of every client together fill the space set aside for them."""

    status = 507


@dataclass(frozen=True)
class UploadLimits:
    """What one client, and all clients together, may keep waiting."""

    client_items: int = 20
    client_bytes: int = 200 * MB
    total_bytes: int = 2048 * MB

    @classmethod
    def of(cls, settings: Settings) -> UploadLimits:
        return cls(settings.upload_client_items, settings.upload_client_mb * MB,
                   settings.uploads_max_mb * MB)


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
                 limits: UploadLimits | None = None) -> None:
        self.root = root
        self.ttl_s = ttl_s
        self.limits = limits or UploadLimits()
        self._lock = threading.Lock()

    def add(self, data: bytes, upload: Upload, client: str = "") -> Upload:
        """Keep ``data`` and ``upload`` (whose id is replaced by a new random one) for
        ``client`` (any string naming who sent it; it is stored hashed).

        Raises :class:`UploadQuotaExceeded` when the client already has its share waiting,
        :class:`UploadSpaceFull` when all uploads together would pass the disk cap."""
        record = json.dumps(upload.record(), ensure_ascii=False).encode("utf-8")
        owner = client_key(client)
        with self._lock:
            self.root.mkdir(parents=True, exist_ok=True)
            self.prune()
            self._admit(owner, len(data) + len(record))
            upload.id = secrets.token_urlsafe(18)
            record = json.dumps(upload.record(), ensure_ascii=False).encode("utf-8")
            tmp = self.root / f".tmp-{upload.id}"
            tmp.mkdir()
            try:
                (tmp / _DATA).write_bytes(data)
                (tmp / _RECORD).write_bytes(record)
                (tmp / _CLIENT).write_text(owner)
                tmp.rename(self.root / upload.id)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        return upload

    def check_room(self, size: int, client: str = "") -> None:
        """Raise as :meth:`add` would for an upload of ``size`` bytes from ``client``
        (before the work of checking it is done)."""
        with self._lock:
            self._admit(client_key(client), size)

    def _admit(self, owner: str, size: int) -> None:
        items, held, total, oldest = self._usage(owner)
        lim = self.limits
        retry = max(1, int(oldest + self.ttl_s - time.time())) if oldest else 60
        hours = f"{retry / 3600:.1f}"
        if items >= lim.client_items:
            raise UploadQuotaExceeded(
                f"you have {items} uploads waiting to be published, the most one client may "
                f"keep (OGPKG_UPLOAD_CLIENT_ITEMS={lim.client_items}); publish one or wait "
                f"for the oldest to expire (in {hours} hours)",
                retry_after=retry, detail={"limit": lim.client_items, "waiting": items})
        if held + size > lim.client_bytes:
            raise UploadQuotaExceeded(
                f"your waiting uploads hold {held:,} bytes; with this one ({size:,} bytes) "
                f"they would pass the {lim.client_bytes:,} bytes one client may keep "
                f"(OGPKG_UPLOAD_CLIENT_MB={lim.client_bytes // MB}); publish one or wait "
                f"for the oldest to expire (in {hours} hours)",
                retry_after=retry, detail={"limit": lim.client_bytes, "held": held})
        if total + size > lim.total_bytes:
            raise UploadSpaceFull(
                f"the space for uploads waiting to be published is full ({total:,} of "
                f"{lim.total_bytes:,} bytes, OGPKG_UPLOADS_MAX_MB={lim.total_bytes // MB}); "
                "try again later", detail={"limit": lim.total_bytes, "used": total})

    def _usage(self, owner: str) -> tuple[int, int, int, float]:
        """``owner``'s waiting uploads and bytes, the bytes of all uploads, and when the
        oldest of ``owner``'s waiting uploads was made (0: none)."""
        items = held = total = 0
        oldest = 0.0
        if not self.root.is_dir():
            return items, held, total, oldest
        for entry in os.scandir(self.root):
            if not entry.is_dir(follow_symlinks=False):
                continue
            folder = Path(entry.path)
            try:
                size = sum(f.stat().st_size for f in os.scandir(folder) if f.is_file())
            except FileNotFoundError:  # removed while we looked
                continue
            total += size
            if entry.name.startswith(".tmp-") or (folder / _PUBLISHED).exists():
                continue
            try:
                mine = (folder / _CLIENT).read_text() == owner
            except FileNotFoundError:
                mine = False
            if mine:
                items += 1
                held += size
                made = entry.stat().st_mtime
                oldest = made if not oldest else min(oldest, made)
        return items, held, total, oldest

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
        if upload.published is not None:  # no longer counts against its client's share
            (folder / _PUBLISHED).touch()

    def prune(self, now: float | None = None) -> None:
        """Remove expired uploads and leftovers of interrupted ones."""
        if not self.root.is_dir():
            return
        now = time.time() if now is None else now
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


def client_key(client: str) -> str:
    """What is stored of a client's name (its address): a hash, enough to count its uploads."""
    return hashlib.sha256(client.encode("utf-8")).hexdigest()[:32]
