"""Settings, read once at start-up from ``OGPKG_*`` environment variables and CLI flags.

Nothing else in ogpkg reads ``os.environ``. Every setting is declared once in ``SETTINGS``
(name, type, default, help); the README's configuration table is checked against it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ogpkg.errors import ConfigError, OgpkgError
from ogpkg.namespaces import BASE

#: the folder of the ogpkg package
PACKAGE_DIR = Path(__file__).resolve().parent
#: the repository root when running from a checkout (ontology/, shapes/, data/ live here)
PROJECT_ROOT = PACKAGE_DIR.parent
#: True when ogpkg runs from a source checkout (an editable install, or PYTHONPATH)
FROM_CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
#: the checkout's ontology/, shapes/, data/ and queries/ as a wheel ships them (see setup.py)
PACKAGED_CONTENT = PACKAGE_DIR / "bundle"
#: the content used when none is set: the checkout's, else the package's; never the cwd
DEFAULT_CONTENT_DIR = PROJECT_ROOT if FROM_CHECKOUT else PACKAGED_CONTENT


def default_data_dir(environ: Mapping[str, str], *, from_checkout: bool = FROM_CHECKOUT) -> Path:
    """The store's folder when none is set: the checkout's ``var/`` when running from one;
    installed, the per-user data folder ``$XDG_DATA_HOME/ogpkg`` (``~/.local/share/ogpkg``),
    so that every folder ogpkg is run from sees the same store."""
    if from_checkout:
        return PROJECT_ROOT / "var"
    xdg = environ.get("XDG_DATA_HOME", "")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative value is ignored
        return Path(xdg) / "ogpkg"
    try:
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    except RuntimeError:  # no HOME and no password entry: the folder ogpkg runs in
        return Path("var")
    return home / ".local" / "share" / "ogpkg"


def describe_content_dir(path: Path) -> str:
    """Which content ``path`` is, for messages: the checkout, the packaged copy, or a folder."""
    if path == PROJECT_ROOT and FROM_CHECKOUT:
        return f"{path} (the checkout)"
    if path == PACKAGED_CONTENT:
        return f"{path} (the content packaged with ogpkg)"
    return str(path)


@dataclass(frozen=True)
class Settings:
    """Every setting ogpkg has. Build with :func:`load_settings`; never mutate."""

    data_dir: Path = field(default=default_data_dir(os.environ), metadata={
        "help": "Where the on-disk store and its snapshots live; the same store whatever "
        "folder ogpkg runs in.",
        "default": "`var` in the checkout; installed: `$XDG_DATA_HOME/ogpkg` "
        "(`~/.local/share/ogpkg`)"})
    content_dir: Path = field(default=DEFAULT_CONTENT_DIR, metadata={
        "help": "Folder holding ontology/, shapes/, data/ and queries/ to build the store from; "
        "missing or empty parts are an error.",
        "default": "the checkout ogpkg runs from; installed: the copy packaged with ogpkg"})
    base_iri: str = field(default=BASE, metadata={
        "help": "Base IRI of instances, terms and graphs; files are rewritten to it on load."})
    host: str = field(default="127.0.0.1", metadata={"help": "Address `serve` listens on."})
    port: int = field(default=8000, metadata={"help": "Port `serve` listens on."})
    write_token: str = field(default="", metadata={
        "help": "Bearer token for writes (update, graph store, publish). Empty: writes off."})
    query_timeout_s: float = field(default=10.0, metadata={
        "help": "Default deadline of one query, in seconds; a request may ask for less."})
    query_workers: int = field(default=0, metadata={
        "help": "Query worker processes (queries running at once); 0: one per CPU core."})
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
    ui_endpoints: str = field(default="", metadata={
        "help": "SPARQL endpoints besides this server's own that the query page may send "
        "queries to (`/query?endpoint=`), as http(s) URLs separated by spaces or commas. "
        "Empty: the query page talks only to this server."})
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
    max_nesting: int = field(default=64, metadata={
        "help": "Deepest nesting accepted in contributed RDF (RDF/XML elements, JSON-LD "
        "objects and arrays, Turtle/TriG collections and blank-node lists); deeper: 400."})
    upload_client_items: int = field(default=20, metadata={
        "help": "Uploads one client (address) may keep waiting to be published; beyond: 429."})
    upload_client_mb: int = field(default=200, metadata={
        "help": "Megabytes one client (address) may keep waiting to be published; beyond: 429."})
    uploads_max_mb: int = field(default=2048, metadata={
        "help": "Megabytes all uploads together may take on disk; beyond: 507. No upload is "
        "removed to make room for another; each waits 24 hours to be published."})
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
    def allowed_ui_endpoints(self) -> list[str]:
        return [u for u in self.ui_endpoints.replace(",", " ").split() if u]

    @property
    def proxies(self) -> frozenset[str]:
        """The addresses of :attr:`trusted_proxies`."""
        return frozenset(u for u in self.trusted_proxies.replace(",", " ").split() if u)


ENV_PREFIX = "OGPKG_"
#: an endpoint the query page may call: an http(s) URL with nothing a policy header would split
_UI_ENDPOINT = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~!$&'()*+=:@%/-]*)?")


def setting_docs() -> list[tuple[str, str, str, str]]:
    """(setting, environment variable, default, help) for every setting, in declaration order;
    the default as Markdown: a value in backticks, "(empty)", or the rule that picks it."""
    rows = []
    for f in fields(Settings):
        default = f.metadata.get("default") or (f"`{f.default}`" if f.default != "" else "(empty)")
        rows.append((f.name, ENV_PREFIX + f.name.upper(), default, f.metadata["help"]))
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
    chosen_content = "content_dir" in values
    values.setdefault("data_dir", default_data_dir(env))
    settings = replace(Settings(), **values)
    if settings.lang not in ("en", "fr", "ar"):
        raise ConfigError(f"Setting 'lang' has value {settings.lang!r}: use en, fr or ar.")
    if settings.service_allowlist:
        from ogpkg.query.federation import normalise_endpoint

        for url in settings.allowed_services:
            try:
                normalise_endpoint(url)
            except OgpkgError as exc:
                raise ConfigError(f"Setting 'service_allowlist' has value {url!r}: {exc}") \
                    from None
    for url in settings.allowed_ui_endpoints:
        if not _UI_ENDPOINT.fullmatch(url):
            raise ConfigError(f"Setting 'ui_endpoints' has value {url!r}: not an http(s) "
                              "URL (e.g. https://example.org/sparql).")
    if settings.query_allocator not in ("auto", "system"):
        from ogpkg.query.engine import find_allocator

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
    _check_content(settings.content_dir, chosen=chosen_content)
    return settings


def _check_content(path: Path, *, chosen: bool) -> None:
    """Refuse a content folder that lacks a part: building, validating or serving from it
    would pass anything (zero shapes) or serve an empty graph."""
    from ogpkg.contrib.content import missing

    problems = missing(path)
    if not problems:
        return
    if chosen:
        fix = ("point OGPKG_CONTENT_DIR or --content-dir at a folder holding ontology/, "
               "shapes/, data/ and queries/, or unset it to use "
               + describe_content_dir(DEFAULT_CONTENT_DIR))
    elif FROM_CHECKOUT:
        fix = "restore the checkout's folders (git status shows what is gone)"
    else:
        fix = "the installed package is incomplete; reinstall ogpkg"
    raise ConfigError(f"Setting 'content_dir' has value {describe_content_dir(path)}, which "
                      f"lacks {'; '.join(problems)}. To fix: {fix}.")
