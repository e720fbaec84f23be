"""Shared fixtures: the repository's content, and one store built from it per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpkg import content
from ogpkg.config import Settings, load_settings
from ogpkg.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shapes():  # type: ignore[no-untyped-def]
    from ogpkg.validate import Shapes

    return Shapes.from_paths(content.shape_files(ROOT), content.ontology_files(ROOT))


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory, shapes) -> Path:  # type: ignore[no-untyped-def]
    """A data directory holding the store built from the bundled content (validated)."""
    from ogpkg.errors import ValidationFailed
    from ogpkg.validate import validate

    data_dir = tmp_path_factory.mktemp("store")

    def check(st: Store, graphs: list[str]) -> None:
        report = validate(st, shapes)
        if report.violations():
            raise ValidationFailed(report.to_text("en"), report)

    with Store(data_dir) as store:
        content.sync(store, ROOT, check=check)
    return data_dir


@pytest.fixture(scope="session")
def built_settings(built_dir: Path) -> Settings:
    return load_settings({"data_dir": built_dir, "content_dir": ROOT}, environ={})


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings with a fresh, empty data directory."""
    return load_settings({"data_dir": tmp_path / "var", "content_dir": ROOT}, environ={})


TOKEN = "test-write-token"


def copy_store(built_dir: Path, dest: Path) -> Path:
    """A private, writable copy of a built store: its current snapshot (the working copy is
    rebuilt from it on first open)."""
    import shutil

    version = int((built_dir / "CURRENT").read_text().strip())
    name = f"{version:08d}"
    (dest / "snapshots").mkdir(parents=True)
    shutil.copytree(built_dir / "snapshots" / name, dest / "snapshots" / name)
    shutil.copy(built_dir / "snapshots" / f"{name}.json", dest / "snapshots" / f"{name}.json")
    (dest / "CURRENT").write_text(str(version))
    return dest


@pytest.fixture()
def writable_settings(built_dir: Path, tmp_path: Path) -> Settings:
    """Settings over a private copy of the built store, with a write token."""
    data_dir = copy_store(built_dir, tmp_path / "var")
    return load_settings({"data_dir": data_dir, "content_dir": ROOT, "write_token": TOKEN,
                          "query_workers": 2}, environ={})
