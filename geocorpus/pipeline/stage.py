"""Stages: the units the runner schedules. A stage is phases; a phase is independent shard tasks.

A run of streaming steps fuses into one `stream` stage (one task per shard, no intermediate files). A step
that needs every shard at once (dedup, classifier training) is a `GlobalStep`: it declares its phases and
how many tasks each has, and the runner runs them — locally or on Ray — without knowing what they do.
A phase may be iterated (`rounds=True`): the runner runs it again and again, each round a phase of its own
(markers per round, so a build resumes mid-iteration), until the step says it has converged.
The last phase of every stage turns input shard i into output shard i, which keeps the output order (and
so the dataset) independent of the executor and of the number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar, Literal

from geocorpus.document import Document
from geocorpus.io.shards import ShardWriter, shard_name
from geocorpus.io.storage import path_of
from geocorpus.pipeline.stats import StepCounter
from geocorpus.pipeline.step import Step

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath


@dataclass(frozen=True)
class Phase:
    name: str
    #: "shard": one task per input shard; "bucket": one per hash bucket; "single": one task.
    per: Literal["shard", "bucket", "single"]
    #: run as rounds "<name>-r00", "<name>-r01", … until `GlobalStep.converged` says stop
    rounds: bool = False

    def round(self, number: int) -> Phase:
        """Round `number` of an iterated phase: a plain phase with its own name, scratch folder and markers."""
        return Phase(f"{self.name}-r{number:02d}", self.per)


@dataclass(frozen=True)
class StageContext:
    """Where a stage reads and writes; plain strings (paths or fsspec URLs) so it pickles to any executor."""

    label: str
    inputs: tuple[str, ...]
    work_dir: str
    output_dir: str
    rejected_dir: str
    buckets: int

    def input(self, index: int) -> StoragePath:
        return path_of(self.inputs[index])

    def output(self, index: int) -> StoragePath:
        return path_of(self.output_dir) / shard_name(index)

    def rejected(self, index: int) -> StoragePath:
        return path_of(self.rejected_dir) / f"{self.label}-{shard_name(index)}"

    def scratch(self, phase: str) -> StoragePath:
        return path_of(self.work_dir) / phase


class GlobalStep(Step):
    """A step that sees the whole dataset: phases over shards and buckets, then a per-shard final phase."""

    phases: ClassVar[tuple[Phase, ...]]

    def run_phase(self, phase: str, index: int, ctx: StageContext, counter: StepCounter) -> None:
        """Do task `index` of `phase`. The last phase writes shard `index` through `ShardOutputs`."""
        raise NotImplementedError

    def converged(self, phase: str, number: int, ctx: StageContext) -> bool:
        """After round `number` of the iterated `phase` (all its tasks done): True when no more rounds are needed.

        Called by the driver; it should read only small files the round's tasks wrote (counts, metadata).
        """
        raise NotImplementedError


class ShardOutputs:
    """The two files a final-phase task writes for shard `index`: kept documents and rejected ones.

    Both appear atomically when the block ends without error; the rejected file only if something was
    rejected, so a clean corpus does not leave a directory of empty files.
    """

    def __init__(self, ctx: StageContext, index: int) -> None:
        self._kept = ShardWriter(ctx.output(index))
        self._rejected_path = ctx.rejected(index)
        self._rejected: ShardWriter | None = None

    def __enter__(self) -> ShardOutputs:
        self._kept.__enter__()
        return self

    def keep(self, doc: Document) -> None:
        self._kept.add(doc)

    def reject(self, doc: Document, rejected_by: str) -> None:
        if self._rejected is None:
            self._rejected = ShardWriter(self._rejected_path, rejected=True).__enter__()
        self._rejected.add(doc, rejected_by=rejected_by)

    def __exit__(self, kind: type | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if self._rejected is not None:
                self._rejected.__exit__(kind, error, tb)
            elif kind is None:
                self._rejected_path.unlink(missing_ok=True)  # a stale file from an older run
        finally:
            self._kept.__exit__(kind, error, tb)
