"""What each stage phase costs: peak memory of its tasks and bytes it hands to the next phase (the shuffle).

Tasks run one at a time in one worker process, as in a pool; before each, the kernel's peak-RSS mark is reset
(`/proc/self/clear_refs`, Linux), so a task's peak is its own and not that of an earlier task. The RSS it
starts with (interpreter, libraries, models cached by earlier tasks) is recorded too. Used by
`benchmarks/ray.py`.

An iterated phase (`Phase(rounds=True)`, e.g. the dedup components) runs as rounds named by `Phase.round`
(`components-r00`, `components-r01`, …), as many as the data needs: its cost is one entry for all its rounds —
tasks of every round, the largest task peak of any round, and the bytes every round handed on (round n's
edges are round n+1's input) — with the number of rounds, so two scales compare phase by phase even when the
larger one needed more rounds.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from geocorpus.pipeline import registry
from geocorpus.pipeline.plan import Layout, make_plan
from geocorpus.pipeline.runner import prepare_output, run_plan
from geocorpus.pipeline.stage import Phase
from geocorpus.pipeline.tasks import Task, TaskResult, execute
from geocorpus.recipe import load_recipe


@dataclass
class PhaseCost:
    stage: str
    phase: str
    per: str  # shard | bucket | single
    rounds: int  # rounds an iterated phase ran; 0 for a plain phase
    tasks: int
    peak_mb: float  # largest peak RSS of one task
    above_start_mb: float  # largest (peak − RSS before the task ran): what the work itself needed
    shuffle_bytes: int  # files the phase (all its rounds) leaves for the next (markers excluded)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _measured(task: Task) -> tuple[TaskResult, float, float]:
    Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    start = _status_mb("VmRSS")
    result = execute(task)
    return result, start, _status_mb("VmHWM")


class MeasuringExecutor:
    """One task at a time in one spawned worker: (stage, phase) → [(peak, start)] of each task."""

    workers = 1

    def __init__(self) -> None:
        self.samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
        # Every step module imported up front: imports are not the work of whichever task comes first.
        self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=registry.load_all)

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, TaskResult]]:
        for task in tasks:
            result, start, peak = self._pool.submit(_measured, task).result()
            self.samples.setdefault((task.ctx.label, task.phase), []).append((peak, start))
            yield task, result

    def close(self) -> None:
        self._pool.shutdown()


def _bytes_under(directory: Path) -> int:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file() and "_done" not in f.parts)


def phase_costs(recipe: Path, output: Path) -> list[PhaseCost]:
    """Build `recipe` into `output` with the measuring executor; the cost of every phase, in plan order."""
    plan = make_plan(load_recipe(recipe), Layout(output))
    executor = MeasuringExecutor()
    try:
        run_plan(plan, prepare_output(output, fresh=True), executor)
    finally:
        executor.close()
    costs = []
    for stage in plan.stages:
        for phase in stage.phases:
            rounds = _rounds_run(stage.label, phase, executor.samples)
            names = [phase.name, *rounds]  # an iterated phase keeps its own small files (round count) too
            samples = [sample for name in names for sample in executor.samples.get((stage.label, name), [])]
            last = phase is stage.phases[-1]
            shuffle = 0 if last else sum(_bytes_under(stage.ctx.scratch(name)) for name in names)
            costs.append(PhaseCost(stage.label, phase.name, phase.per, len(rounds), len(samples),
                                   max((p for p, _ in samples), default=0.0),
                                   max((p - s for p, s in samples), default=0.0), shuffle))
    return costs


def _rounds_run(label: str, phase: Phase, samples: dict[tuple[str, str], list]) -> list[str]:
    """The names of the rounds of an iterated phase that ran (every round has tasks); [] for a plain phase."""
    names: list[str] = []
    while phase.rounds and (label, phase.round(len(names)).name) in samples:
        names.append(phase.round(len(names)).name)
    return names
