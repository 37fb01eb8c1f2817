"""Memory of the largest task of each dedup phase, and build time: this checkout against an older one, one run.

    python benchmarks/dedup_components.py [--scale 100000] [--rows 10000] [--buckets 16] [--workers 2]
                                          [--before /path/to/older/checkout] [--work /tmp/dedup-components]

Written to check that clustering no longer gathers the whole graph onto one task. Each code version (this
checkout; `--before`: another checkout put first on PYTHONPATH) builds the same synthetic corpus twice:

- timed: `geocorpus build --workers N` as a user runs it (wall time, peak RSS of the process tree);
- per task: the same build through the real runner with an executor that runs every task in a fresh process
  and records its peak RSS (`ru_maxrss`) and that peak minus the RSS the process had before the task
  (imports excluded): the memory the task itself needed. Figures go to RESULTS.md ("dedup components").
"""

from __future__ import annotations

import argparse
import importlib
import json
import multiprocessing
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from results_md import write_section

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_corpus import synthetic_corpus
from dedup_measure import measure

HERE = Path(__file__).resolve().parent
RECIPE = """\
name: dedup-components-bench
output: out
sources:
  - local: {{path: {corpus}, rows_per_shard: {rows}}}
steps:
  - extract: {{}}
  - dedup_minhash: {{buckets: {buckets}}}
"""


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _measured_task(task: object) -> tuple[dict, float, float]:
    """Run one task in this (fresh) process: (result, peak RSS MB, peak minus RSS before the task)."""
    for library in ("pyarrow.compute", "pyarrow.parquet"):  # imported before measuring: not the task's memory
        importlib.import_module(library)
    from geocorpus.pipeline.tasks import build_step, execute

    if hasattr(task, "step"):
        build_step(task.step)  # the step's module and instance, as a reused worker process already has them
    before = _rss_mb()
    result = execute(task)  # type: ignore[arg-type]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result, peak, peak - before


class MeasuringExecutor:
    """Every task in a process of its own (so `ru_maxrss` is that task's peak), `workers` at a time."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.peaks: list[tuple[str, str, int, float, float]] = []  # (stage, phase, index, peak, own)

    def run(self, tasks: Sequence) -> Iterator[tuple[object, dict]]:
        if not tasks:
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context, max_tasks_per_child=1) as pool:
            for task, (result, peak, own) in zip(tasks, pool.map(_measured_task, tasks), strict=True):
                self.peaks.append((task.ctx.label, task.phase, task.index, peak, own))
                yield task, result

    def close(self) -> None:
        pass


def per_task(recipe: Path, output: Path, workers: int) -> None:
    """(Child process) build with the measuring executor; print per-phase maxima as JSON on the last line."""
    from geocorpus.pipeline.plan import Layout, make_plan
    from geocorpus.pipeline.runner import prepare_output, run_plan
    from geocorpus.recipe import load_recipe

    executor = MeasuringExecutor(workers)
    layout = prepare_output(output, fresh=True)
    run_plan(make_plan(load_recipe(recipe), Layout(output)), layout, executor)
    phases: dict[str, dict] = {}
    for stage, phase, _index, peak, own in executor.peaks:
        if not stage.endswith("dedup_minhash"):
            continue
        name, _, number = phase.partition("-r")
        entry = phases.setdefault(name, {"tasks": 0, "rounds": 0, "peak_mb": 0.0, "own_mb": 0.0})
        entry["tasks"] += 1
        entry["rounds"] = max(entry["rounds"], int(number) + 1 if number else 0)
        entry["peak_mb"], entry["own_mb"] = max(entry["peak_mb"], peak), max(entry["own_mb"], own)
    print(json.dumps(phases))


def run_version(label: str, path: Path, recipe: Path, work: Path, workers: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(path)}
    out = work / f"out-{label}"
    shutil.rmtree(out, ignore_errors=True)
    timed = measure([sys.executable, "-m", "geocorpus.cli", "build", str(recipe), "--output", str(out),
                     "--workers", str(workers)], work, env=env, log=work / f"{label}-build.log")
    shutil.rmtree(out, ignore_errors=True)
    child = subprocess.run([sys.executable, __file__, "--per-task", str(recipe), str(out), "--workers", str(workers)],
                           env=env, capture_output=True, text=True, check=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": timed.seconds, "tree_mb": timed.peak_rss_mb, "phases": json.loads(child.stdout.splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=10_000, help="rows per shard")
    parser.add_argument("--buckets", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with (put first on PYTHONPATH)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-components"))
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--per-task", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.per_task:
        per_task(*args.per_task, args.workers)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    corpus = args.work / f"synthetic-{args.scale}.jsonl"
    if not corpus.exists():
        with corpus.open("w") as handle:
            handle.writelines(json.dumps(doc) + "\n" for doc in synthetic_corpus(args.scale))
    recipe = args.work / "recipe.yaml"
    recipe.write_text(RECIPE.format(corpus=corpus, rows=args.rows, buckets=args.buckets))
    versions = {"this checkout": HERE.parent}
    if args.before:
        versions = {"before": args.before, **versions}
    found = {label: run_version(label.replace(" ", "-"), path, recipe, args.work, args.workers)
             for label, path in versions.items()}
    report(args, found)


def report(args: argparse.Namespace, found: dict[str, dict]) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = ["## dedup components", "",
             f"`python benchmarks/dedup_components.py --scale {args.scale} --rows {args.rows} --buckets {args.buckets}"
             f" --workers {args.workers}{' --before OLD_CHECKOUT' if args.before else ''}` on {machine}, "
             f"{time.strftime('%Y-%m-%d')}; versions one after the other in one run. `dedup_minhash` defaults on "
             "synthetic Zipf text (30% edited copies). Per task: peak RSS of a fresh process running only that "
             "task, and that peak minus the process's RSS before the task (interpreter and imports excluded).", "",
             "| version | phase | tasks | rounds | largest task peak MB | largest task own MB |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for label, result in found.items():
        for phase, entry in result["phases"].items():
            lines.append(f"| {label} | {phase} | {entry['tasks']} | {entry['rounds'] or '-'} | "
                         f"{entry['peak_mb']:.0f} | {entry['own_mb']:.0f} |")
    lines += ["", "| version | build seconds | peak RSS MB (process tree) |", "| --- | ---: | ---: |"]
    lines += [f"| {label} | {r['seconds']:.1f} | {r['tree_mb']:.0f} |" for label, r in found.items()]
    lines.append("")
    print("\n".join(lines))
    if not args.no_results:
        write_section("dedup components", lines)


if __name__ == "__main__":
    main()
