"""Generate the reference graphs (countries, regions of Morocco) from the pycountry package.

Writes two TriG files, each holding one named graph that describes itself as a ``prov:Bundle``
derived from pycountry (version recorded):

- ``countries.trig``  graph ``graph/reference/countries``: every ISO 3166-1 country
- ``regions-MA.trig`` graph ``graph/reference/regions-MA``: the 12 ISO 3166-2 regions of Morocco
- ``subdivisions.trig`` graph ``graph/reference/subdivisions``: the ISO 3166-2 subdivisions outside
  Morocco that OGP Local members govern (``OGP_LOCAL_SUBDIVISIONS``)

Output is deterministic: the same pycountry version gives the same bytes.

Usage::

    python scripts/gen_reference.py [--out data/reference]
"""

from __future__ import annotations

import argparse
import gettext
import importlib.metadata
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ogpkg.namespaces import GRAPH, turtle_prologue  # noqa: E402

COUNTRIES_GRAPH = GRAPH + "reference/countries"
REGIONS_MA_GRAPH = GRAPH + "reference/regions-MA"
SUBDIVISIONS_GRAPH = GRAPH + "reference/subdivisions"
PYCOUNTRY_SOURCE = "src:pycountry"
PYCOUNTRY_URL = "https://pypi.org/project/pycountry/"

#: ISO 3166-1 alpha-2 -> Wikidata item, only where the identity is certain
WIKIDATA = {
    "MA": "http://www.wikidata.org/entity/Q1028",
}

#: Seed articles that name Moroccan regions in Arabic: source id -> (seed file, headline).
#: The headline is the first line of the seed file.
SEED_SOURCES: dict[str, tuple[str, str]] = {
    "seed-001": (
        "001_4d450484f8d9ab4b.txt",
        "ورشة الإعداد المشترك لخطة عمل الحكومة المنفتحة لجهة "
        "الشرق 2025-2027: خطوة نحو تعزيز الشفافية والمشاركة المجتمعية",
    ),
    "seed-002": (
        "002_b5fdbd964fba40b6.txt",
        "الحساني: المجتمع المدني يعد أحد ركائز إنجاح "
        "مبادرة الشراكة من أجل الحكومة المنفتحة المحلية.",
    ),
    "seed-003": (
        "003_8a1847f015605d6a.txt",
        "انضمام جهة بني ملال خنيفرة إلى ورش الحكومة المنفتحة ترسيخ لقيم الديمقراطية والشفافية",
    ),
}

#: Arabic region names as the seed articles write them: code -> (label, source id).
SEED_ARABIC_REGION_LABELS: dict[str, tuple[str, str]] = {
    "MA-01": ("جهة طنجة تطوان الحسيمة", "seed-002"),
    "MA-02": ("جهة الشرق", "seed-001"),
    "MA-05": ("جهة بني ملال خنيفرة", "seed-003"),
}

#: Web pages that name Moroccan regions in Arabic: source id -> (URL, title, publication date).
WEB_SOURCES: dict[str, tuple[str, str, str]] = {
    "web-gouvernement-ouvert-ma-event-182": (
        "http://www.gouvernement-ouvert.ma/event.php?id=182&lang=ar",
        "خمس جماعات ترابية مغربية جديدة تنضم إلى مبادرة الشراكة من أجل الحكومة المنفتحة",
        "2024-04-16",
    ),
}

#: Arabic region names as Morocco's open government portal writes them: code -> (label, source id).
WEB_ARABIC_REGION_LABELS: dict[str, tuple[str, str]] = {
    "MA-08": ("جهة درعة تافيلالت", "web-gouvernement-ouvert-ma-event-182"),
    "MA-09": ("جهة سوس ماسة", "web-gouvernement-ouvert-ma-event-182"),
    "MA-11": ("جهة العيون الساقية الحمراء", "web-gouvernement-ouvert-ma-event-182"),
}

#: ISO 3166-2 subdivisions outside Morocco whose governments are OGP Local members, as OGP's
#: pages name them (the member is the subdivision itself: a state, province, county, nation,
#: capital city or region with a code of its own).
OGP_LOCAL_SUBDIVISIONS = (
    "CA-ON", "CO-NAR", "ES-PV", "FR-75C", "GB-SCT", "GE-TB", "KE-05", "KR-11", "MX-JAL", "NG-KD",
    "PE-LAL", "PH-SCO",
    "ES-AS", "ES-CT", "ES-NC", "ES-VC", "GB-GLG", "GB-NIR", "MX-CMX", "MX-MEX", "MX-NLE",
    "MX-ROO", "NG-PL", "PE-CAJ", "UY-MO",
    "AM-ER", "AR-X", "CA-QC", "CO-DC", "EC-P", "EC-SD", "KE-11", "KE-22", "KE-23", "KE-30", "KE-32",
)

#: ISO 3166-2 appends "(EH)" / "(EH-partial)" (French: "(EH partiel)") to Moroccan regions that
#: lie wholly or partly in Western Sahara (ISO 3166-1 "EH"); the clean name is the label.
_EH_SUFFIX = re.compile(r"\s*\(EH(?:[- ]partial| partiel)?\)$")

_LANGS = ("en", "fr", "ar")


class _Untranslated(gettext.NullTranslations):
    """Fallback that marks a message as missing instead of echoing it back."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)


def _catalog(domain: str, lang: str) -> gettext.NullTranslations | None:
    """pycountry's gettext catalog for ``domain`` in ``lang``, or None if it ships none."""
    try:
        catalog = gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang])
    except FileNotFoundError:
        return None
    catalog.add_fallback(_Untranslated())
    return catalog


def _translate(catalog: gettext.NullTranslations | None, message: str) -> str | None:
    """The translation of ``message``, or None where the catalog has none (no English copy)."""
    if catalog is None:
        return None
    try:
        return catalog.gettext(message)
    except KeyError:
        return None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _literal(text: str, lang: str | None = None) -> str:
    escaped = (
        _nfc(text)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
    return f'"{escaped}"' + (f"@{lang}" if lang else "")


def _labels(labels: Iterable[tuple[str, str]]) -> str:
    """Lang-tagged literals in en, fr, ar order, each language's texts sorted, no duplicates."""
    unique = {(_nfc(text), lang) for text, lang in labels}
    ordered = sorted(unique, key=lambda tl: (_LANGS.index(tl[1]), tl[0]))
    return ", ".join(_literal(text, lang) for text, lang in ordered)


def _block(subject: str, types: str, props: list[tuple[str, str]], comment: str) -> list[str]:
    """One indented Turtle subject block inside a graph, preceded by a comment line."""
    lines = [f"    # {comment}", f"    {subject} a {types} ;"]
    for i, (pred, obj) in enumerate(props):
        end = " ." if i == len(props) - 1 else " ;"
        lines.append(f"        {pred} {obj}{end}")
    return lines


def pycountry_version() -> str:
    return importlib.metadata.version("pycountry")


def _header(title: str, prefixes: list[str]) -> list[str]:
    return [
        f"# {title}",
        f"# Generated from pycountry {pycountry_version()} by scripts/gen_reference.py;",
        "# edit the script, not this file, and re-run it.",
        "",
        *turtle_prologue(prefixes).splitlines(),
        "",
    ]


def _provenance(graph: str, sources: list[str]) -> list[str]:
    return [
        "    # This graph and where its facts come from",
        f"    <{graph}> a prov:Bundle ;",
        f"        prov:wasDerivedFrom {', '.join(sources)} .",
        "",
        f"    {PYCOUNTRY_SOURCE} a prov:Entity, schema:SoftwareSourceCode ;",
        '        schema:name "pycountry" ;',
        f"        schema:version {_literal(pycountry_version())} ;",
        f"        schema:url <{PYCOUNTRY_URL}> .",
        "",
    ]


def countries_trig() -> str:
    """TriG text of ``graph/reference/countries``."""
    fr, ar = _catalog("iso3166-1", "fr"), _catalog("iso3166-1", "ar")
    lines = _header(
        "ISO 3166-1 countries",
        ["ogp", "country", "src", "rdfs", "owl", "skos", "dcterms", "prov", "schema", "cv"],
    )
    lines += [
        "# ogp:isoCode is the ISO 3166-1 alpha-2 code; dcterms:identifier holds the alpha-3",
        '# code ("MAR") and the numeric code ("504", three digits). Labels: the ISO name in',
        "# English, its French and Arabic translations where pycountry's catalogs have one;",
        "# official and common names are skos:altLabel.",
        "",
    ]
    lines.append(f"<{COUNTRIES_GRAPH}> {{")
    lines.append("")
    lines += _provenance(COUNTRIES_GRAPH, [PYCOUNTRY_SOURCE])
    for country in sorted(pycountry.countries, key=lambda c: c.alpha_2):
        label = [(country.name, "en")]
        alt: list[tuple[str, str]] = []
        for catalog, lang in ((fr, "fr"), (ar, "ar")):
            translated = _translate(catalog, country.name)
            if translated:
                label.append((translated, lang))
        for attr in ("common_name", "official_name"):
            name = getattr(country, attr, None)
            if not name:
                continue
            alt.append((name, "en"))
            for catalog, lang in ((fr, "fr"), (ar, "ar")):
                translated = _translate(catalog, name)
                if translated:
                    alt.append((translated, lang))
        label_set = {(_nfc(t), lang) for t, lang in label}
        alt = [(t, lang) for t, lang in alt if (_nfc(t), lang) not in label_set]
        props = [
            ("ogp:isoCode", _literal(country.alpha_2)),
            ("dcterms:identifier", f"{_literal(country.alpha_3)}, {_literal(country.numeric)}"),
            ("rdfs:label", _labels(label)),
        ]
        if alt:
            props.append(("skos:altLabel", _labels(alt)))
        if country.alpha_2 in WIKIDATA:
            props.append(("owl:sameAs", f"<{WIKIDATA[country.alpha_2]}>"))
        lines += _block(
            f"country:{country.alpha_2}",
            "ogp:Country, cv:AdminUnit, dcterms:Location",
            props,
            f"{country.alpha_2} {country.name}",
        )
        lines.append("")
    lines[-1] = "}"
    return "\n".join(lines) + "\n"


def moroccan_regions() -> list[pycountry.db.Data]:
    """The ISO 3166-2 subdivisions of Morocco of type Region (not provinces or prefectures)."""
    subdivisions = pycountry.subdivisions.get(country_code="MA") or []
    return sorted((s for s in subdivisions if s.type == "Region"), key=lambda s: s.code)


def regions_ma_trig() -> str:
    """TriG text of ``graph/reference/regions-MA``."""
    fr, ar = _catalog("iso3166-2", "fr"), _catalog("iso3166-2", "ar")
    seeds = sorted({seed for _, seed in SEED_ARABIC_REGION_LABELS.values()})
    webs = sorted({web for _, web in WEB_ARABIC_REGION_LABELS.values()})
    lines = _header(
        "ISO 3166-2 regions of Morocco (MA), with Arabic names from the seed articles",
        ["ogp", "country", "region", "src", "rdfs", "skos", "dcterms", "prov", "schema", "cv",
         "xsd"],
    )
    lines += [
        "# English labels are ISO 3166-2's names, which for Morocco are French-based.",
        "# French labels come from pycountry's iso3166-2 French catalog; where it has no entry,",
        '# the ISO name (already French-based) is used. ISO\'s "(EH)" / "(EH-partial)" suffix,',
        "# marking regions wholly or partly in Western Sahara, is kept in skos:altLabel only.",
        "# Arabic labels: pycountry's iso3166-2 Arabic catalog where it has an entry, and the",
        "# spelling of the seed article cited next to each region where one names it, else of",
        "# Morocco's open government portal (gouvernement-ouvert.ma) where it names the region.",
        "",
    ]
    lines.append(f"<{REGIONS_MA_GRAPH}> {{")
    lines.append("")
    lines += _provenance(
        REGIONS_MA_GRAPH, [PYCOUNTRY_SOURCE] + [f"src:{s}" for s in seeds + webs]
    )
    for seed in seeds:
        seed_file, headline = SEED_SOURCES[seed]
        lines += [
            f"    src:{seed} a prov:Entity ;",
            f"        schema:headline {_literal(headline, 'ar')} ;",
            '        schema:inLanguage "ar" ;',
            f"        ogp:seedFile {_literal(seed_file)} .",
            "",
        ]
    for web in webs:
        url, title, published = WEB_SOURCES[web]
        lines += [
            f"    src:{web} a prov:Entity, schema:WebPage ;",
            f"        schema:url <{url}> ;",
            f"        schema:name {_literal(title, 'ar')} ;",
            '        schema:inLanguage "ar" ;',
            f'        schema:datePublished "{published}"^^xsd:date .',
            "",
        ]
    for region in moroccan_regions():
        iso_name = region.name
        fr_iso = _translate(fr, iso_name) or iso_name
        ar_iso = _translate(ar, iso_name)
        label = [(_EH_SUFFIX.sub("", iso_name), "en"), (_EH_SUFFIX.sub("", fr_iso), "fr")]
        alt = [(iso_name, "en"), (fr_iso, "fr")]
        comment = f"{region.code} {iso_name}"
        seed = SEED_ARABIC_REGION_LABELS.get(region.code)
        web = WEB_ARABIC_REGION_LABELS.get(region.code)
        if web and not seed:
            label.append((web[0], "ar"))
            comment += f"; Arabic label as in {web[1]} ({WEB_SOURCES[web[1]][0]})"
        elif seed:
            label.append((seed[0], "ar"))
            if ar_iso:
                alt.append((ar_iso, "ar"))
            comment += f"; Arabic label as in {seed[1]} ({SEED_SOURCES[seed[1]][0]})"
        elif ar_iso:
            label.append((ar_iso, "ar"))
        label_set = {(_nfc(t), lang) for t, lang in label}
        alt = [(t, lang) for t, lang in alt if (_nfc(t), lang) not in label_set]
        props = [
            ("ogp:isoCode", _literal(region.code)),
            ("schema:containedInPlace", "country:MA"),
            ("rdfs:label", _labels(label)),
        ]
        if alt:
            props.append(("skos:altLabel", _labels(alt)))
        lines += _block(
            f"region:{region.code}", "ogp:Region, cv:AdminUnit, dcterms:Location", props, comment
        )
        lines.append("")
    lines[-1] = "}"
    return "\n".join(lines) + "\n"


def subdivisions_trig() -> str:
    """TriG text of ``graph/reference/subdivisions``: the codes of ``OGP_LOCAL_SUBDIVISIONS``."""
    fr = _catalog("iso3166-2", "fr")
    lines = _header(
        "ISO 3166-2 subdivisions governed by OGP Local members outside Morocco",
        ["ogp", "country", "region", "src", "rdfs", "dcterms", "prov", "schema", "cv"],
    )
    lines += [
        "# English labels are ISO 3166-2's names; French labels come from pycountry's iso3166-2",
        "# French catalog where it has an entry. pycountry ships no Arabic iso3166-2 catalog.",
        "",
    ]
    lines.append(f"<{SUBDIVISIONS_GRAPH}> {{")
    lines.append("")
    lines += _provenance(SUBDIVISIONS_GRAPH, [PYCOUNTRY_SOURCE])
    for code in sorted(OGP_LOCAL_SUBDIVISIONS):
        sub = pycountry.subdivisions.get(code=code)
        if sub is None:
            raise SystemExit(f"OGP_LOCAL_SUBDIVISIONS: {code} is not an ISO 3166-2 code")
        label = [(sub.name, "en")]
        french = _translate(fr, sub.name)
        if french:
            label.append((french, "fr"))
        props = [
            ("ogp:isoCode", _literal(sub.code)),
            ("schema:containedInPlace", f"country:{sub.country_code}"),
            ("rdfs:label", _labels(label)),
        ]
        lines += _block(
            f"region:{sub.code}", "ogp:Region, cv:AdminUnit, dcterms:Location", props,
            f"{sub.code} {sub.name} ({sub.type})",
        )
        lines.append("")
    lines[-1] = "}"
    return "\n".join(lines) + "\n"


OUTPUTS = {
    "countries.trig": countries_trig,
    "regions-MA.trig": regions_ma_trig,
    "subdivisions.trig": subdivisions_trig,
}


def generate(out: Path) -> list[Path]:
    """Write every reference file into ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in OUTPUTS.items():
        path = out / name
        path.write_text(build(), encoding="utf-8", newline="\n")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "data" / "reference",
        help="output directory (default: data/reference)",
    )
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
