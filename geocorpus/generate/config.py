"""Generation recipes: a `generate:` section in the same YAML family as build recipes, checked before any request.

    name: geosignal-sft
    generate:
      input: {path: data/geocode_pt, kinds: [paper, web], min_geo_score: 0.3}
      output: data/geosignal_sft
      backend: {type: openai, base_url: "http://localhost:8000/v1", model: qwen2.5-7b-instruct}
      seed: 0
      tasks:                       # ordered, `- task_name: {params}` like a build's steps
        - geosignal_qa: {per_document: 2, words: 300}
      verify:                      # applied in order to every task that has no `verify:` of its own
        - grounded: {}

Problems are reported the way build recipes report them (`recipe.yaml:7: generate.tasks[0].geosignal_qa.wrods:
unknown key (did you mean 'words'?)`), by the build recipe loader's own line index and error formatting.
`input` and `output` are relative to where the command runs (`input` is usually a build's `output`); template
files and eval-set files are relative to the recipe file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from geocorpus.generate.backends import BackendSpec
from geocorpus.generate.tasks.base import Task, TaskParams, tasks
from geocorpus.recipe import (
    KeyPath,
    Problem,
    RecipeError,
    line_of,
    named_item,
    read_mapping,
    validated,
)

#: verifier parameters naming files, resolved against the recipe's folder before the verifier sees them
FILE_LIST_PARAMS = ("eval_sets",)


class InputSpec(BaseModel):
    """Which documents to generate from: a built dataset dir (its data/*.parquet) or Parquet/JSONL files."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: list[str] = Field(min_length=1, description="dataset dirs, files or glob patterns")
    kinds: list[str] | None = Field(default=None, description="only these document kinds")
    langs: list[str] | None = Field(default=None, description="only documents in these languages")
    min_geo_score: float | None = Field(default=None, description="only documents with scores.geo_score >= this")

    @field_validator("path", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: InputSpec
    output: str = Field(min_length=1)
    backend: BackendSpec
    tasks: list[Any] = Field(min_length=1)
    verify: list[Any] = Field(default_factory=list)
    seed: int = 0

    @field_validator("input", mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"path": value} if isinstance(value, str | list) else value


class _TopLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="generate", min_length=1)
    generate: dict[str, Any]


@dataclass(frozen=True)
class TaskEntry:
    task: Task
    verify: list[dict[str, Any]]  # the verifier specs this task's pairs go through, in order
    line: int | None


@dataclass(frozen=True)
class GenerateRecipe:
    name: str
    input: InputSpec
    output: str
    backend: Any  # a BackendSpec member
    tasks: list[TaskEntry]
    seed: int
    path: Path
    text: str


def load_generate_recipe(path: str | Path) -> GenerateRecipe:
    """Parse and validate a generation recipe; raises RecipeError listing every problem with its line."""
    path = Path(path)
    file = str(path)
    text, data, lines = read_mapping(path, "a `generate:` section")
    problems: list[Problem] = []
    top = validated(_TopLevel, data, (), lines, problems)
    if top is None:
        raise RecipeError(file, problems)
    where: KeyPath = ("generate",)
    section = validated(_Section, top.generate, where, lines, problems)
    raw = top.generate
    base_dir = path.resolve().parent
    seed = section.seed if section else 0
    shared = _verify_specs(raw.get("verify"), where + ("verify",), base_dir, lines, problems)
    entries = _task_entries(raw.get("tasks"), seed, shared, base_dir, lines, problems)
    if problems or section is None:
        raise RecipeError(file, problems)
    return GenerateRecipe(top.name, section.input, section.output, section.backend, entries, seed,
                          path.resolve(), text)


def _task_entries(items: Any, seed: int, shared: list[dict[str, Any]], base_dir: Path, lines: dict[KeyPath, int],
                  problems: list[Problem]) -> list[TaskEntry]:
    known = tasks()
    entries: list[TaskEntry] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        where: KeyPath = ("generate", "tasks", index)
        named = named_item(item, where, known, "task", lines, problems)
        if named is None:
            continue
        name, raw = named
        model: type[TaskParams] = known[name].Params
        params = validated(model, raw if raw is not None else {}, where + (name,), lines, problems,
                           {"base_dir": base_dir})
        if params is None:
            continue
        verify = shared if params.verify is None else _verify_specs(
            params.verify, where + (name, "verify"), base_dir, lines, problems)
        entries.append(TaskEntry(known[name](params, seed), verify, line_of(lines, where)))
    names = [entry.task.name for entry in entries]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(Problem(("generate", "tasks"), f"task {name!r} is listed twice; give it once",
                                line_of(lines, ("generate", "tasks"))))
    return entries


def _verify_specs(items: Any, where: KeyPath, base_dir: Path, lines: dict[KeyPath, int],
                  problems: list[Problem]) -> list[dict[str, Any]]:
    """Verifier specs, each checked by `build_verifiers`, with file lists made absolute."""
    from geocorpus.generate.verify import build_verifiers

    specs: list[dict[str, Any]] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        path = where + (index,)
        if not isinstance(item, dict) or len(item) != 1:
            problems.append(Problem(path, f"write each verifier as `- name: {{params}}` (one key), got {item!r}",
                                    line_of(lines, path)))
            continue
        (name, params), = item.items()
        spec = {name: _resolve_files(params, base_dir)}
        try:
            build_verifiers([spec])
        except ValueError as error:
            problems.append(Problem(path + (name,), str(error), line_of(lines, path + (name,))))
            continue
        specs.append(spec)
    return specs


def _resolve_files(params: Any, base_dir: Path) -> Any:
    if not isinstance(params, dict):
        return params
    resolved = dict(params)
    for key in FILE_LIST_PARAMS:
        value = resolved.get(key)
        if isinstance(value, str | list):
            files = [value] if isinstance(value, str) else value
            resolved[key] = [str((base_dir / Path(str(f)).expanduser()).resolve()) for f in files]
    return resolved
