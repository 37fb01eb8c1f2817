"""Which executor runs a build: the recipe's `executor:` key, overridden by `--executor` / `--address`.

The choice never changes the output (it is not part of any stage fingerprint), so a build started with one
executor can be resumed with the other.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from geocorpus.executors.base import Executor, ExecutorUnavailable


class ExecutorConfig(BaseModel):
    """`executor: {type: ray, address: auto, num_cpus: 8, temp_dir: /tmp/ray}` in a recipe."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["local", "ray"] = "local"
    address: str | None = Field(default=None, min_length=1,
                                description="Ray cluster to join (`auto`, `host:6379`, `ray://host:10001`); "
                                            "none: start a Ray on this machine")
    num_cpus: int | None = Field(default=None, ge=1,
                                 description="CPUs of a Ray started here, or tasks in flight on a cluster "
                                             "(default: --workers, else all)")
    temp_dir: str | None = Field(default=None, min_length=1,
                                 description="Ray's session folder when Ray is started here (keep it short: "
                                             "socket paths are limited to 107 characters)")


def choose(config: ExecutorConfig, executor: str | None = None, address: str | None = None) -> ExecutorConfig:
    """The recipe's choice with the command line's on top; an address alone means Ray."""
    kind = executor or ("ray" if address else config.type)
    if kind != "ray" and address:
        raise ExecutorUnavailable("--address names a Ray cluster: use it with --executor ray")
    # `--executor local` on a recipe that names a cluster runs here: the recipe's address is for Ray only.
    return config.model_copy(update={"type": kind, "address": address or (config.address if kind == "ray" else None)})


def make_executor(config: ExecutorConfig, workers: int | None = None) -> Executor:
    """Start (or connect) the chosen executor; raises ExecutorUnavailable before anything is written."""
    if config.type == "ray":
        from geocorpus.executors.ray import RayExecutor

        return RayExecutor(config.num_cpus or workers, config.address, config.temp_dir)
    from geocorpus.executors.local import LocalExecutor

    return LocalExecutor(workers)
