"""Shard tasks: small picklable records that any executor can run in any process.

A task carries only names, parameters and paths. The worker builds the steps it names (once per
process), runs them, writes its outputs atomically and, last, its marker — so a task either has a marker
and complete outputs, or it is simply run again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

from geocorpus.document import Document
from geocorpus.io.atomic import write_json
from geocorpus.io.shards import read_shard
from geocorpus.io.storage import forget_listings, path_of
from geocorpus.pipeline import registry
from geocorpus.pipeline.stage import GlobalStep, ShardOutputs, StageContext
from geocorpus.pipeline.stats import StepCounter, step_label
from geocorpus.pipeline.step import Step
from geocorpus.sources.base import Partition, Source

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

TaskResult = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class StepConfig:
    name: str
    params: str  # JSON of the validated parameters: hashable, picklable, fingerprintable
    position: int
    #: JSON of (path, size, mtime) of the files the parameters name: an edited file makes a new config,
    #: so neither a stage marker nor a step instance cached in a process outlives the file it was built on.
    inputs: str = "[]"
    #: module defining the step class, filled where the config is made (the driver, registry loaded): a
    #: worker imports just that module instead of every step module (see `registry.step_class`)
    module: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.module:
            object.__setattr__(self, "module", registry.module_of(registry.steps(), self.name))

    @property
    def label(self) -> str:
        return step_label(self.position, self.name)


@dataclass(frozen=True)
class SourceConfig:
    name: str
    params: str
    base_dir: str
    module: str = field(default="", compare=False)  # as StepConfig.module

    def __post_init__(self) -> None:
        if not self.module:
            object.__setattr__(self, "module", registry.module_of(registry.sources(), self.name))


@cache
def build_step(config: StepConfig) -> Step:
    """One instance per process and config: steps may load models once and reuse them."""
    cls = registry.step_class(config.name, config.module)
    return cls(cls.Params.model_validate_json(config.params))


@cache
def build_source(config: SourceConfig) -> Source:
    cls = registry.source_class(config.name, config.module)
    return cls(cls.Params.model_validate_json(config.params), Path(config.base_dir))


@dataclass(frozen=True)
class Task:
    ctx: StageContext
    phase: str
    index: int

    @property
    def marker(self) -> StoragePath:
        return self.ctx.scratch(self.phase) / "_done" / f"{self.index:05d}.json"

    def run(self) -> TaskResult:
        raise NotImplementedError


@dataclass(frozen=True)
class StreamTask(Task):
    """Read one source partition (first stage) or one input shard, run the steps, write shard `index`."""

    steps: tuple[StepConfig, ...]
    source: SourceConfig | None = None
    partition_json: str | None = None

    def run(self) -> TaskResult:
        if self.source is not None:
            source = build_source(self.source)
            partition: Partition = json.loads(self.partition_json or "{}")
            docs: Iterable[Document] = source.read(partition)
            first = StepCounter(step_label(0, source.label()))
        else:
            docs = read_shard(self.ctx.input(self.index))
            first = StepCounter(step_label(0, "input"))
        counters = [first] + [StepCounter(config.label) for config in self.steps]
        with ShardOutputs(self.ctx, self.index) as outputs:
            stream = _route(_tally(docs, first), first, outputs)
            for config, counter in zip(self.steps, counters[1:], strict=True):
                stream = _route(build_step(config).run(_feed(stream, counter)), counter, outputs)
            for doc in stream:
                outputs.keep(doc)
        return {c.label: c.to_dict() for c in counters if self.source is not None or c is not first}


@dataclass(frozen=True)
class GlobalTask(Task):
    """One task of one phase of a global step."""

    step: StepConfig

    def run(self) -> TaskResult:
        counter = StepCounter(self.step.label)
        started = perf_counter()
        step = build_step(self.step)
        assert isinstance(step, GlobalStep)
        step.run_phase(self.phase, self.index, self.ctx, counter)
        counter.seconds = perf_counter() - started
        return {counter.label: counter.to_dict()}


def execute(task: Task) -> TaskResult:
    """Run a task and leave its marker; the one entry point every executor calls."""
    forget_listings(path_of(task.ctx.work_dir))  # earlier phases ran in other processes
    result = task.run()
    write_json(task.marker, result)
    return result


def _tally(docs: Iterable[Document], counter: StepCounter) -> Iterator[Document]:
    """Count what a source produces; its reading time is what `_route` measures."""
    for doc in docs:
        counter.docs_in += 1
        yield doc


def _timed(items: Iterable[Document], counter: StepCounter, sign: int) -> Iterator[Document]:
    """Add (sign=1) or subtract (sign=-1) the time spent producing each item to the counter's clock."""
    iterator = iter(items)
    while True:
        started = perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            counter.seconds += sign * (perf_counter() - started)
            return
        counter.seconds += sign * (perf_counter() - started)
        yield item


def _feed(upstream: Iterable[Document], counter: StepCounter) -> Iterator[Document]:
    """Count what a step takes in; time spent upstream is taken off the step's clock."""
    for doc in _timed(upstream, counter, -1):
        counter.docs_in += 1
        yield doc


def _route(produced: Iterable[Document], counter: StepCounter, outputs: ShardOutputs) -> Iterator[Document]:
    """Pass kept documents on; send rejected ones to `rejected/`, counted by reason."""
    for doc in _timed(produced, counter, 1):
        if doc.rejection is not None:
            counter.dropped[doc.rejection[0]] += 1
            outputs.reject(doc, counter.label)
        else:
            counter.docs_out += 1
            yield doc
