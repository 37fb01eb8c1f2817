"""Where a `dedup_minhash` build spends its wall time: driver start, planning, and each phase of each stage.

    python benchmarks/dedup_phases.py [--families 8000] [--workers 2] [--work /tmp/dedup-bench] [--repeat 1]

Builds the labeled corpus of `dedup.py` (cached in --work) with the same recipe as its first run, in this
process, and prints seconds per part. The figures guide speed work on the fixed costs of a build (process
start, imports, reading JSONL); `dedup.py` is the side-by-side benchmark against the competitors.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

STARTED = time.perf_counter()
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup import RECIPE, labeled, write_jsonl  # noqa: E402

from geocorpus.executors.local import LocalExecutor  # noqa: E402
from geocorpus.pipeline.plan import Layout, make_plan  # noqa: E402
from geocorpus.pipeline.runner import prepare_output, run_plan  # noqa: E402
from geocorpus.pipeline.tasks import Task, TaskResult  # noqa: E402
from geocorpus.recipe import load_recipe  # noqa: E402

IMPORTED = time.perf_counter()


class TimedExecutor(LocalExecutor):
    """The local executor, noting the wall seconds of each `run` (one phase of one stage)."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.seconds: dict[str, float] = {}

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, TaskResult]]:
        started = time.perf_counter()
        yield from super().run(tasks)
        if tasks:
            key = f"{tasks[0].ctx.label} {tasks[0].phase} ({len(tasks)} tasks)"
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started


def build_once(corpus: Path, count: int, work: Path, workers: int) -> dict[str, float]:
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    recipe_path = work / "recipe.yaml"
    recipe_path.write_text(RECIPE.format(corpus=corpus, rows=max(1000, math.ceil(count / 16)), params="buckets: 16"))
    started = time.perf_counter()
    recipe = load_recipe(recipe_path)
    layout = Layout(work / "out")
    plan = make_plan(recipe, layout)
    planned = time.perf_counter()
    executor = TimedExecutor(workers)
    try:
        run_plan(plan, prepare_output(layout.root, fresh=True), executor)
    finally:
        closing = time.perf_counter()
        executor.close()
    ended = time.perf_counter()
    return {"recipe + plan": planned - started, **executor.seconds, "pool shutdown": ended - closing,
            "build total": ended - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    docs, _ = labeled(args.families, args.work)
    corpus = args.work / f"labeled-{args.families}.jsonl"
    write_jsonl(docs, corpus)
    print(f"driver imports: {IMPORTED - STARTED:.2f}s")
    for number in range(args.repeat):
        parts = build_once(corpus, len(docs), args.work / "phases", args.workers)
        print(f"build {number + 1}: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in parts.items()))
    shutil.rmtree(args.work / "phases", ignore_errors=True)


if __name__ == "__main__":
    main()
