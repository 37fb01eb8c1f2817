"""Run a plan: stage after stage, phase after phase, skipping every task that left a marker.

This is the resume story in one place: outputs are renamed into place before markers are written, a
stage whose fingerprint changed is wiped with everything after it, and a killed build run again does only
what is missing — and ends with the same dataset as one that was never interrupted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from geocorpus import __version__
from geocorpus.executors.base import Executor
from geocorpus.io.atomic import remove_leftovers, write_json, write_text
from geocorpus.io.storage import forget_listings, parquet_file, path_of, remove_tree
from geocorpus.pipeline.plan import Layout, Plan, StagePlan
from geocorpus.pipeline.stage import Phase
from geocorpus.pipeline.stats import StepCounter, merge_all

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

OWNER_FILE = ".geocorpus"
MAX_ROUNDS = 1000  # an iterated phase that has not converged by then has a bug, not a big input


class OutputDirError(Exception):
    """The output directory is not one we may write into (or wipe)."""


@dataclass
class BuildResult:
    output: StoragePath
    counters: list[StepCounter]
    documents: int
    rejected: int
    seconds: float
    unreachable: list[dict[str, str]]


def prepare_output(root: StoragePath, fresh: bool) -> Layout:
    """Claim the output directory (or storage prefix); refuse a non-empty one we did not create."""
    if root.exists() and not root.is_dir():
        raise OutputDirError(f"output {root} exists and is not a directory; choose another --output")
    ours = (root / OWNER_FILE).is_file()
    if root.is_dir() and any(root.iterdir()) and not ours:
        raise OutputDirError(f"output {root} is a non-empty directory not made by geocorpus; "
                             "choose an empty or new --output")
    if fresh and ours:
        remove_tree(root)
    root.mkdir(parents=True, exist_ok=True)
    write_text(root / OWNER_FILE, f"geocorpus {__version__} build output\n")
    return Layout(root)


def run_plan(plan: Plan, layout: Layout, executor: Executor, console: Console | None = None) -> BuildResult:
    started = time.perf_counter()
    console = console or Console(stderr=True, quiet=True)
    results: list[dict[str, Any]] = []
    _forget_other_stages(plan, layout)
    invalid = False
    for stage in plan.stages:
        invalid = invalid or _stale(stage)
        if invalid:
            _wipe(stage, layout)
        write_json(path_of(stage.ctx.work_dir) / "fingerprint.json", {"fingerprint": stage.fingerprint})
        remove_leftovers(path_of(stage.ctx.output_dir))  # shards a killed run was writing (temp names are unique)
        for phase in stage.phases:
            for current in _rounds(stage, phase):
                remove_leftovers(stage.ctx.scratch(current.name))
                results += _run_phase(stage, current.name, stage.tasks(current), executor, console)
    remove_leftovers(layout.data)
    remove_leftovers(layout.rejected)
    counters = merge_all(results, plan.labels)
    kept = sum(parquet_file(path).metadata.num_rows for path in layout.data.glob("*.parquet"))
    rejected = sum(sum(c.dropped.values()) for c in counters)
    result = BuildResult(layout.root, counters, kept, rejected, time.perf_counter() - started, plan.unreachable)
    write_json(layout.stats, stats_document(result))
    return result


def _rounds(stage: StagePlan, phase: Phase) -> Iterator[Phase]:
    """The phase itself, or its rounds one after another: the next is asked for only once a round has run.

    Finished rounds are found by their markers like any phase, so a resumed build replays the convergence
    checks of the rounds it already did (cheap, driver side) and goes on from the first unfinished one.
    """
    if not phase.rounds:
        yield phase
        return
    for number in range(MAX_ROUNDS):
        yield phase.round(number)
        if stage.converged(phase, number):
            return
    raise RuntimeError(f"{stage.label}: phase {phase.name} did not converge in {MAX_ROUNDS} rounds")


def _run_phase(stage: StagePlan, phase: str, tasks: list, executor: Executor, console: Console) -> list[dict]:
    """Run the tasks of one phase that have no marker; return every task's result (old and new)."""
    results, todo = [], []
    for task in tasks:
        if task.marker.is_file():
            results.append(json.loads(task.marker.read_text(encoding="utf-8")))
        else:
            todo.append(task)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task(f"{stage.label} {phase}", total=len(tasks), completed=len(tasks) - len(todo))
        for _task, result in executor.run(todo):
            results.append(result)
            progress.advance(bar)
    forget_listings(path_of(stage.ctx.work_dir))  # the tasks wrote from other processes
    return results


def _stale(stage: StagePlan) -> bool:
    """True when the stage's saved fingerprint is missing or differs: its tasks cannot be reused."""
    saved = path_of(stage.ctx.work_dir) / "fingerprint.json"
    try:
        return json.loads(saved.read_text(encoding="utf-8"))["fingerprint"] != stage.fingerprint
    except (OSError, ValueError, KeyError):
        return True


def _forget_other_stages(plan: Plan, layout: Layout) -> None:
    """Drop work and rejections of stages an earlier version of the recipe had and this one has not."""
    labels = {stage.label for stage in plan.stages}
    if layout.work.is_dir():
        for old in layout.work.iterdir():
            if old.name not in labels:
                remove_tree(old)
    if layout.rejected.is_dir():
        for old in layout.rejected.glob("*.parquet"):
            if old.name.split("-part-")[0] not in labels:
                old.unlink()


def _wipe(stage: StagePlan, layout: Layout) -> None:
    remove_tree(path_of(stage.ctx.work_dir))
    if path_of(stage.ctx.output_dir) == layout.data:
        remove_tree(layout.data)
    for old in layout.rejected.glob(f"{stage.ctx.label}-*"):
        old.unlink()


def stats_document(result: BuildResult) -> dict[str, Any]:
    return {
        "geocorpus": __version__,
        "documents": result.documents,
        "rejected": result.rejected,
        "seconds": round(result.seconds, 3),
        "steps": [{"step": c.label.split(":", 1)[1], "position": int(c.label.split(":", 1)[0]), **c.to_dict()}
                  for c in result.counters],
        "unreachable_sources": result.unreachable,
    }
