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


class Executor(Protocol):
    workers: int

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, TaskResult]]:
        """Yield (task, result) as tasks finish, in any order; raise TaskFailed on the first failure."""
        ...

    def close(self) -> None: ...
