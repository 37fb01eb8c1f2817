"""What a directory holds and how it splits into Hub configs: a corpus build or a generation output.

A corpus build (`geocorpus build`) has `data/*.parquet` in the Document schema and is split by `kind` into
`literature` (prose) and `code`, because people train on them differently. A generation output
(`geocorpus generate`) has `data/<task>/*.parquet` with `instruction`/`output` columns and is split by task
family into `sft` (training pairs) and `eval` (multiple choice and code-generation sets). Each config is one
split: corpora and SFT pairs are `train`, evaluation sets are `test`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

LITERATURE_KINDS = ("paper", "web", "book", "text", "qa")
CODE_KINDS = ("code",)
EVAL_TASKS = ("mcq", "codegen")
BATCH_ROWS = 2048


class SourceError(Exception):
    """The directory is not something we can publish (message says what and how to fix)."""


@dataclass(frozen=True)
class Config:
    """One Hub config: which rows of which files (rows whose `column` value is in `values`)."""

    name: str
    split: str
    files: tuple[Path, ...]
    column: str
    values: tuple[str, ...]

    def batches(self, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        """The config's rows, in file and row order, a batch at a time (memory stays bounded)."""
        for path in self.files:
            parquet = pq.ParquetFile(path)
            wanted = None if columns is None else sorted({*columns, self.column})
            for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
                mask = pc.is_in(batch[self.column], value_set=pa.array(self.values))
                selected = batch.filter(mask)
                if selected.num_rows:
                    yield selected if columns is None else selected.select(columns)


@dataclass(frozen=True)
class Source:
    """A directory to publish: its kind (`corpus` or `generation`), configs, stats and recipe steps."""

    root: Path
    kind: str
    configs: tuple[Config, ...]
    stats: dict
    steps: tuple[tuple[str, dict], ...]

    @property
    def recipe_name(self) -> str | None:
        return _recipe(self.root).get("name")

    def step_params(self, name: str) -> dict | None:
        """The recipe's params of the first step called `name` (None when the recipe has no such step)."""
        return next((params for step, params in self.steps if step == name), None)


def open_source(root: Path, only: tuple[str, ...] = ()) -> Source:
    """Read DIR: find its configs (all, or those named in `only`), stats.json and recipe steps."""
    data = root / "data"
    if not data.is_dir():
        raise SourceError(f"{root} has no data/ directory: pass a `geocorpus build` or `geocorpus generate` output")
    flat = sorted(data.glob("*.parquet"))
    nested = sorted(data.glob("*/*.parquet"))
    if flat:
        kind, configs = "corpus", _corpus_configs(flat)
    elif nested and _is_generation(nested[0]):
        kind, configs = "generation", _generation_configs(nested)
    else:
        raise SourceError(f"{data} holds no Parquet shards we know (data/*.parquet of Documents, or "
                          "data/<task>/*.parquet with instruction/output columns): is the build finished?")
    if only:
        unknown = sorted(set(only) - {c.name for c in configs})
        if unknown:
            raise SourceError(f"--config {', '.join(unknown)}: {root} has only "
                              f"{', '.join(c.name for c in configs) or 'no'} configs")
        configs = [c for c in configs if c.name in only]
    if not configs:
        raise SourceError(f"{root} has no rows to publish")
    stats_path = root / "stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}
    steps = tuple(_steps(_recipe(root)))
    return Source(root, kind, tuple(configs), stats, steps)


def _corpus_configs(files: list[Path]) -> list[Config]:
    kinds: set[str] = set()
    for path in files:
        kinds.update(str(v) for v in pq.read_table(path, columns=["kind"])["kind"].unique().to_pylist())
    literature = tuple(k for k in LITERATURE_KINDS if k in kinds)
    other = tuple(sorted(kinds - set(LITERATURE_KINDS) - set(CODE_KINDS)))
    configs = []
    if literature or other:
        configs.append(Config("literature", "train", tuple(files), "kind", literature + other))
    if "code" in kinds:
        configs.append(Config("code", "train", tuple(files), "kind", CODE_KINDS))
    return configs


def _is_generation(path: Path) -> bool:
    names = set(pq.read_schema(path).names)
    return {"instruction", "output", "task"} <= names


def _generation_configs(files: list[Path]) -> list[Config]:
    tasks = sorted({path.parent.name for path in files})
    sft = tuple(t for t in tasks if t not in EVAL_TASKS)
    evals = tuple(t for t in tasks if t in EVAL_TASKS)
    configs = []
    if sft:
        configs.append(Config("sft", "train", tuple(f for f in files if f.parent.name in sft), "task", sft))
    if evals:
        configs.append(Config("eval", "test", tuple(f for f in files if f.parent.name in evals), "task", evals))
    return configs


def _recipe(root: Path) -> dict:
    path = root / "recipe.yaml"
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _steps(recipe: dict) -> Iterator[tuple[str, dict]]:
    for item in recipe.get("steps") or []:
        if isinstance(item, dict) and len(item) == 1:
            name, params = next(iter(item.items()))
            yield str(name), params if isinstance(params, dict) else {}
