"""The ``ogpkg`` command line: serve, ingest (load), validate, query, dump, stats, check.

Every command that needs the store first brings it in step with the bundled content
(``ontology/``, ``shapes/``, ``data/``): the first run builds it, later runs pick up changed
files. Exit codes: 0 success / conforms, 1 does not conform (or a quality check failed),
2 input unreadable or usage error.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ogpkg.config import DEFAULT_CONTENT_DIR, Settings, describe_content_dir, load_settings
from ogpkg.contrib import content
from ogpkg.errors import OgpkgError, ValidationFailed
from ogpkg.store import RDF_FORMATS, RESULT_FORMATS, Store

if TYPE_CHECKING:
    from ogpkg.contrib.gate import Gate

app = typer.Typer(
    help="ogpkg: the Open Government Partnership knowledge graph — build, validate, query, "
    f"serve. Content: OGPKG_CONTENT_DIR, else {describe_content_dir(DEFAULT_CONTENT_DIR)}. "
    f"Store: OGPKG_DATA_DIR, else {Settings().data_dir}.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)  # paths and messages stay whole

DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help=f"Store directory (default: OGPKG_DATA_DIR, else {Settings().data_dir})."
)]
ContentDir = Annotated[Path | None, typer.Option(
    "--content-dir", help="Folder with ontology/, shapes/, data/, queries/ (default: "
    f"OGPKG_CONTENT_DIR, else {describe_content_dir(DEFAULT_CONTENT_DIR)}).")]
Lang = Annotated[str | None, typer.Option("--lang", help="Message language: en, fr or ar.")]
ReportFormat = Annotated[str, typer.Option(
    "--report", help="Report format: text, json, turtle, html, csv.")]
ReportOut = Annotated[Path | None, typer.Option("--report-out",
                                                help="Write the report to this file.")]


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(overrides)
    except OgpkgError as exc:
        _fail(exc)
        raise  # unreachable


def _fail(exc: OgpkgError, code: int | None = None) -> None:
    err.print(f"[bold red]error:[/] {exc}", highlight=False)
    raise typer.Exit(exc.exit_code if code is None else code)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(
        "{task.completed}/{task.total}"), TimeElapsedColumn(), console=err,
        transient=True, disable=not err.is_terminal)


def _shapes(settings: Settings):
    try:
        return content.load_shapes(settings.content_dir)
    except OgpkgError as exc:
        _fail(exc)
        raise


def open_store(settings: Settings, *, sync: bool = True, quiet: bool = False) -> Store:
    """Open the store and bring it in step with the bundled content (validated)."""
    gate = open_gate(settings, sync=sync, quiet=quiet)
    gate.close()
    return gate.store


def open_gate(settings: Settings, *, sync: bool = True, quiet: bool = False) -> Gate:
    """The write gate over the store, the store brought in step with the bundled content
    (through the gate) unless ``sync`` is False."""
    from ogpkg.contrib.gate import Gate

    try:
        store = Store(settings.data_dir, base_iri=settings.base_iri,
                      keep_snapshots=settings.keep_snapshots)
    except OgpkgError as exc:
        _fail(exc)
        raise
    cached: list[Any] = []

    def shapes() -> Any:
        if not cached:
            cached.append(_shapes(settings))
        return cached[0]

    gate = Gate(store, shapes, max_literal_bytes=settings.max_literal_bytes)
    if not sync:
        return gate
    with _progress() as progress:
        task = progress.add_task("building the store", total=len(
            content.plan(store, settings.content_dir).load))
        try:
            todo, outcome = content.sync(
                gate, settings.content_dir,
                progress=lambda rel: progress.update(task, advance=1, description=rel))
        except OgpkgError as exc:
            _fail(exc)
            raise
    if outcome is not None and outcome.blocked:
        err.print(outcome.report.to_text(settings.lang))
        _fail(ValidationFailed("the bundled content does not conform to shapes/; nothing "
                               "was written", outcome.report))
    if not quiet and not todo.empty:
        err.print(f"store {settings.data_dir}: version {store.version} "
                  f"({len(todo.load)} file(s) loaded, {len(todo.removed)} removed)")
    return gate


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
    workers: Annotated[int | None, typer.Option(
        help="Query worker processes (default: the query_workers setting).")] = None,
    sync: Annotated[bool, typer.Option(
        help="Bring the store in step with the bundled content first; --no-sync serves the "
        "store as it is.")] = True,
) -> None:
    """Run the SPARQL endpoint and web pages over the store (built from the bundled data)."""
    import uvicorn

    from ogpkg.web import create_app
    from ogpkg.web.transport import server_config

    settings = _settings(host=host, port=port, data_dir=data_dir, content_dir=content_dir,
                         query_workers=workers)
    open_store(settings, sync=sync).close()
    _shapes(settings)  # uploads and writes are validated against them: none is a start-up error
    err.print(f"serving http://{settings.host}:{settings.port}/  (SPARQL: /sparql)")
    import logging

    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.Server(server_config(create_app(settings), settings, host=settings.host,
                                 port=settings.port, log_level=settings.log_level,
                                 access_log=False)).run()


@app.command("ingest")
def ingest(
    files: Annotated[list[Path], typer.Argument(help="RDF files or CSV templates to contribute.",
                                                exists=False)],
    graph: Annotated[str | None, typer.Option(
        help="Graph IRI to load into (replaces it). Default: a new contribution graph.")] = None,
    contributor: Annotated[str | None, typer.Option(
        help="Who contributes the data (recorded as provenance). Default: your user name.")
    ] = None,
    report: ReportFormat = "text",
    report_out: ReportOut = None,
    lang: Lang = None,
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
) -> None:
    """Validate contributed data and, if it conforms, write it into its own graph."""
    _run_contribution(files, dry_run=False, graph=graph, contributor=contributor,
                      report=report, report_out=report_out, lang=lang, data_dir=data_dir,
                      content_dir=content_dir)


app.command("load", help="Same as ingest.")(ingest)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="RDF files or CSV templates to check.")],
    shapes: Annotated[list[Path] | None, typer.Option(
        "--shapes", help="Validate against the shapes of this file alone (repeatable): the "
        "data files are read as one graph, without the ontology or the store.")] = None,
    report: ReportFormat = "text",
    report_out: ReportOut = None,
    lang: Lang = None,
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
) -> None:
    """Check data against the shapes (with the ontology and the store's entities); write
    nothing. With --shapes, check any data against any shapes. Exit 0 conforms, 1 does not
    conform, 2 unreadable."""
    if shapes:
        _validate_standalone(files, shapes, report=report, report_out=report_out, lang=lang)
    _run_contribution(files, dry_run=True, graph=None, contributor=None, report=report,
                      report_out=report_out, lang=lang, data_dir=data_dir,
                      content_dir=content_dir)


REPORT_FORMATS = ("text", "json", "turtle", "html", "csv")


def _check_report_format(report: str) -> None:
    if report not in REPORT_FORMATS:
        _fail(OgpkgError(f"unknown report format '{report}': use text, json, turtle, html "
                         "or csv"), 2)


def _validate_standalone(files: list[Path], shapes: list[Path], *, report: str,
                         report_out: Path | None, lang: str | None) -> None:
    """``ogpkg validate DATA --shapes SHAPES``: the data files against those shapes only."""
    from ogpkg.validation.validate import validate_files

    settings = _settings(lang=lang)
    _check_report_format(report)
    try:
        result = validate_files(files, shapes, lang_fallback=settings.lang)
    except OgpkgError as exc:
        _fail(exc)
        raise
    _emit_report(result, report, report_out, settings.lang)
    names = ", ".join(str(f) for f in files)
    if result.conforms:
        err.print(f"[green]✓[/] {names}: conforms to {', '.join(str(s) for s in shapes)}",
                  highlight=False)
    else:
        err.print(f"[red]✗[/] {names}: does not conform to "
                  f"{', '.join(str(s) for s in shapes)} ({len(result.results)} result(s))",
                  highlight=False)
    raise typer.Exit(0 if result.conforms else 1)


def _run_contribution(files: list[Path], *, dry_run: bool, graph: str | None,
                      contributor: str | None, report: str, report_out: Path | None,
                      lang: str | None, data_dir: Path | None,
                      content_dir: Path | None) -> None:
    from ogpkg.contrib.contribute import contribute
    from ogpkg.contrib.ingest import read_input

    settings = _settings(data_dir=data_dir, content_dir=content_dir, lang=lang)
    _check_report_format(report)
    if graph is not None and len(files) > 1:
        _fail(OgpkgError("--graph takes one file at a time"), 2)
    gate = open_gate(settings, quiet=True)
    worst = 0
    for path in files:
        try:
            if not path.is_file():
                raise OgpkgError(f"{path}: no such file")
            parsed = read_input(path, path.name, max_bytes=settings.max_body_bytes,
                                max_literal_bytes=settings.max_literal_bytes,
                                base_iri=settings.base_iri, max_nesting=settings.max_nesting)
            outcome = contribute(gate, parsed, graph=graph, dry_run=dry_run,
                                 contributor=contributor or getpass.getuser())
        except OgpkgError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            worst = 2
            continue
        _emit_report(outcome.report, report, report_out, settings.lang)
        if not outcome.conforms:
            err.print(f"[red]✗[/] {path}: does not conform — nothing written. Fix the "
                      "violations above and run again.")
            worst = max(worst, 1)
        elif outcome.written:
            err.print(f"[green]✓[/] {path}: {outcome.triples} triples written to "
                      f"<{outcome.graph}> (data version {outcome.version}).")
        else:
            err.print(f"[green]✓[/] {path}: conforms ({outcome.triples} triples). "
                      f"To write it: ogpkg ingest {path}")
    gate.close()
    gate.store.close()
    raise typer.Exit(worst)


def _emit_report(rep, fmt: str, dest: Path | None, lang: str) -> None:
    if fmt == "text":
        text = rep.to_text(lang)
    elif fmt == "json":
        text = json.dumps(rep.to_json(lang), indent=2, ensure_ascii=False)
    elif fmt == "turtle":
        text = rep.to_turtle()
    elif fmt == "html":
        text = rep.to_html(lang)
    else:
        text = rep.to_csv(lang)
    if dest is not None:
        dest.write_text(text, encoding="utf-8")
        err.print(f"report written to {dest}")
    elif fmt == "text":
        out.print(text, highlight=False, markup=False)
    else:
        sys.stdout.write(text + ("" if text.endswith("\n") else "\n"))


@app.command()
def query(
    sparql: Annotated[str | None, typer.Argument(help="The query text (or use --file).")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a file."
                                              )] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="table, or a result format: json, xml, csv, tsv (SELECT/ASK); "
        "turtle, ntriples, nquads, trig, rdfxml, jsonld (CONSTRUCT/DESCRIBE).")] = "table",
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
) -> None:
    """Run a SPARQL query over the store (default graph = union of all graphs)."""
    from ogpkg.namespaces import sparql_prologue

    settings = _settings(data_dir=data_dir, content_dir=content_dir)
    if (sparql is None) == (file is None):
        _fail(OgpkgError("give the query text or --file, not both or neither"), 2)
    text = file.read_text(encoding="utf-8") if file is not None else str(sparql)
    if fmt != "table" and fmt not in RESULT_FORMATS and fmt not in RDF_FORMATS:
        _fail(OgpkgError(f"unknown format '{fmt}'"), 2)
    store = open_store(settings, quiet=True)
    snap = store.snapshot()
    try:
        if fmt == "table":
            kind, body = snap.query_bytes(text, None)
            if kind == "json":
                _print_table(json.loads(body))
            else:
                sys.stdout.write(body.decode())
        else:
            _, body = snap.query_bytes(text, fmt)
            sys.stdout.buffer.write(body)
    except OgpkgError as exc:
        hint = "" if "PREFIX" in text.upper() else (
            "\nhint: the common prefixes are:\n" + sparql_prologue(
                ["ogp", "org", "time", "schema", "skos", "rdfs", "prov", "dcterms"]))
        err.print(f"[bold red]error:[/] {exc}{hint}", highlight=False)
        raise typer.Exit(2) from None


def _print_table(result: dict) -> None:
    if "boolean" in result:
        out.print("true" if result["boolean"] else "false")
        return
    names = result["head"]["vars"]
    table = Table(*names, show_lines=False)
    rows = result["results"]["bindings"]
    for b in rows:
        table.add_row(*(b.get(n, {}).get("value", "") for n in names))
    out.print(table)
    err.print(f"{len(rows)} row(s)")


@app.command()
def dump(
    fmt: Annotated[str, typer.Option("--format", help="nquads or trig.")] = "nquads",
    output: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: "
                                                "standard output).")] = None,
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
) -> None:
    """Write every graph of the store as N-Quads or TriG."""
    settings = _settings(data_dir=data_dir, content_dir=content_dir)
    store = open_store(settings, quiet=True)
    snap = store.snapshot()
    try:
        if output is None:
            snap.dump_to(sys.stdout.buffer, fmt)
        else:
            with open(output, "wb") as f:
                snap.dump_to(f, fmt)
            err.print(f"wrote {output} (data version {snap.version})")
    except OgpkgError as exc:
        _fail(exc)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
) -> None:
    """Triples per graph and instances per class."""
    from ogpkg.stats import compute_stats

    settings = _settings(data_dir=data_dir, content_dir=content_dir)
    store = open_store(settings, quiet=True)
    result = compute_stats(store.snapshot())
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    t = Table("graph", "triples", title=f"data version {result['version']}: "
              f"{result['triples']} triples")
    for g, n in result["graphs"].items():
        t.add_row(g, str(n))
    out.print(t)
    c = Table("class", "instances")
    for cls, n in result["classes"].items():
        c.add_row(cls, str(n))
    out.print(c)


@app.command()
def check(
    engine: Annotated[str, typer.Option(
        help="fast (compiled SPARQL), pyshacl (the reference), or both.")] = "fast",
    data_dir: DataDir = None,
    content_dir: ContentDir = None,
    lang: Lang = None,
) -> None:
    """Check everything: bundled content parses and conforms to the shapes, and every
    quality check in queries/qc returns no rows. Exit 1 when anything fails."""
    from ogpkg.checks import run_checks

    settings = _settings(data_dir=data_dir, content_dir=content_dir, lang=lang)
    store = open_store(settings, quiet=True)
    try:
        ok = run_checks(store, settings, engine=engine, console=out)
    except OgpkgError as exc:
        _fail(exc)
    raise typer.Exit(0 if ok else 1)


def main() -> None:  # pragma: no cover
    app()
