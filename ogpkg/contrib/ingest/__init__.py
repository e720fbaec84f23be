"""Readers of contributed data: RDF in any format pyoxigraph reads, and the CSV templates.

:func:`read_input` is the one entry point. It checks the size, the encoding and the format,
parses into an in-memory dataset, and returns a :class:`ParsedInput` that also knows where
in the file each described node comes from (for validation reports).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ogpkg.contrib.ingest.csv_templates import TEMPLATES, read_csv
from ogpkg.contrib.ingest.locate import row_locator
from ogpkg.contrib.ingest.rdf import MAX_NESTING, read_rdf
from ogpkg.contrib.ingest.text import decode_utf8
from ogpkg.contrib.ingest.vocab import concept_codes
from ogpkg.errors import (
    InputError,
    Location,
    NotFoundError,
    TooLargeError,
    UnsupportedFormatError,
)
from ogpkg.namespaces import BASE
from ogpkg.store import RDF_FORMATS, MemoryDataset, format_from_name

__all__ = ["CSV_FORMATS", "ParsedInput", "detect_format", "read_input"]

#: the format names of the CSV templates, as ParsedInput.fmt gives them
CSV_FORMATS = tuple(f"csv:{name}" for name in TEMPLATES)

#: extensions people try that we do not read, with what to do instead
_OFFICE_HINTS = {
    "xlsx": "save the sheet as 'CSV UTF-8 (comma delimited)' using a template in "
            "data/templates/",
    "xls": "save the sheet as 'CSV UTF-8 (comma delimited)' using a template in "
           "data/templates/",
    "ods": "save the sheet as CSV (UTF-8, comma-separated) using a template in "
           "data/templates/",
    "docx": "documents are not data: put the facts in a CSV template or in RDF",
    "doc": "documents are not data: put the facts in a CSV template or in RDF",
    "pdf": "documents are not data: put the facts in a CSV template or in RDF",
    "tsv": "save it comma-separated as .csv",
}


@dataclass
class ParsedInput:
    """One contributed file, parsed."""

    name: str
    fmt: str
    dataset: MemoryDataset
    sha256: str
    size: int
    triples: int
    locate: Callable[[str], Location | None]


def detect_format(name: str, fmt: str | None = None) -> str:
    """The format to read ``name`` with: an RDF format name, ``csv`` (template taken from the
    header) or ``csv:<template>``.

    Raises :class:`UnsupportedFormatError` for an extension or format name we do not read.
    """
    if fmt is not None:
        if fmt in RDF_FORMATS or fmt == "csv" or fmt in CSV_FORMATS:
            return fmt
        raise UnsupportedFormatError(
            f"unknown format '{fmt}'; use one of {', '.join([*RDF_FORMATS, 'csv', *CSV_FORMATS])}",
            location=Location(name))
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext == "csv":
        return "csv"
    if not ext:
        raise UnsupportedFormatError(
            f"cannot tell the format of '{name}': the name has no extension; name the file "
            ".csv (a template), .ttl, .trig, .nt, .nq, .jsonld or .rdf, or give the format",
            location=Location(name))
    try:
        return format_from_name(name)
    except UnsupportedFormatError as exc:
        hint = _OFFICE_HINTS.get(ext)
        message = exc.message.replace("; use one of ", "; use .csv (a template) or one of ")
        if hint:
            message = f"'.{ext}' files are not read: {hint}. ({message})"
        raise UnsupportedFormatError(message, location=Location(name)) from None


def read_input(data: bytes | Path, name: str, *, fmt: str | None = None, max_bytes: int,
               max_literal_bytes: int, base_iri: str = BASE,
               concepts: Mapping[str, frozenset[str]] | None = None,
               max_nesting: int = MAX_NESTING) -> ParsedInput:
    """Read one contributed file (bytes, or a path to read) into a :class:`ParsedInput`.

    ``fmt`` None: from the extension of ``name``; a ``.csv`` file's template comes from its
    header. IRIs under the canonical base are rewritten to ``base_iri``. ``concepts`` (scheme
    -> codes) checks the concept codes of CSV templates; None reads
    ``ontology/concepts.ttl``.

    Raises:
        UnsupportedFormatError: an extension or format we do not read.
        TooLargeError: more than ``max_bytes`` bytes.
        NotFoundError: ``data`` is a path that does not exist.
        ParseError: binary or non-UTF-8 bytes, RDF or CSV syntax (file, line, column).
        InputError: an empty file, a literal or CSV value over ``max_literal_bytes``, a CSV
            file whose header or rows do not fit the template (all problems at once, in
            ``detail["errors"]``), JSON-LD that would lose data, N3 formulas, nesting deeper
            than ``max_nesting`` (RDF/XML, JSON-LD, Turtle, TriG, N3).
        ConfigError: ``concepts`` is None and ``ontology/concepts.ttl`` cannot be read.
    """
    fmt = detect_format(name, fmt)
    raw = _read_bytes(data, name, max_bytes)
    digest = hashlib.sha256(raw).hexdigest()
    if not raw.strip():
        what = "the file has no header row" if fmt.startswith("csv") else "no triples"
        why = "the file is empty" if not raw else "the file holds only white space"
        raise InputError(f"empty: {what} ({why})",
                         location=Location(name))
    text = decode_utf8(raw, name)
    if fmt.startswith("csv"):
        template = fmt.split(":", 1)[1] if ":" in fmt else None
        chosen, dataset, rows = read_csv(
            text, name, template=template,
            concepts=concept_codes() if concepts is None else concepts,
            max_literal_bytes=max_literal_bytes, base_iri=base_iri)
        return ParsedInput(name, f"csv:{chosen.name}", dataset, digest, len(raw),
                           len(dataset), row_locator(name, rows))
    dataset, locate = read_rdf(text, name, fmt, max_literal_bytes=max_literal_bytes,
                               base_iri=base_iri, max_nesting=max_nesting)
    return ParsedInput(name, fmt, dataset, digest, len(raw), len(dataset), locate)


def _read_bytes(data: bytes | Path, name: str, max_bytes: int) -> bytes:
    if isinstance(data, Path):
        try:
            size = data.stat().st_size
        except FileNotFoundError:
            raise NotFoundError(f"no such file: {data}", location=Location(name)) from None
        _check_size(size, name, max_bytes)
        return data.read_bytes()
    _check_size(len(data), name, max_bytes)
    return bytes(data)


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise TooLargeError(
            f"the file is {size} bytes, over the limit of {max_bytes} bytes "
            "(OGPKG_MAX_BODY_BYTES)", location=Location(name),
            detail={"bytes": size, "limit": max_bytes})
