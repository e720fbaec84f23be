"""The installed package is whole: the sdist is built from the sources, the wheel from the
sdist, the wheel is installed into a fresh venv, and from a folder that is not a checkout
``ogpkg check`` passes, ``ogpkg validate`` refuses a non-conforming file with the packaged
shapes, and ``ogpkg serve`` answers SPARQL over HTTP with the packaged data.

Nothing is downloaded: the build uses the setuptools of the running environment (the test
extra requires one recent enough), and the fresh venv reads ogpkg's dependencies from the
running environment's site-packages through a ``.pth`` file, after ogpkg itself was installed
into it from the wheel alone.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

#: what the sdist is built from (the rest of the checkout is not needed to build)
SOURCES = ("pyproject.toml", "setup.py", "README.md", "ogpkg", "ontology", "shapes", "data",
           "queries")
CONTENT = ("ontology", "shapes", "data", "queries")
ACTION_PLANS = ("SELECT (COUNT(?plan) AS ?n) WHERE "
                "{ ?plan a <https://w3id.org/ogp-kg/def/ActionPlan> }")
BAD = ("@prefix ogp: <https://w3id.org/ogp-kg/def/> .\n"
       "<https://w3id.org/ogp-kg/id/commitment/ZZ-1> a ogp:Commitment .\n")


@dataclass(frozen=True)
class Installed:
    venv: Path
    bundle: Path  # the content inside the installed package
    home: Path  # the user's home, where the per-user store goes
    cwd: Path  # a folder that is not a checkout
    env: dict[str, str]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.venv / "bin" / args[0]), *args[1:]], cwd=self.cwd,
                              env=self.env, capture_output=True, text=True, timeout=timeout)


def _clean_env() -> dict[str, str]:
    """The environment without what would make Python or ogpkg look elsewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith("OGPKG_")
            and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "XDG_DATA_HOME")}


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _build(hook: str, source: Path, out: Path) -> Path:
    """Call the PEP 517 hook ``hook`` of setuptools.build_meta in ``source``, without build
    isolation; the path of what it built."""
    out.mkdir(exist_ok=True)
    _run([sys.executable, "-c", "import sys, setuptools.build_meta as backend; "
          f"print(backend.{hook}(sys.argv[1]))", str(out)], cwd=source)
    suffix = ".tar.gz" if hook == "build_sdist" else ".whl"
    [built] = out.glob("ogpkg-*" + suffix)
    return built


def _copy_sources(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    dest.mkdir()
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            shutil.copy2(src, dest / name)
    return dest


def _sdist_names(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as tar:
        return {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}


def _content_files() -> set[str]:
    """The files of the checkout's content folders, as paths relative to the checkout."""
    return {p.relative_to(ROOT).as_posix() for top in CONTENT for p in (ROOT / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    major = int(version("setuptools").split(".")[0])
    if major < 77:
        pytest.fail(f"setuptools {version('setuptools')} is installed; building ogpkg without "
                    "a download needs setuptools>=77, which the test extra requires: "
                    "pip install -e '.[test]'")
    tmp = tmp_path_factory.mktemp("wheel")
    sdist = _build("build_sdist", _copy_sources(tmp / "src"), tmp / "dist")
    assert _content_files() <= _sdist_names(sdist), "the sdist lacks content"
    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(tmp / "unpacked", filter="data")
        else:
            tar.extractall(tmp / "unpacked")
    [unpacked] = (tmp / "unpacked").iterdir()
    wheel = _build("build_wheel", unpacked, tmp / "dist")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp)
    _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
          "--quiet", "--no-deps", "--no-index", str(wheel)], cwd=tmp, env=_clean_env())
    site = Path(_run([str(venv / "bin" / "python"), "-c",
                      "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp,
                     env=_clean_env()).strip())
    deps = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site / "ogpkg-test-dependencies.pth").write_text("".join(p + "\n" for p in deps))

    home, cwd = tmp / "home", tmp / "elsewhere"
    home.mkdir()
    cwd.mkdir()
    env = _clean_env()
    env.update(HOME=str(home), COLUMNS="500", OGPKG_QUERY_WORKERS="2")
    return Installed(venv, site / "ogpkg" / "bundle", home, cwd, env)


def test_the_installed_package_uses_its_own_content(installed: Installed) -> None:
    done = installed.run("python", "-c", "import ogpkg.config as c; print(c.__file__); "
                         "print(c.FROM_CHECKOUT); print(c.DEFAULT_CONTENT_DIR)")
    assert done.returncode == 0, done.stderr
    module, from_checkout, content = done.stdout.split()
    assert Path(module).is_relative_to(installed.venv), module
    assert from_checkout == "False"
    bundle = Path(content)
    assert bundle == installed.bundle
    shipped = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert shipped == _content_files()


def test_check_passes_from_another_folder(installed: Installed) -> None:
    done = installed.run("ogpkg", "check")
    assert done.returncode == 0, done.stderr + done.stdout
    assert "all checks pass" in done.stdout
    shapes = int(re.search(r"(\d+) shape\(s\)", done.stdout).group(1))  # type: ignore[union-attr]
    assert shapes > 0
    assert re.search(r"✓ \S+-violation\.rq", done.stdout)
    # the store went to the per-user data folder, not into the folder ogpkg ran from
    assert (installed.home / ".local" / "share" / "ogpkg" / "CURRENT").is_file()
    assert list(installed.cwd.iterdir()) == []


def test_validate_refuses_a_bad_file_with_the_packaged_shapes(installed: Installed) -> None:
    (installed.cwd / "bad.ttl").write_text(BAD)
    template = installed.bundle / "data" / "templates" / "commitments.csv"  # concept codes too
    try:
        done = installed.run("ogpkg", "validate", "bad.ttl", str(template))
    finally:
        (installed.cwd / "bad.ttl").unlink()
    assert done.returncode == 1, done.stderr + done.stdout
    shapes = [int(n) for n in re.findall(r"(\d+) shape\(s\)", done.stdout)]
    assert len(shapes) == 2 and min(shapes) > 0
    assert "[Violation] ogps:Commitment-title" in done.stdout
    assert "bad.ttl: does not conform" in done.stderr
    assert "commitments.csv: conforms" in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, accept: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


def test_serve_answers_sparql_over_the_packaged_data(installed: Installed) -> None:
    port = _free_port()
    log = installed.cwd.parent / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([str(installed.venv / "bin" / "ogpkg"), "serve", "--port",
                                   str(port)], cwd=installed.cwd, env=installed.env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, log.read_text()
            try:
                _get(base + "/health", "application/json")
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.3)
        body = _get(base + "/sparql?" + urllib.parse.urlencode({"query": ACTION_PLANS}),
                    "application/sparql-results+json")
        [row] = json.loads(body)["results"]["bindings"]
        assert int(row["n"]["value"]) > 0
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # the server and its query workers
            server.wait()
