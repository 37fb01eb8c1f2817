"""The speed work on dedup builds keeps results identical: lazy step lookup in workers, the radix-sorted
shingle sets, and workers that skip interpreter teardown."""

from __future__ import annotations

import multiprocessing
import pickle
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from geocorpus.dedup.shingles import Shingles, unique_per_doc
from geocorpus.executors.local import LocalExecutor
from geocorpus.pipeline import registry
from geocorpus.pipeline.stage import StageContext
from geocorpus.pipeline.tasks import SourceConfig, StepConfig, Task, TaskResult

WORKER = """
import pickle, sys
from geocorpus.pipeline import registry
from geocorpus.pipeline.tasks import build_source, build_step
step, source = pickle.loads(sys.stdin.buffer.read())
print(type(build_step(step)).__name__, type(build_source(source)).__name__, registry._loaded,
      "geocorpus.classify.langid" in sys.modules)
"""


def _in_fresh_process(step: StepConfig, source: SourceConfig) -> list[str]:
    """What a spawned worker sees: build the step and source from pickled configs in a new interpreter."""
    done = subprocess.run([sys.executable, "-c", WORKER], input=pickle.dumps((step, source)),
                          capture_output=True, check=True)
    return done.stdout.decode().split()


def test_configs_name_the_defining_module() -> None:
    step = StepConfig("dedup_minhash", "{}", 1)
    assert step.module == "geocorpus.dedup.minhash"
    assert SourceConfig("local", "{}", "/").module == "geocorpus.sources.local"
    assert step == StepConfig("dedup_minhash", "{}", 1, module="elsewhere")  # not part of the identity
    assert StepConfig("no_such_step", "{}", 1).module == ""


def test_worker_imports_only_the_modules_its_task_names(tmp_path: Path) -> None:
    step = StepConfig("dedup_minhash", '{"threshold": 0.7}', 2)
    source = SourceConfig("local", f'{{"path": "{tmp_path}"}}', str(tmp_path))
    assert _in_fresh_process(step, source) == ["DedupMinhash", "LocalSource", "False", "False"]


def test_worker_falls_back_to_loading_everything(tmp_path: Path) -> None:
    """A module that does not register the name (a plugin registering from elsewhere) loads all."""
    step = StepConfig("dedup_minhash", "{}", 2, module="geocorpus.dedup.shingles")
    source = SourceConfig("local", f'{{"path": "{tmp_path}"}}', str(tmp_path), module="")
    assert _in_fresh_process(step, source) == ["DedupMinhash", "LocalSource", "True", "True"]


def test_unknown_step_is_still_a_key_error() -> None:
    with pytest.raises(KeyError):
        registry.step_class("no_such_step", "geocorpus.dedup.minhash")


@pytest.mark.parametrize("documents", [5, 70_000])  # 70,000 > 65,535: the lexsort path
def test_unique_per_doc_matches_a_set_per_document(documents: int) -> None:
    rng = np.random.default_rng(documents)
    lengths = rng.integers(0, 6, documents)
    doc = np.repeat(np.arange(documents), lengths)
    hashes = rng.integers(0, 2**64 - 1, len(doc), dtype=np.uint64, endpoint=True)
    hashes[::3] = hashes[::3] % np.uint64(4)  # repeats within a document
    values, bounds = unique_per_doc(Shingles(hashes, doc.astype(np.int64), documents))
    for index in rng.choice(documents, min(documents, 50), replace=False).tolist() + [0, documents - 1]:
        expected = np.unique(hashes[doc == index])
        assert np.array_equal(values[bounds[index]: bounds[index + 1]], expected)
    assert bounds[-1] == len(values) == len(set(zip(doc.tolist(), hashes.tolist(), strict=True)))


class Tripwire:
    """Writes its file when destroyed: at interpreter teardown, if the worker tears its modules down."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __del__(self, _open=open) -> None:  # `open` kept: module globals may be gone at teardown
        with _open(self.path, "w") as handle:
            handle.write("torn down")


_KEEP: list[Tripwire] = []


@dataclass(frozen=True)
class TripwireTask(Task):
    """Leaves a `Tripwire` in the worker's module globals and answers its process id."""

    tripwire: str = ""

    def run(self) -> TaskResult:
        import os

        _KEEP.append(Tripwire(f"{self.tripwire}-{os.getpid()}"))
        return {"pid": {"value": os.getpid()}}


def _tripwire_tasks(root: Path) -> list[TripwireTask]:
    ctx = StageContext("s1", (), str(root / "work"), str(root / "out"), str(root / "rejected"), 1)
    return [TripwireTask(ctx, "phase", index, str(root / "tripwire")) for index in range(4)]


def test_a_plain_spawned_worker_trips_the_wire(tmp_path: Path) -> None:
    """The control: without the executor's initializer, teardown finalizes the tripwire."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(TripwireTask.run, _tripwire_tasks(tmp_path)))
    assert list(tmp_path.glob("tripwire-*"))


def test_pool_workers_skip_teardown_and_keep_results(tmp_path: Path) -> None:
    tasks = _tripwire_tasks(tmp_path)
    executor = LocalExecutor(2)
    try:
        results = dict(executor.run(tasks))
    finally:
        executor.close()
    assert sorted(task.index for task in results) == [0, 1, 2, 3]
    assert all(task.marker.is_file() for task in tasks)
    assert not list(tmp_path.glob("tripwire-*")), "a worker ran its interpreter teardown"
