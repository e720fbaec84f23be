"""Limits on anonymous uploads: a parse budget (nesting deeper than ``max_nesting`` is a 400
naming the limit, found before the parser runs, in every nested format), per-client quotas
(429 with Retry-After) and a disk cap (507) that never evict anyone's waiting upload."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from ogpkg.config import Settings
from ogpkg.contrib.ingest import read_input
from ogpkg.contrib.uploads import (
    Upload,
    UploadLimits,
    UploadQuotaExceeded,
    Uploads,
    UploadSpaceFull,
)
from ogpkg.errors import InputError
from ogpkg.validation.validate import ValidationReport
from ogpkg.web import create_app
from tests.http_server import running

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e.org/"'


def deep(fmt: str, depth: int) -> tuple[str, bytes]:
    """A file of ``fmt`` nested ``depth`` levels deep, and its name."""
    if fmt == "rdfxml":
        text = (f"<rdf:RDF {RDF}>" + "<rdf:Description><e:p>" * depth + "<rdf:Description/>"
                + "</e:p></rdf:Description>" * depth + "</rdf:RDF>")
        return "deep.rdf", text.encode()
    if fmt == "jsonld":
        text = "".join(f'{{"@id": "http://e.org/s{i}", "http://e.org/p": '
                       for i in range(depth)) + "1" + "}" * depth
        return "deep.jsonld", text.encode()
    if fmt == "collection":
        text = "<http://e.org/s> <http://e.org/p> " + "(" * depth + "1" + ")" * depth + " ."
        return "deep.ttl", text.encode()
    if fmt == "bnode":
        text = ("<http://e.org/s> <http://e.org/p> " + "[ <http://e.org/p> " * depth + "1"
                + " ]" * depth + " .")
        return "deep.ttl", text.encode()
    text = "<http://e.org/g> { " * depth + "<http://e.org/s> <http://e.org/p> 1 ." + " }"
    return "deep.trig", text.encode()


FORMATS = ["rdfxml", "jsonld", "collection", "bnode"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nesting_beyond_the_limit_is_refused_naming_the_limit(fmt: str) -> None:
    name, data = deep(fmt, 65)
    with pytest.raises(InputError) as err:
        read_input(data, name, max_bytes=10**8, max_literal_bytes=10**6)
    assert "nested deeper than 64 levels" in str(err.value)
    assert "OGPKG_MAX_NESTING" in str(err.value)
    assert err.value.status == 400 and err.value.detail["limit"] == 64
    assert err.value.location is not None and err.value.location.line == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_nesting_at_the_limit_is_read(fmt: str) -> None:
    name, data = deep(fmt, 30)
    assert read_input(data, name, max_bytes=10**8, max_literal_bytes=10**6,
                      max_nesting=64).triples >= 30


def test_brackets_inside_strings_iris_and_comments_do_not_count() -> None:
    text = ('# ((((((((((\n<http://e.org/s(((((> <http://e.org/p> "[[[[[[[[[", """((((\n((((""" .'
            .replace("(((((", "(" * 100))
    assert read_input(text.encode(), "x.ttl", max_bytes=10**6, max_literal_bytes=10**6,
                      max_nesting=3).triples == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_very_deep_upload_is_refused_fast(fmt: str) -> None:
    """A 1.8 MB RDF/XML file 40,000 levels deep held a core for 22 s."""
    name, data = deep(fmt, 40_000)
    started = time.monotonic()
    with pytest.raises(InputError, match="nested deeper than"):
        read_input(data, name, max_bytes=10**8, max_literal_bytes=10**6)
    assert time.monotonic() - started < 2.0


REPORT = ValidationReport([], True, "fast", 0, 0, 0.0)


def _upload(store: Uploads, client: str, data: bytes = b"data") -> Upload:
    return store.add(data, Upload("", "f.ttl", "turtle", len(data), "0" * 64, 1, time.time(),
                                  REPORT), client)


def test_a_client_beyond_its_quota_gets_429_and_nothing_is_evicted(tmp_path: Path) -> None:
    store = Uploads(tmp_path / "uploads", limits=UploadLimits(client_items=3))
    others = [_upload(store, "10.0.0.2") for _ in range(2)]
    mine = [_upload(store, "10.0.0.1") for _ in range(3)]
    for _ in range(5):
        with pytest.raises(UploadQuotaExceeded) as err:
            _upload(store, "10.0.0.1")
        assert err.value.status == 429 and err.value.retry_after > 0
        assert "OGPKG_UPLOAD_CLIENT_ITEMS=3" in str(err.value)
    for up in others + mine:
        assert store.get(up.id).id == up.id
    assert _upload(store, "10.0.0.2")  # another client still has room


def test_a_client_beyond_its_bytes_gets_429(tmp_path: Path) -> None:
    store = Uploads(tmp_path / "uploads", limits=UploadLimits(client_bytes=10_000))
    first = _upload(store, "a", b"x" * 6000)
    with pytest.raises(UploadQuotaExceeded, match="OGPKG_UPLOAD_CLIENT_MB"):
        _upload(store, "a", b"x" * 6000)
    assert store.data(first) == b"x" * 6000


def test_uploads_beyond_the_disk_cap_get_507_and_nothing_is_evicted(tmp_path: Path) -> None:
    store = Uploads(tmp_path / "uploads", limits=UploadLimits(total_bytes=20_000))
    kept = [_upload(store, f"client-{i}", b"x" * 5000) for i in range(3)]
    with pytest.raises(UploadSpaceFull) as err:
        _upload(store, "client-new", b"x" * 5000)
    assert err.value.status == 507 and "OGPKG_UPLOADS_MAX_MB" in str(err.value)
    for up in kept:
        assert store.data(up) == b"x" * 5000


def test_published_uploads_leave_their_clients_share(tmp_path: Path) -> None:
    store = Uploads(tmp_path / "uploads", limits=UploadLimits(client_items=1))
    up = _upload(store, "a")
    up.published = {"graph": "https://e.org/g", "version": 2, "contributor": "x", "at": "now"}
    store.save(up)
    assert _upload(store, "a")


# --------------------------------------------------------------------------- over HTTP

@pytest.fixture()
def client(writable_settings: Settings) -> Iterator[httpx.Client]:
    settings = replace(writable_settings, upload_client_items=2)
    with running(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as c:
        yield c


def post(client: httpx.Client, name: str, data: bytes, json: bool = True) -> httpx.Response:
    headers = {"Accept": "application/json"} if json else {}
    return client.post("/contribute", files={"file": (name, data)}, headers=headers)


def test_deep_upload_is_a_400_naming_the_limit_over_http(client: httpx.Client) -> None:
    name, data = deep("rdfxml", 40_000)
    r = post(client, name, data)
    assert r.status_code == 400
    assert "nested deeper than 64 levels" in r.json()["error"]
    r = post(client, name, data, json=False)
    assert r.status_code == 400 and "OGPKG_MAX_NESTING" in r.text


def test_many_uploads_from_one_client_keep_the_earlier_ones(client: httpx.Client) -> None:
    ttl = b"<https://e.org/s> <https://e.org/p> 1 ."
    first = [post(client, "a.ttl", ttl) for _ in range(2)]
    assert [r.status_code for r in first] == [201, 201]
    for _ in range(5):
        r = post(client, "a.ttl", ttl)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
        assert "OGPKG_UPLOAD_CLIENT_ITEMS=2" in r.json()["error"]
    r = post(client, "a.ttl", ttl, json=False)
    assert r.status_code == 429 and "OGPKG_UPLOAD_CLIENT_ITEMS" in r.text
    for r in first:
        assert client.get(r.headers["location"]).status_code == 200


def test_long_literals_are_scanned_quickly() -> None:
    from ogpkg.contrib.ingest.rdf import check_nesting

    text = '<http://e.org/s> <http://e.org/p> """' + "(" * 5_000_000 + '""" .'
    started = time.monotonic()
    check_nesting(text, "big.ttl", "turtle", 3)
    assert time.monotonic() - started < 1.0
