"""The concept codes the CSV templates accept, read from ``ontology/concepts.ttl``.

A code is the last segment of a concept IRI ``concept/<scheme>/<code>``; the CSV columns
``policy_areas``, ``ogp_values`` and ``status`` take codes, and an unknown code is reported
with the closest known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from ogpkg.config import DEFAULT_CONTENT_DIR
from ogpkg.errors import ConfigError, OgpkgError
from ogpkg.namespaces import CONCEPT, PREFIXES
from ogpkg.store import MemoryDataset

#: scheme -> codes, e.g. {"policy-area": frozenset({"open-justice", ...}), ...}
ConceptCodes = Mapping[str, frozenset[str]]

DEFAULT_CONCEPTS_FILE = DEFAULT_CONTENT_DIR / "ontology" / "concepts.ttl"


def concept_codes(path: Path = DEFAULT_CONCEPTS_FILE) -> ConceptCodes:
    """Every ``skos:Concept`` under ``concept/<scheme>/<code>`` in ``path``, by scheme.

    Cached per file and modification time. Raises :class:`ConfigError` when the file is
    missing or does not parse.
    """
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise ConfigError(f"the concept schemes file {path} cannot be read; the CSV "
                          "templates need it to check concept codes") from None
    return _load(path, mtime)


@lru_cache(maxsize=4)
def _load(path: Path, mtime: int) -> ConceptCodes:
    ds = MemoryDataset()
    try:
        ds.load(path.read_bytes(), "turtle", source=str(path))
    except OgpkgError as exc:
        raise ConfigError(f"the concept schemes file does not parse: {exc}") from None
    rows = ds.select(f"SELECT ?c WHERE {{ ?c a <{PREFIXES['skos']}Concept> }}")
    codes: dict[str, set[str]] = {}
    for row in rows:
        iri = str(row["c"])
        if not iri.startswith(CONCEPT):
            continue
        scheme, _, code = iri[len(CONCEPT):].partition("/")
        if code and "/" not in code:
            codes.setdefault(scheme, set()).add(code)
    return {scheme: frozenset(values) for scheme, values in codes.items()}
