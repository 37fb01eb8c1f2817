"""The executor contract: run independent tasks, report each result as it completes.

Executors know tasks only as picklable objects passed to `geocorpus.pipeline.tasks.execute`; they never
see steps, shards or recipes, so the local pool and Ray run exactly the same work.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from geocorpus.pipeline.tasks import Task, TaskResult


class TaskFailed(Exception):
    """A task raised (a bug or a crashed worker, not a bad document). Finished tasks keep their markers."""


class ExecutorUnavailable(Exception):
    """The chosen executor cannot start here (its extra is not installed, its cluster cannot be reached).

    Raised before anything is written, so the CLI reports it as bad input (exit 2) with how to fix it.
    """


class Executor(Protocol):
    workers: int

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, TaskResult]]:
        """Yield (task, result) as tasks finish, in any order; raise TaskFailed on the first failure."""
        ...

    def close(self) -> None: ...


def task_key(task: Task) -> str:
    """How a task is named in messages: stage/phase/index, as its marker path has it."""
    return f"{task.ctx.label}/{task.phase}/{task.index:05d}"


def describe_failure(task: Task, error: BaseException) -> str:
    """The one message shape of a failed task, whichever executor ran it."""
    return f"task {task_key(task)} failed: {type(error).__name__}: {error}"
