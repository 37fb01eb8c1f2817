"""A build killed with SIGKILL at any point and run again must equal an uninterrupted build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_html_corpus, write_recipe

RECIPE = """\
name: resume-test
output: out
sources:
  - local: {path: pages, files_per_shard: 8}
steps:
  - extract: {}
  - gopher_quality: {min_words: 50}
  - dedup_exact: {buckets: 4}
"""


def build_command(recipe: Path, output: Path, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "geocorpus.cli", "build", str(recipe), "--output", str(output),
            "--workers", str(workers)]


def table(directory: Path) -> pa.Table:
    files = sorted(directory.glob("*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files]) if files else pa.table({})


def markers(output: Path, stage_phase: str) -> int:
    done = output / "_work" / stage_phase / "_done"
    return len(list(done.glob("*.json"))) if done.is_dir() else 0


def run_and_kill(recipe: Path, output: Path, condition: Callable[[], bool], timeout: float = 120) -> bool:
    """Start a real build, SIGKILL its whole process group once `condition` holds; True if it was killed."""
    process = subprocess.Popen(build_command(recipe, output), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if condition():
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.005)
        return False
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("resume")
    write_html_corpus(root / "pages", 240, seed=11, duplicates=20)
    (root / "pages" / "empty.html").write_bytes(b"")
    (root / "pages" / "junk.py").write_bytes(bytes(range(256)) * 4)
    write_recipe(root / "recipe.yaml", RECIPE)
    reference = root / "reference"
    subprocess.run(build_command(root / "recipe.yaml", reference), check=True, capture_output=True)
    return root


def test_kill_at_several_points_then_resume_equals_uninterrupted(corpus: Path) -> None:
    output = corpus / "killed"
    started = time.monotonic()
    kill_points = [
        lambda: time.monotonic() - started > 0.3,  # while starting, before any shard is done
        lambda: markers(output, "s1-stream/stream") >= 3,  # in the middle of the first stage
        lambda: markers(output, "s2-dedup_exact/hash") >= 1,  # inside dedup's first phase
        lambda: markers(output, "s2-dedup_exact/filter") >= 2,  # while writing the final shards
    ]
    killed = 0
    for point in kill_points:
        started = time.monotonic()
        killed += run_and_kill(corpus / "recipe.yaml", output, point)
    assert killed >= 3, "the build finished before the kills: the corpus is too small to test resuming"
    finished = subprocess.run(build_command(corpus / "recipe.yaml", output), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr

    expected, actual = table(corpus / "reference" / "data"), table(output / "data")
    assert actual.num_rows > 200
    assert actual.equals(expected), "resumed dataset differs from the uninterrupted one"
    assert table(output / "rejected").sort_by("id").equals(table(corpus / "reference" / "rejected").sort_by("id"))
    assert not list(output.rglob(".*.tmp-*")), "a killed write left a temporary file behind"


def test_kill_during_single_worker_build(corpus: Path) -> None:
    """Inline execution (one worker) writes through the same temp-then-rename path."""
    output = corpus / "killed-inline"
    process = subprocess.Popen(build_command(corpus / "recipe.yaml", output, workers=1),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while process.poll() is None and markers(output, "s1-stream/stream") < 10:
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    subprocess.run(build_command(corpus / "recipe.yaml", output, workers=1), check=True, capture_output=True)
    assert table(output / "data").equals(table(corpus / "reference" / "data"))
