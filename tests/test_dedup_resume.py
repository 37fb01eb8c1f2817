"""A dedup stage interrupted in any phase and run again gives the same clusters as an uninterrupted build."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from test_dedup_minhash import family_corpus, rows, write_docs
from test_resume import build_command, markers, run_and_kill

from geocorpus.build import run_build

STAGE = "s2-dedup_minhash"
ORDER = ["signature", "pairs", "components", "labels", "members", "select", "filter"]
#: "components-r01": killed between two rounds of the iterated phase (round 0 done, round 1 half done)
PHASES = ["signature", "pairs", "components-r00", "components-r01", "labels", "members", "select", "filter"]


def rank(folder: str) -> tuple[int, float]:
    """Run order of a phase's scratch folder; `components/` (the round count) is written after the last round."""
    base, _, number = folder.partition("-r")
    return ORDER.index(base), float(number) if number else float("inf")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dedup-resume")
    write_docs(root, family_corpus(60, seed=8), rows=5)  # ~150 documents in ~30 shards
    run_build(root / "recipe.yaml", output=root / "reference", workers=1)
    return root


def everything(output: Path) -> list[dict]:
    return rows(output) + sorted(rows(output, "rejected"), key=lambda r: r["id"])


def interrupt(output: Path, phase: str) -> None:
    """Leave the build as a kill during `phase` would: half its tasks unfinished, later phases never run."""
    work = output / "_work" / STAGE
    assert (work / "components-r02").is_dir(), "the corpus should need a few component rounds"
    for later in [f for f in work.iterdir() if f.is_dir() and rank(f.name) > rank(phase)]:
        shutil.rmtree(later)
    if phase != "filter":
        shutil.rmtree(output / "data")
        for rejected in (output / "rejected").glob(f"{STAGE}-*"):
            rejected.unlink()
    unfinished = sorted((work / phase / "_done").glob("*.json"))[::2]
    for marker in unfinished:
        marker.unlink()
        if phase == "filter":  # the unfinished tasks' shards were never renamed into place
            (output / "data" / f"part-{marker.stem}.parquet").unlink()
    # An unfinished task may have written some of its files (each one whole: they are renamed into place).
    written = sorted(p for p in (work / phase).rglob("*") if p.is_file() and "_done" not in p.parts
                     and any(m.stem in p.name for m in unfinished))
    for path in written[::2]:
        path.unlink()
    (work / phase / ".half-written.tmp-dead").write_bytes(b"partial")


@pytest.mark.parametrize("phase", PHASES)
def test_interrupted_phase_then_rerun_equals_uninterrupted(corpus: Path, tmp_path: Path, phase: str) -> None:
    output = tmp_path / "out"
    shutil.copytree(corpus / "reference", output)
    interrupt(output, phase)
    run_build(corpus / "recipe.yaml", output=output, workers=1)
    assert everything(output) == everything(corpus / "reference")
    assert not list(output.rglob(".*.tmp-*")), "a leftover temporary file survived the rerun"


def test_sigkill_during_dedup_phases_then_resume(corpus: Path) -> None:
    output = corpus / "killed"
    work = f"{STAGE}/"
    points = [lambda: markers(output, work + "signature") >= 3, lambda: markers(output, work + "filter") >= 3]
    killed = sum(run_and_kill(corpus / "recipe.yaml", output, point) for point in points)
    assert killed >= 1, "the build finished before the kills: the corpus is too small to test resuming"
    started = time.monotonic()
    finished = subprocess.run(build_command(corpus / "recipe.yaml", output), capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert time.monotonic() - started < 60
    assert everything(output) == everything(corpus / "reference")
