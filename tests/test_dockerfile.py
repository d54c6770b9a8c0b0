"""The Dockerfile's steps, run outside Docker: every COPY source exists and is in the build context
(.dockerignore does not exclude it), the context leaves out the virtual environment and the
checkout's other bulk, and the package builds from exactly the files the image copies before its
``pip install``. (docker-compose.yml's files are checked in test_dashboards.py.)"""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[1]


def _instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    steps: list[tuple[str, str]] = []
    pending = ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        name, _, rest = whole.partition(" ")
        steps.append((name.upper(), rest.strip()))
    return steps


class DockerIgnore:
    """.dockerignore as Docker reads it: patterns relative to the context's root (``*`` within one
    path element, ``**`` across any number), a pattern that matches a directory matches what is in
    it, ``!`` re-includes, and the last pattern that matches decides."""

    def __init__(self, text: str) -> None:
        self.patterns: list[tuple[re.Pattern[str], bool]] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            include = line.startswith("!")
            pattern = str(PurePosixPath(line.removeprefix("!").strip().lstrip("/")))
            self.patterns.append((re.compile(self._regex(pattern)), include))

    @staticmethod
    def _regex(pattern: str) -> str:
        out, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out, i = out + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                out, i = out + ".*", i + 2
            elif pattern[i] == "*":
                out, i = out + "[^/]*", i + 1
            elif pattern[i] == "?":
                out, i = out + "[^/]", i + 1
            else:
                out, i = out + re.escape(pattern[i]), i + 1
        return out + "$"

    def excluded(self, path: str) -> bool:
        parts = PurePosixPath(path).parts
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        excluded = False
        for regex, include in self.patterns:
            if any(regex.match(prefix) for prefix in prefixes):
                excluded = not include
        return excluded


def _context_files(ignore: DockerIgnore, source: str) -> list[Path]:
    """The files under ``source`` (a file or a folder of the checkout) that Docker sends."""
    path = REPO / source
    candidates = [path] if path.is_file() else [p for p in sorted(path.rglob("*")) if p.is_file()]
    return [p for p in candidates if not ignore.excluded(p.relative_to(REPO).as_posix())]


def _copies() -> tuple[list[tuple[list[str], str, str]], str]:
    """Every COPY from the context as (sources, destination, WORKDIR at that point), and the WORKDIR
    of the ``pip install`` that builds the package."""
    workdir, copies, build_dir = "/", [], ""
    for name, rest in _instructions(REPO / "Dockerfile"):
        if name == "WORKDIR":
            workdir = str(PurePosixPath(workdir) / rest)
        elif name in ("COPY", "ADD"):
            words = [w for w in shlex.split(rest) if not w.startswith("--")]
            if "--from=" not in rest:
                copies.append((words[:-1], words[-1], workdir))
        elif name == "RUN" and re.search(r"\bpip install\b.*\s\.(\s|$)", rest) and not build_dir:
            build_dir = workdir
    return copies, build_dir


def test_every_copy_source_exists_and_is_in_the_build_context() -> None:
    ignore = DockerIgnore((REPO / ".dockerignore").read_text(encoding="utf-8"))
    copies, build_dir = _copies()
    assert copies and build_dir == "/opt/sentinel"
    for sources, _, _ in copies:
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: not in the repository"
            assert not ignore.excluded(source), f"COPY {source}: excluded by .dockerignore"
            assert _context_files(ignore, source), f"COPY {source}: every file under it is excluded"
    # what the package's metadata names is copied before the build
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    copied = {source for sources, _, _ in copies for source in sources}
    for needed in [project["readme"], *project["license-files"], "pyproject.toml"]:
        assert needed in copied, f"pyproject.toml needs {needed}; the Dockerfile does not copy it"


def test_the_build_context_leaves_out_the_checkouts_bulk() -> None:
    ignore = DockerIgnore((REPO / ".dockerignore").read_text(encoding="utf-8"))
    for path in (".venv/bin/python", ".git/HEAD", "var/sentinel.db", "var/reports/2026-12-05/daily.pdf",
                 "tests/conftest.py", "src/sentinel/__pycache__/app.cpython-311.pyc",
                 "src/sentinel_gov.egg-info/PKG-INFO"):
        assert ignore.excluded(path), f"{path} would be sent to the Docker builder"
    assert not ignore.excluded("src/sentinel/app.py")


def test_docker_ignore_reads_patterns_as_docker_does() -> None:
    ignore = DockerIgnore("*\n!lib\n**/__pycache__\n!keep/**/x.txt\nkeep/*.log\n")
    assert ignore.excluded("README.md") and not ignore.excluded("lib/a/b.py")
    assert ignore.excluded("lib/a/__pycache__/b.pyc")
    assert not ignore.excluded("keep/a/b/x.txt") and ignore.excluded("keep/a.log")


def _setuptools_ok() -> bool:
    try:
        major = int(importlib.metadata.version("setuptools").split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return False
    return major >= 77


@pytest.mark.slow
@pytest.mark.skipif(not _setuptools_ok(), reason="needs setuptools>=77, pyproject's build backend (the dev extra "
                                                 "installs it) to build offline")
def test_the_package_builds_from_exactly_the_files_the_image_copies(tmp_path: Path) -> None:
    ignore = DockerIgnore((REPO / ".dockerignore").read_text(encoding="utf-8"))
    copies, build_dir = _copies()
    image = tmp_path / "image"
    for sources, destination, workdir in copies:
        target = PurePosixPath(workdir) / destination
        if not str(target).startswith(build_dir):
            continue  # e.g. the configuration under /etc: not part of the build
        where = image / PurePosixPath(str(target).removeprefix(build_dir).lstrip("/"))
        for source in sources:
            base = REPO / source
            for file in _context_files(ignore, source):
                into = where / file.name if destination.endswith("/") and base.is_file() else \
                    where / file.relative_to(base) if base.is_dir() else where
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, into)
    assert sorted(p.name for p in image.iterdir()) == ["LICENSE", "README.md", "pyproject.toml", "src"]
    wheels = tmp_path / "wheels"
    # the Dockerfile's `pip install .`, offline: the build backend of this environment, no dependencies
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
                           "--quiet", "--wheel-dir", str(wheels), str(image)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    (wheel,) = wheels.glob("sentinel_gov-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "sentinel/demo/feeds/stories.json" in names and "sentinel/reports/templates/incident.html.j2" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert any(name.startswith("sentinel/store/migrations/versions/") for name in names)
