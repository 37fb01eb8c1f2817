"""The local executor: shard tasks in a pool of processes on this machine (or inline for one worker).

Workers are started with `spawn`: a clean interpreter per worker, safe next to the progress bar's thread,
and the same start method on Linux and macOS. One pool serves every stage of a build (the executor keeps it
until `close`), so workers start and import once per build.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from geocorpus.executors.base import TaskFailed, describe_failure, task_key
from geocorpus.pipeline.tasks import Task, TaskResult, execute


def _skip_teardown_at_exit() -> None:
    """Pool initializer: a worker leaves with `os._exit` instead of tearing its interpreter down.

    Tearing down the modules a worker imported (pyarrow, scipy, pypdf …) and freeing its heap took ~1 s per
    worker at the end of every build, which the user waits for. Nothing is lost by skipping it: a task's
    outputs and marker are renamed into place before its result is sent, multiprocessing has flushed the
    standard streams and run its finalizers before the interpreter exits, and the pool never reads a
    worker's exit code (a worker that dies mid-task is detected by its sentinel). Registered after
    multiprocessing's own handler, it runs first (atexit is last in, first out).
    """
    atexit.register(os._exit, 0)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class LocalExecutor:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or default_workers())
        self._pool: ProcessPoolExecutor | None = None

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, TaskResult]]:
        if self.workers == 1 or len(tasks) <= 1:
            for task in tasks:
                try:
                    yield task, execute(task)
                except Exception as error:
                    raise TaskFailed(describe_failure(task, error)) from error
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_skip_teardown_at_exit)
        pending: dict[Future, Task] = {}
        queue = list(tasks)
        queue.reverse()
        try:
            while queue or pending:
                # Keep only a few tasks in flight: a failure stops the build without a backlog behind it.
                while queue and len(pending) < self.workers * 2:
                    task = queue.pop()
                    pending[self._pool.submit(execute, task)] = task
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    task = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool as error:
                        raise TaskFailed(f"a worker process died while running {task_key(task)} "
                                         "(out of memory?); rerun the build to resume") from error
                    except Exception as error:
                        raise TaskFailed(describe_failure(task, error)) from error
                    yield task, result
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

