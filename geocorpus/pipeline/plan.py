"""From a recipe to stages: list the source partitions, cut the steps at global steps, fingerprint each.

A stage's fingerprint covers the code version, its steps' parameters, the previous stage's fingerprint
and (for the first) every input partition. A rerun whose fingerprint matches reuses finished tasks; one
that differs (a threshold changed, a file added) redoes that stage and those after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from geocorpus import __version__
from geocorpus.io.shards import shard_name
from geocorpus.pipeline import registry
from geocorpus.pipeline.stage import GlobalStep, Phase, StageContext
from geocorpus.pipeline.tasks import GlobalTask, SourceConfig, StepConfig, StreamTask, Task, build_step
from geocorpus.recipe import Recipe
from geocorpus.sources.base import SourceUnavailable

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

STREAM = (Phase("stream", "shard"),)
DEFAULT_BUCKETS = 16


@dataclass
class Layout:
    """Where a build keeps things; `data/` is what users read, `_work/` is the engine's.

    The root is a local path or an fsspec URL (`s3://bucket/corpus`): every stage writes through it.
    """

    root: StoragePath

    @property
    def data(self) -> StoragePath:
        return self.root / "data"

    @property
    def rejected(self) -> StoragePath:
        return self.root / "rejected"

    @property
    def work(self) -> StoragePath:
        return self.root / "_work"

    @property
    def stats(self) -> StoragePath:
        return self.root / "stats.json"


@dataclass
class StagePlan:
    label: str
    fingerprint: str
    ctx: StageContext
    steps: tuple[StepConfig, ...]
    is_global: bool
    first: list[tuple[SourceConfig, str]] = field(default_factory=list)  # (source, partition JSON) per shard

    @property
    def phases(self) -> tuple[Phase, ...]:
        if not self.is_global:
            return STREAM
        cls = registry.steps()[self.steps[0].name]
        assert issubclass(cls, GlobalStep)
        return cls.phases

    def tasks(self, phase: Phase) -> list[Task]:
        count = {"shard": len(self.ctx.inputs), "bucket": self.ctx.buckets, "single": 1}[phase.per]
        if self.is_global:
            return [GlobalTask(self.ctx, phase.name, i, self.steps[0]) for i in range(count)]
        if self.first:
            return [StreamTask(self.ctx, phase.name, i, self.steps, source, partition)
                    for i, (source, partition) in enumerate(self.first)]
        return [StreamTask(self.ctx, phase.name, i, self.steps) for i in range(count)]

    def converged(self, phase: Phase, number: int) -> bool:
        """Whether round `number` of the iterated `phase` was its last (the global step decides)."""
        step = build_step(self.steps[0])
        assert isinstance(step, GlobalStep)
        return step.converged(phase.name, number, self.ctx)


@dataclass
class Plan:
    stages: list[StagePlan]
    labels: list[str]  # every counter label, in display order
    unreachable: list[dict[str, str]]


def make_plan(recipe: Recipe, layout: Layout, limit: int | None = None) -> Plan:
    """Everything decided before the first task runs (and before anything is written)."""
    first: list[tuple[SourceConfig, str]] = []
    labels: list[str] = []
    unreachable = []
    remaining = limit
    for entry in recipe.sources:
        config = SourceConfig(entry.name, entry.params.model_dump_json(), str(recipe.base_dir))
        source = registry.sources()[entry.name](entry.params, recipe.base_dir)
        try:
            partitions = source.partitions(remaining)
        except SourceUnavailable as error:
            unreachable.append({"source": source.label(), "error": str(error)})
            continue
        labels.append(f"00:{source.label()}")
        first += [(config, json.dumps(p, sort_keys=True)) for p in partitions]
        if remaining is not None:
            remaining -= sum(p["items"] for p in partitions)
    step_configs = []
    for position, entry in enumerate(recipe.steps, 1):
        params = entry.params.model_dump_json()
        step_configs.append(StepConfig(entry.name, params, position, json.dumps(_input_files(params))))
    labels += [c.label for c in step_configs]
    groups = _cut(step_configs)
    shards = len(first)
    fingerprint = _hash(__version__, json.dumps([[s.name, s.params, p] for s, p in first]))
    stages = []
    inputs: tuple[str, ...] = ()
    for number, (steps, is_global) in enumerate(groups, 1):
        label = f"s{number}-{steps[0].name if is_global else 'stream'}"
        fingerprint = _hash(fingerprint, json.dumps([[s.name, s.params, s.inputs] for s in steps]))
        last = number == len(groups)
        output = layout.data if last else layout.work / label / "out"
        # More buckets than shards only adds files to read; the output does not depend on the count.
        buckets = min(json.loads(steps[0].params).get("buckets", DEFAULT_BUCKETS), max(shards, 1)) if is_global else 1
        ctx = StageContext(label, inputs, str(layout.work / label), str(output), str(layout.rejected), buckets)
        stages.append(StagePlan(label, fingerprint, ctx, tuple(steps), is_global, first if number == 1 else []))
        inputs = tuple(str(output / shard_name(i)) for i in range(shards))
    return Plan(stages, labels, unreachable)


def _cut(steps: list[StepConfig]) -> list[tuple[list[StepConfig], bool]]:
    """Runs of streaming steps become one stage; each global step is a stage of its own.

    The first stage is always a streaming one (it reads the sources), even with no steps in it.
    """
    groups: list[tuple[list[StepConfig], bool]] = [([], False)]
    for step in steps:
        if issubclass(registry.steps()[step.name], GlobalStep):
            groups.append(([step], True))
        elif groups[-1][1]:
            groups.append(([step], False))
        else:
            groups[-1][0].append(step)
    return groups


def _input_files(params_json: str) -> list[list]:
    """(path, size, mtime) of every file a step's parameters name (InputFile values are absolute paths)."""
    found = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith("/") and Path(value).is_file():
            stat = Path(value).stat()
            found.append([value, stat.st_size, stat.st_mtime_ns])

    walk(json.loads(params_json))
    return found


def _hash(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:16]
