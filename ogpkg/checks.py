"""``ogpkg check``: the bundled content conforms to the shapes, and every quality-check
query (``queries/qc/*-violation.rq``) returns no rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ogpkg.config import Settings
from ogpkg.contrib import content
from ogpkg.errors import ConfigError
from ogpkg.store import Queryable, Store


@dataclass(frozen=True)
class QcResult:
    name: str
    title: str
    rows: list[dict[str, str]]


def qc_files(root: Path) -> list[Path]:
    """The quality checks. Raises :class:`ConfigError` naming the folder when there are none:
    a check that runs nothing must not say "all checks pass"."""
    folder = root / "queries" / "qc"
    files = sorted(folder.glob("*-violation.rq"))
    if not files:
        raise ConfigError(f"no quality checks: no *-violation.rq file in {folder}")
    return files


def query_title(path: Path) -> str:
    """The first comment line of a query file (its title)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return path.stem


def run_qc(target: Queryable, root: Path) -> list[QcResult]:
    """Run every quality check; a result with rows is a failure."""
    results = []
    for path in qc_files(root):
        rows = target.select(path.read_text(encoding="utf-8"))
        results.append(QcResult(path.name, query_title(path),
                                [{k: str(v) for k, v in r.items()} for r in rows]))
    return results


def run_checks(store: Store, settings: Settings, *, engine: str = "fast",
               console: Console | None = None) -> bool:
    """Validate the whole store and run the quality checks; print a summary; True when clean.

    Raises :class:`ConfigError` when the content has no shapes or no quality checks.
    """
    from ogpkg.validation.validate import validate, validate_pyshacl

    console = console or Console()
    root = settings.content_dir
    shapes = content.load_shapes(root)
    qc_files(root)  # none at all fails now, not after the validation
    snap = store.snapshot()
    ok = True
    reports = []
    if engine in ("fast", "both"):
        reports.append(validate(snap, shapes))
    if engine in ("pyshacl", "both"):
        import warnings

        from rdflib import Dataset

        ds = Dataset(default_union=True)
        with warnings.catch_warnings():  # rdflib's own deprecations inside Dataset.parse
            warnings.simplefilter("ignore", DeprecationWarning)
            ds.parse(data=snap.serialize("nquads").decode(), format="nquads")
        reports.append(validate_pyshacl(ds, shapes))
    for rep in reports:
        console.print(rep.to_text(settings.lang), markup=False, highlight=False)
        ok = ok and not rep.violations()  # warnings and infos are reported, not failures
    for qc in run_qc(snap, root):
        mark = "[green]✓[/]" if not qc.rows else "[red]✗[/]"
        console.print(f"{mark} {qc.name}: {qc.title} — {len(qc.rows)} row(s)")
        for row in qc.rows[:20]:
            console.print("    " + ", ".join(f"{k}={v}" for k, v in row.items()),
                          markup=False, highlight=False)
        ok = ok and not qc.rows
    console.print("[green]all checks pass[/]" if ok else "[red]some checks failed[/]")
    return ok
