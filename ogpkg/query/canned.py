"""Canned queries: the example queries under ``queries/examples/`` with their titles,
descriptions and parameters, for the REST API (``/api/queries/<name>``).

A query declares its parameters in its header::

    # param: country ?isoCode code — ISO 3166-1 alpha-2 code of the country, e.g. MA

``country`` is the URL parameter, ``?isoCode`` the projected variable it binds and ``code``
its kind. Values are checked against their kind and bound as RDF terms by the engine (SPARQL
substitution, SEP-0007); they are never spliced into the query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ogpkg.errors import ConfigError, InputError

#: kind -> (pattern a value must match, datatype of the literal or "iri", help)
KINDS: dict[str, tuple[str, str, str]] = {
    "code": (r"[A-Za-z0-9][A-Za-z0-9-]{0,19}", "http://www.w3.org/2001/XMLSchema#string",
             "a code such as MA or MA-01"),
    "year": (r"[12][0-9]{3}", "http://www.w3.org/2001/XMLSchema#gYear", "a year such as 2021"),
    "date": (r"[12][0-9]{3}-[01][0-9]-[0-3][0-9]", "http://www.w3.org/2001/XMLSchema#date",
             "a date such as 2021-12-15"),
    "iri": (r"https?://[^\s<>\"{}|\\^`]{1,500}", "iri", "an absolute http(s) IRI"),
}

_PARAM = re.compile(r"#\s*param:\s*([a-z][a-z0-9_]*)\s+\?([A-Za-z_][A-Za-z0-9_]*)\s+"
                    r"([a-z]+)\s*(?:—|-)?\s*(.*)")


@dataclass(frozen=True)
class Param:
    name: str
    variable: str
    kind: str
    description: str

    def bind(self, value: str) -> tuple[str, str, str | None]:
        """The term ``value`` stands for: ("iri", iri, None) or ("literal", text, datatype).
        Raises :class:`InputError` naming the parameter when the value does not fit."""
        pattern, datatype, help_text = KINDS[self.kind]
        if not re.fullmatch(pattern, value):
            raise InputError(f"parameter '{self.name}' has value {value!r}: expected "
                             f"{help_text}", detail={"parameter": self.name})
        if datatype == "iri":
            return ("iri", value, None)
        return ("literal", value, datatype)


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)


def parse_header(name: str, text: str) -> CannedQuery:
    """Title, description and parameters from a query file's leading comment lines."""
    title = ""
    description: list[str] = []
    params: list[Param] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        if stripped.startswith("# title:"):
            title = stripped[len("# title:"):].strip()
        elif stripped.startswith("# description:"):
            description.append(stripped[len("# description:"):].strip())
        elif stripped.startswith("# param:"):
            m = _PARAM.fullmatch(stripped)
            if m is None or m.group(3) not in KINDS:
                raise InputError(f"queries/examples/{name}.rq: malformed parameter line "
                                 f"{stripped!r}; write '# param: <name> ?<variable> "
                                 f"<{'|'.join(KINDS)}> — <description>'")
            params.append(Param(m.group(1), m.group(2), m.group(3), m.group(4).strip()))
    return CannedQuery(name, title or name, " ".join(description), text, tuple(params))


def load(folder: Path) -> dict[str, CannedQuery]:
    """Every ``*.rq`` under ``folder`` by name (file stem), in name order.

    Raises :class:`ConfigError` naming ``folder`` when it is not a folder.
    """
    if not folder.is_dir():
        raise ConfigError(f"no example queries: {folder} is not a folder")
    out = {}
    for path in sorted(folder.glob("*.rq")):
        out[path.stem] = parse_header(path.stem, path.read_text(encoding="utf-8"))
    return out


def bindings(query: CannedQuery, given: dict[str, str]) -> dict[str, tuple[str, str, str | None]]:
    """Variable -> term for the parameters given; unknown parameters are refused."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(known) - {"format"})
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise InputError(f"unknown parameter(s) {', '.join(unknown)} for query "
                         f"'{query.name}'; it takes: {allowed}")
    return {known[k].variable: known[k].bind(v) for k, v in given.items() if k in known}
