"""What ogpkg's distributions hold: its packages and their data files.

Metadata, dependencies and tool settings are in pyproject.toml. This file exists for what
pyproject.toml can only say next to a hand-kept list of every package: the repository keeps
its content at the top level (ontology/, shapes/, data/, queries/), and a wheel ships those
folders inside the package as ``ogpkg/bundle/<folder>/``, mapped from where they are
(``package_dir``) rather than copied into the source tree.
"""

from setuptools import find_namespace_packages, setup

#: the repository's content folders, shipped as ogpkg.bundle.<folder>
CONTENT = ("ontology", "shapes", "data", "queries")


def content_packages(folder: str) -> list[str]:
    """ogpkg.bundle.<folder> and each sub-folder Python could import (setuptools asks that
    those be listed too); the files of all of them are the top package's data."""
    top = f"ogpkg.bundle.{folder}"
    return [top, *(f"{top}.{sub}" for sub in find_namespace_packages(where=folder))]


setup(
    packages=[*find_namespace_packages(include=["ogpkg", "ogpkg.*"], exclude=["*.__pycache__"]),
              *(name for folder in CONTENT for name in content_packages(folder))],
    package_dir={f"ogpkg.bundle.{folder}": folder for folder in CONTENT},
    package_data={
        "ogpkg": ["web/static/*.js", "web/static/vendor/*/*"],
        **{f"ogpkg.bundle.{folder}": ["**/*"] for folder in CONTENT},
    },
)
