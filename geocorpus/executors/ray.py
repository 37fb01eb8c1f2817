"""The Ray executor: the very same Task objects as the local pool, run as Ray tasks on a cluster.

Each task is `ray.remote(execute)` with one CPU, so a task writes the same files and the same marker as it
would locally, and a build started on Ray resumes on Ray (or locally) after a driver crash. Only a bounded
number of tasks is in flight (like the local pool): a failure stops the build without a backlog, and the
driver never holds more than a few results. Ray reuses its worker processes, so the step cache in
`geocorpus.pipeline.tasks` (models loaded once per process) holds per Ray worker too.

Ray is imported here only, when this executor is chosen: `import geocorpus` never imports it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from typing import Any

from geocorpus.executors.base import ExecutorUnavailable, TaskFailed, describe_failure, task_key
from geocorpus.executors.local import default_workers
from geocorpus.pipeline.tasks import Task, TaskResult, execute

INSTALL_HINT = "the Ray executor needs Ray: pip install 'geocorpus[ray]'"


class RayExecutor:
    """Run tasks on the Ray cluster at `address`, or on a Ray started here when there is none.

    `workers` is the number of CPUs of a Ray started here; with an address, it caps the tasks in flight
    (default: the cluster's CPUs). A Ray this executor started is shut down by `close`; a cluster it
    joined (or a Ray the caller already initialised) is left running.
    """

    def __init__(self, workers: int | None = None, address: str | None = None, temp_dir: str | None = None) -> None:
        # Set before Ray starts: the processes it spawns read it from the environment.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            import ray
        except ImportError as error:
            raise ExecutorUnavailable(INSTALL_HINT) from error
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            self._start(workers, address, temp_dir)
        self.workers = max(1, workers or int(ray.cluster_resources().get("CPU", 1)))
        # Failed tasks are not retried (a bug fails again); a lost worker or node is (tasks are idempotent).
        self._remote = ray.remote(num_cpus=1, retry_exceptions=False)(execute)

    def _start(self, workers: int | None, address: str | None, temp_dir: str | None) -> None:
        options: dict[str, Any] = {"include_dashboard": False, "logging_level": "warning"}
        if address:
            _check_reachable(address)
            options["address"] = address
            where = f"at {address}"
        else:
            options["num_cpus"] = workers or default_workers()
            if temp_dir:
                options["_temp_dir"] = temp_dir
            where = "here"
        try:
            self._ray.init(**options)
        except Exception as error:  # Ray raises bare Exception too (e.g. "node timed out during startup")
            hint = ("start a cluster with `ray start --head` or check --address" if address else
                    "set a short, writable executor temp_dir (Ray's socket paths must stay under 107 characters)")
            raise ExecutorUnavailable(f"cannot start Ray {where}: {error}; {hint}") from error
        self._started = True

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[Task, TaskResult]]:
        ray = self._ray
        pending: dict[Any, Task] = {}
        queue = list(reversed(tasks))
        try:
            while queue or pending:
                while queue and len(pending) < self.workers * 2:
                    task = queue.pop()
                    pending[self._remote.remote(task)] = task
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    task = pending.pop(ref)
                    yield task, self._result(ref, task)
        finally:
            for ref in pending:
                ray.cancel(ref)

    def _result(self, ref: Any, task: Task) -> TaskResult:
        exceptions = self._ray.exceptions
        try:
            return self._ray.get(ref)
        except exceptions.RayTaskError as error:
            cause = error.cause if isinstance(error.cause, BaseException) else error
            raise TaskFailed(describe_failure(task, cause)) from error
        except exceptions.RayError as error:
            raise TaskFailed(f"Ray lost {task_key(task)} ({type(error).__name__}: a worker or node died, "
                             "out of memory?); rerun the build to resume") from error

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def _check_reachable(address: str) -> None:
    """Fail fast on a HOST:PORT nobody listens on: Ray itself keeps retrying such an address for minutes."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # `auto` (or a form Ray resolves itself)
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as error:
        raise ExecutorUnavailable(f"cannot reach Ray at {address} ({error}); start a cluster with "
                                  "`ray start --head` or check --address") from error
