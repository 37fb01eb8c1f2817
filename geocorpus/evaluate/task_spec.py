"""Which evaluations to run: `--tasks mcq:FILE,codegen:FILE,summary:FILE` or a small YAML file.

The YAML form carries per-task settings (they override the command-line defaults):

    tasks:
      - {kind: mcq, path: geobench_apstudy.json, mode: both}
      - {kind: codegen, path: out/data/codegen, n: 10, k: [1, 5], temperature: 0.8}
      - {kind: summary, path: out/data/code_summary, name: geocode-summary}
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Kind = Literal["mcq", "summary", "codegen"]
KINDS: tuple[str, ...] = ("mcq", "summary", "codegen")


class TaskSpecError(ValueError):
    """A task list that cannot be used; the message is one line (what, where, how to fix)."""


class TaskSpec(BaseModel):
    """One evaluation; unset settings take the command-line defaults (see `with_defaults`)."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    path: Path
    name: str | None = None
    # multiple choice
    style: Literal["cloze", "letters"] | None = None
    mode: Literal["loglik", "generate", "both"] | None = None
    # generation (summary, codegen, mcq generate mode)
    max_new_tokens: int | None = Field(default=None, ge=1)
    # codegen
    n: int | None = Field(default=None, ge=1)
    k: list[int] | None = None
    temperature: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _k_within_n(self) -> TaskSpec:
        if self.k and self.n and max(self.k) > self.n:
            raise ValueError(f"k={max(self.k)} is larger than n={self.n} samples; pass@k needs k <= n")
        if self.k and min(self.k) < 1:
            raise ValueError("k values must be >= 1")
        return self

    def with_defaults(self, defaults: dict[str, object]) -> TaskSpec:
        """Fill every unset setting from `defaults` and give the task a name."""
        values = {key: value for key, value in self.model_dump().items() if value is not None}
        merged = {**{k: v for k, v in defaults.items() if k in TaskSpec.model_fields}, **values}
        merged.setdefault("name", f"{self.kind}:{self.path.stem or self.path.name}")
        try:
            spec = TaskSpec(**merged)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise TaskSpecError(f"task {merged['name']}: {where + ': ' if where else ''}{message}") from None
        if spec.kind == "codegen" and (spec.n or 1) > 1 and not spec.temperature:
            raise TaskSpecError(f"task {spec.name}: n={spec.n} samples at temperature 0 are all the same; "
                                "set a temperature (e.g. 0.8) or n: 1")
        return spec


def parse_tasks(values: tuple[str, ...] | list[str]) -> list[TaskSpec]:
    """Tasks from `--tasks` values: each is `kind:path[,kind:path...]` or the path of a YAML task file."""
    specs: list[TaskSpec] = []
    for value in values:
        if _is_yaml_file(value):
            specs += _from_yaml(Path(value))
            continue
        for part in filter(None, (p.strip() for p in value.split(","))):
            kind, sep, path = part.partition(":")
            if not sep or kind not in KINDS or not path:
                raise TaskSpecError(f"--tasks {part!r}: expected KIND:PATH with KIND one of {', '.join(KINDS)} "
                                    "(e.g. mcq:geobench_apstudy.json), or a tasks YAML file")
            specs.append(TaskSpec(kind=kind, path=Path(path)))
    if not specs:
        raise TaskSpecError("no tasks: give --tasks mcq:FILE (or summary:FILE, codegen:FILE, or a tasks YAML)")
    return specs


def _is_yaml_file(value: str) -> bool:
    prefixed = value.startswith(tuple(f"{kind}:" for kind in KINDS))
    return value.endswith((".yaml", ".yml")) and "," not in value and not prefixed


def unique_names(specs: list[TaskSpec]) -> list[TaskSpec]:
    """Results are keyed by task name: a repeated name gets `#2`, `#3`, ..."""
    seen: dict[str, int] = {}
    out = []
    for spec in specs:
        name = spec.name or spec.kind
        seen[name] = seen.get(name, 0) + 1
        out.append(spec if seen[name] == 1 else spec.model_copy(update={"name": f"{name}#{seen[name]}"}))
    return out


def _from_yaml(path: Path) -> list[TaskSpec]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaskSpecError(f"{path}: cannot read the tasks file ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise TaskSpecError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from error
    entries = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise TaskSpecError(f"{path}: expected a top-level `tasks:` list of {{kind, path, ...}} entries")
    specs = []
    for index, entry in enumerate(entries):
        try:
            spec = TaskSpec.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise TaskSpecError(f"{path}: tasks[{index}]{'.' + where if where else ''}: {message}") from None
        if not spec.path.is_absolute():  # paths in the file are relative to the file, like recipes
            spec = spec.model_copy(update={"path": path.parent / spec.path})
        specs.append(spec)
    return specs
