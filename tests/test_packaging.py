"""The wheel users install: every module, mapped into the geocorpus namespace, and no heavy core deps.

`spiders/` and `filters/` live at the top of the repository but must install as `geocorpus.spiders` and
`geocorpus.filters`; a package left out of pyproject's `packages` list would silently vanish from the wheel.
This test is part of the acceptance criteria and deliberately carries no skip/slow marker: it runs in CI.
It builds from a copy of the working tree, so it never leaves `build/` or `*.egg-info` in the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from conftest import REPO

HEAVY = ("torch", "bitsandbytes", "ray", "vllm")
ANYWHERE = shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "*.pyc")
AT_ROOT = {"build", "dist", "data", ".venv"}  # build outputs and local data at the top of the checkout


def ignored(folder: str, entries: list[str]) -> set[str]:
    skip = set(ANYWHERE(folder, entries))
    return skip | (AT_ROOT & set(entries)) if Path(folder) == REPO else skip
# where each source folder is installed
NAMESPACE = {"geocorpus": "geocorpus", "spiders": "geocorpus/spiders", "filters": "geocorpus/filters"}


def build_wheel(source: Path, out: Path) -> Path:
    """`python -m build --no-isolation` when the local setuptools can build this project, else `pip wheel`.

    The no-isolation build needs no network; pip's isolated build fetches the build backend from the index
    (or pip's cache) when the installed setuptools is too old for pyproject.toml (licence expressions).
    """
    attempts = [
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(source)],
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(out),
         str(source)],
    ]
    errors = []
    env = {**os.environ, "PIP_NO_INPUT": "1"}
    for command in attempts:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=out)
        wheels = sorted(out.glob("geocorpus-*.whl"))
        if result.returncode == 0 and wheels:
            return wheels[-1]
        errors.append(f"$ {' '.join(command)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    pytest.fail("could not build the wheel:\n" + "\n".join(errors))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("src") / "geocorpus"
    shutil.copytree(REPO, source, ignore=ignored)
    out = tmp_path_factory.mktemp("wheel")
    return build_wheel(source, out)


def names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def metadata(wheel: Path) -> tuple[str, dict]:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return info.split("/")[0], Parser().parsestr(archive.read(info).decode("utf-8"))


def test_wheel_carries_every_module_in_the_geocorpus_namespace(wheel: Path) -> None:
    files = set(names(wheel))
    assert "geocorpus/spiders/__init__.py" in files
    assert "geocorpus/filters/gopher.py" in files
    assert "geocorpus/filters/__init__.py" in files
    expected = set()
    for folder, target in NAMESPACE.items():
        for path in (REPO / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                expected.add(f"{target}/{path.relative_to(REPO / folder).as_posix()}")
    assert len(expected) > 30
    missing = sorted(expected - files)
    assert not missing, f"modules missing from the wheel (add their packages to pyproject.toml): {missing}"


def test_wheel_has_no_stray_top_level_packages(wheel: Path) -> None:
    dist_info, _ = metadata(wheel)
    files = names(wheel)
    tops = {name.split("/")[0] for name in files}
    assert tops == {"geocorpus", dist_info}, tops
    for stray in ("spiders/", "filters/", "tests/", "benchmarks/", "recipes/"):
        assert not any(name.startswith(stray) for name in files), stray
    assert not any("/tests/" in name or name.endswith("conftest.py") for name in files)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read(f"{dist_info}/top_level.txt").decode().split() == ["geocorpus"]
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    assert re.search(r"^geocorpus\s*=\s*geocorpus\.cli:main$", entry_points, re.M), entry_points


def test_wheel_core_dependencies_are_light(wheel: Path) -> None:
    _, meta = metadata(wheel)
    assert meta["Name"] == "geocorpus"
    requires = meta.get_all("Requires-Dist") or []
    assert requires, "no Requires-Dist at all"
    core = [r for r in requires if "extra ==" not in r.replace('"', "").replace("'", "")]
    core_names = {re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower().replace("_", "-") for r in core}
    assert {"click", "pydantic", "pyyaml", "pyarrow", "pypdf"} <= core_names, core_names
    heavy = sorted(core_names & set(HEAVY))
    assert not heavy, f"heavy packages outside extras: {heavy}"


def test_installed_wheel_imports_and_registers_builtins(wheel: Path, tmp_path: Path) -> None:
    """Unpacked alone on sys.path (dependencies from this environment), the wheel finds all its steps."""
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    probe = ("import geocorpus, geocorpus.spiders, geocorpus.filters.gopher\n"
             "from geocorpus.pipeline import registry\n"
             "print(geocorpus.__file__)\n"
             "print(sorted(registry.steps()), sorted(registry.sources()))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "PYTHONPATH": str(target)})
    assert result.returncode == 0, result.stderr
    where, registered = result.stdout.splitlines()
    assert Path(where).is_relative_to(target), "imported the checkout, not the wheel"
    assert "'gopher_quality'" in registered and "'extract'" in registered and "'dedup_exact'" in registered
    assert "'local'" in registered and "'hf'" in registered
