"""Settings, read once at start-up from ``OGPKG_*`` environment variables and CLI flags.

Nothing else in ogpkg reads ``os.environ``. Every setting is declared once in ``SETTINGS``
(name, type, default, help); the README's configuration table is checked against it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ogpkg.errors import ConfigError, OgpkgError
from ogpkg.namespaces import BASE

#: the repository root when running from a checkout (ontology/, shapes/, data/ live here)
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Every setting ogpkg has. Build with :func:`load_settings`; never mutate."""

    data_dir: Path = field(default=PROJECT_ROOT / "var",
                           metadata={"help": "Where the on-disk store and its snapshots live."})
    content_dir: Path = field(default=PROJECT_ROOT, metadata={
        "help": "Folder holding ontology/, shapes/ and data/ to build the store from."})
    base_iri: str = field(default=BASE, metadata={
        "help": "Base IRI of instances, terms and graphs; files are rewritten to it on load."})
    host: str = field(default="127.0.0.1", metadata={"help": "Address `serve` listens on."})
    port: int = field(default=8000, metadata={"help": "Port `serve` listens on."})
    write_token: str = field(default="", metadata={
        "help": "Bearer token for writes (update, graph store, publish). Empty: writes off."})
    query_timeout_s: float = field(default=10.0, metadata={
        "help": "Default deadline of one query, in seconds; a request may ask for less."})
    query_workers: int = field(default=6, metadata={
        "help": "Query worker processes (queries running at once)."})
    max_waiting: int = field(default=32, metadata={
        "help": "Queries that may wait for a free worker; beyond that: 503 with Retry-After."})
    client_max_running: int = field(default=3, metadata={
        "help": "Queries one client may run at once (0: no per-client limit). A client is its "
        "remote address (see trusted_proxies)."})
    client_max_waiting: int = field(default=3, metadata={
        "help": "Further queries one client may have waiting for its turn; beyond that: 429 "
        "with Retry-After."})
    trusted_proxies: str = field(default="", metadata={
        "help": "Addresses of reverse proxies whose X-Forwarded-For names the client, "
        "separated by spaces or commas. Empty: X-Forwarded-For is ignored and the client is "
        "the connection's remote address."})
    query_memory_mb: int = field(default=1024, metadata={
        "help": "Memory cap of one query, in MB (0: no cap); a query past it is stopped."})
    query_allocator: str = field(default="auto", metadata={
        "help": "Memory allocator of the query workers: auto (jemalloc or tcmalloc when "
        "installed, else the C library's), system, or the path of a malloc library to "
        "preload."})
    service_allowlist: str = field(default="", metadata={
        "help": "SPARQL endpoints that SERVICE may call, separated by spaces or commas. "
        "Loopback, private and link-local addresses are refused whatever this says."})
    cache_mb: int = field(default=64, metadata={
        "help": "Memory for cached query results (keyed by the data version), in MB; 0: off."})
    max_query_bytes: int = field(default=100_000, metadata={
        "help": "Largest query or update text accepted, in bytes."})
    max_query_depth: int = field(default=100, metadata={
        "help": "Deepest nesting of brackets ( [ { accepted in a query; deeper: 400."})
    max_body_bytes: int = field(default=50_000_000, metadata={
        "help": "Largest request body or uploaded file accepted, in bytes."})
    max_literal_bytes: int = field(default=1_000_000, metadata={
        "help": "Largest single literal accepted in contributed data, in bytes."})
    read_idle_timeout_s: float = field(default=5.0, metadata={
        "help": "Seconds a connection may stay silent before its first request or between "
        "requests; then it is closed."})
    read_header_timeout_s: float = field(default=10.0, metadata={
        "help": "Seconds a client has to send a request line and headers once it has begun; "
        "then 408 and the connection is closed."})
    read_body_timeout_s: float = field(default=60.0, metadata={
        "help": "Seconds a client has to send a request body once its headers are in; then "
        "408 and the connection is closed."})
    keep_snapshots: int = field(default=3, metadata={
        "help": "How many numbered snapshots of the store to keep."})
    lang: str = field(default="en", metadata={
        "help": "Language of validation messages when none is asked for (en, fr, ar)."})
    log_level: str = field(default="info", metadata={"help": "Logging level."})

    @property
    def allowed_services(self) -> list[str]:
        return [u for u in self.service_allowlist.replace(",", " ").split() if u]

    @property
    def proxies(self) -> frozenset[str]:
        """The addresses of :attr:`trusted_proxies`."""
        return frozenset(u for u in self.trusted_proxies.replace(",", " ").split() if u)


ENV_PREFIX = "OGPKG_"


def setting_docs() -> list[tuple[str, str, str, str]]:
    """(setting, environment variable, default, help) for every setting, in declaration order."""
    rows = []
    for f in fields(Settings):
        default = f.default
        if isinstance(default, Path):
            default = str(default.relative_to(PROJECT_ROOT)) if default != PROJECT_ROOT else "."
        rows.append((f.name, ENV_PREFIX + f.name.upper(), str(default), f.metadata["help"]))
    return rows


def _coerce(name: str, raw: str, typ: Any) -> Any:
    try:
        if typ in (Path, "Path"):
            return Path(raw).expanduser()
        if typ in (int, "int"):
            value = int(raw)
            if value < 0:
                raise ValueError
            return value
        if typ in (float, "float"):
            fvalue = float(raw)
            if not fvalue > 0:
                raise ValueError
            return fvalue
        return raw
    except ValueError:
        kind = {"int": "a non-negative whole number", "float": "a positive number",
                "Path": "a path"}.get(str(typ), str(typ))
        raise ConfigError(f"Setting '{name}' has value {raw!r}: not {kind}.") from None


def load_settings(overrides: Mapping[str, Any] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, then ``OGPKG_*`` variables, then ``overrides`` (CLI flags).

    ``overrides`` values that are ``None`` are ignored. Raises :class:`ConfigError` naming the
    key and the bad value.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        key = ENV_PREFIX + f.name.upper()
        if key in env:
            values[f.name] = _coerce(key, env[key], f.type)
    known = {f.name: f for f in fields(Settings)}
    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in known:
            raise ConfigError(f"Unknown setting '{name}'.")
        values[name] = _coerce(name, value, known[name].type) if isinstance(value, str) else value
    settings = replace(Settings(), **values)
    if settings.lang not in ("en", "fr", "ar"):
        raise ConfigError(f"Setting 'lang' has value {settings.lang!r}: use en, fr or ar.")
    if settings.service_allowlist:
        from ogpkg.federation import normalise_endpoint

        for url in settings.allowed_services:
            try:
                normalise_endpoint(url)
            except OgpkgError as exc:
                raise ConfigError(f"Setting 'service_allowlist' has value {url!r}: {exc}") \
                    from None
    if settings.query_allocator not in ("auto", "system"):
        from ogpkg.engine import find_allocator

        try:
            find_allocator(settings.query_allocator)
        except ValueError as exc:
            raise ConfigError(f"Setting 'query_allocator' has value "
                              f"{settings.query_allocator!r}: {exc}; use auto, system or the "
                              "path of a malloc library.") from None
    for address in settings.proxies:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(f"Setting 'trusted_proxies' has value {address!r}: not an IP "
                              "address.") from None
    if not settings.base_iri.endswith(("/", "#")):
        raise ConfigError(f"Setting 'base_iri' has value {settings.base_iri!r}: "
                          "it must end with '/' or '#'.")
    return settings
