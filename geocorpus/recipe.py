"""Recipes: YAML that people read and write, checked completely before anything runs.

Every problem names its key path and its line in the YAML (`recipe.yaml:7: steps[1].gopher_quality.
min_wrods: unknown key (did you mean 'min_words'?)`), because a recipe error found after an hour of
crawling is an hour lost. The shape follows Data-Juicer: `steps:` is an ordered list of `- name: {params}`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from geocorpus.executors.select import ExecutorConfig
from geocorpus.pipeline import registry
from geocorpus.pipeline.step import Params

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    path: KeyPath
    message: str
    line: int | None = None

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line else file
        key = format_path(self.path)
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"


class RecipeError(Exception):
    """Every problem found in a recipe; the CLI prints one line each and exits with code 2."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__("\n".join(p.render(file) for p in problems))


@dataclass(frozen=True)
class Entry:
    """One `- name: {params}` item of `sources:` or `steps:`, validated against its registered class."""

    name: str
    params: Params
    line: int | None


class _TopLevel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    output: str = Field(min_length=1)
    sources: list[Any] = Field(min_length=1)
    steps: list[Any] = Field(default_factory=list)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)


@dataclass(frozen=True)
class Recipe:
    name: str
    output: str
    sources: list[Entry]
    steps: list[Entry]
    path: Path
    text: str  # as read: copied into the output, so a build records exactly what produced it
    executor: ExecutorConfig = field(default_factory=ExecutorConfig)  # where it runs; never changes the output

    @property
    def base_dir(self) -> Path:
        """Input paths are relative to the recipe file, whatever the current directory."""
        return self.path.parent


def format_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_mapping(path: str | Path, what: str) -> tuple[str, dict, dict[KeyPath, int]]:
    """Read a YAML recipe file into (text, mapping, line of every key path); YAML-level problems are RecipeErrors.

    Shared by the build, generation and training recipes, so all three report unreadable files, invalid YAML
    and non-mapping documents alike. `what` completes "a recipe is a mapping with …" for the last case.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RecipeError(file, [Problem((), f"cannot read the recipe ({error})")]) from error
    try:
        data = yaml.safe_load(text)
        lines = line_index(yaml.compose(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise RecipeError(file, [Problem((), f"not valid YAML: {getattr(error, 'problem', error)}", line)]) from error
    if not isinstance(data, dict):
        raise RecipeError(file, [Problem((), f"a recipe is a mapping with {what}", 1)])
    return text, data, lines


def load_recipe(path: str | Path) -> Recipe:
    """Parse and validate a recipe; raises RecipeError listing every problem."""
    path = Path(path)
    file = str(path)
    text, data, lines = read_mapping(path, "name, output, sources and steps")
    problems: list[Problem] = []
    top = validated(_TopLevel, data, (), lines, problems)
    # Items are checked even when the top level is wrong: every problem is reported in one go.
    listed = {key: data.get(key) if isinstance(data.get(key), list) else [] for key in ("sources", "steps")}
    base_dir = path.resolve().parent
    sources = _entries(listed["sources"], "sources", registry.sources(), lines, problems, base_dir)
    steps = _entries(listed["steps"], "steps", registry.steps(), lines, problems, base_dir)
    if top is None:
        raise RecipeError(file, problems)
    recipe = Recipe(top.name, top.output, sources, steps, path.resolve(), text, top.executor)
    if not problems:
        problems += _check_sources(recipe, lines)
        problems += _check_order(recipe, lines)
    if problems:
        raise RecipeError(file, problems)
    return recipe


def named_item(item: Any, where: KeyPath, known: dict[str, Any], what: str, lines: dict[KeyPath, int],
               problems: list[Problem], see: str = "") -> tuple[str, Any] | None:
    """(name, raw params) of a `- name: {params}` list item, or None after recording why it is not one.

    Every recipe's ordered lists (sources, steps, generation tasks) are written this way, so all of them
    report a malformed item or an unknown name (with the closest known one) in the same words.
    """
    if not isinstance(item, dict) or len(item) != 1:
        problems.append(Problem(where, f"write each {what} as `- name: {{params}}` (one key), got {item!r}",
                                line_of(lines, where)))
        return None
    (name, raw), = item.items()
    if name not in known:
        hint = difflib.get_close_matches(str(name), known, n=1)
        help_ = f"did you mean {hint[0]!r}?" if hint else f"known: {', '.join(sorted(known))}"
        problems.append(Problem(where + (name,), f"unknown {what} ({help_}){see}", line_of(lines, where + (name,))))
        return None
    return name, raw


def _entries(items: list[Any], section: str, known: dict[str, type], lines: dict[KeyPath, int],
             problems: list[Problem], base_dir: Path) -> list[Entry]:
    entries = []
    for index, item in enumerate(items):
        where: KeyPath = (section, index)
        named = named_item(item, where, known, section[:-1], lines, problems, "; see `geocorpus steps`")
        if named is None:
            continue
        name, raw = named
        params = validated(known[name].Params, raw if raw is not None else {}, where + (name,), lines, problems,
                           {"base_dir": base_dir})
        if params is None:
            continue
        entries.append(Entry(name, params, line_of(lines, where)))
    return entries


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], raw: Any, where: KeyPath, lines: dict[KeyPath, int], problems: list[Problem],
              context: dict[str, Any] | None = None) -> M | None:
    """`raw` as a `model`, or None with every problem (each at its line) added to `problems`: a recipe reader
    goes on after a bad part, so one run reports all of them."""
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as error:
        problems += problems_from_validation(error, where, model, lines)
        return None


def problems_from_validation(error: ValidationError, prefix: KeyPath, model: type[BaseModel],
                     lines: dict[KeyPath, int]) -> list[Problem]:
    problems = []
    for item in error.errors():
        path = prefix + tuple(item["loc"])
        if item["type"] == "extra_forbidden":
            fields = _owner(model, item["loc"][:-1]).model_fields
            hint = difflib.get_close_matches(str(item["loc"][-1]), fields, n=1)
            message = "unknown key" + (f" (did you mean {hint[0]!r}?)" if hint else
                                       f"; allowed: {', '.join(fields)}")
        elif item["type"] == "missing":
            message = "required key is missing"
        else:
            message = f"{item['msg']} (got {item.get('input')!r})"
        problems.append(Problem(path, message, line_of(lines, path)))
    return problems


def _owner(model: type[BaseModel], loc: tuple) -> type[BaseModel]:
    """The (nested) model whose keys are at `loc`, e.g. ExecutorConfig for `executor`: its keys are the hints."""
    for part in loc:
        info = model.model_fields.get(str(part))
        if info is None or not (isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)):
            break
        model = info.annotation
    return model


def _check_sources(recipe: Recipe, lines: dict[KeyPath, int]) -> list[Problem]:
    problems = []
    for index, entry in enumerate(recipe.sources):
        source = registry.sources()[entry.name](entry.params, recipe.base_dir)
        for key, message in source.problems():
            path = ("sources", index, entry.name, *key)
            problems.append(Problem(path, message, line_of(lines, path)))
    return problems


def _check_order(recipe: Recipe, lines: dict[KeyPath, int]) -> list[Problem]:
    """Raw files must meet `extract` before any step that reads text (global steps included)."""
    raw_sources = [e.name for e in recipe.sources if registry.sources()[e.name].yields_raw]
    if not raw_sources:
        return []
    for index, entry in enumerate(recipe.steps):
        cls = registry.steps()[entry.name]
        if not cls.needs_text:  # extract comes first: fine
            return []
        path: KeyPath = ("steps", index, entry.name)
        return [Problem(path, f"source {raw_sources[0]!r} yields raw files: put `- extract: {{}}` before "
                              f"{entry.name!r}", line_of(lines, path))]
    return [Problem(("steps",), f"source {raw_sources[0]!r} yields raw files: add `- extract: {{}}` to steps",
                    line_of(lines, ("steps",)))]


def line_index(node: yaml.Node | None) -> dict[KeyPath, int]:
    """Map every key path in the YAML to its 1-based line, from pyyaml's node marks."""
    index: dict[KeyPath, int] = {}

    def walk(node: yaml.Node, path: KeyPath) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (key.value,)
                index[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for position, value in enumerate(node.value):
                index[path + (position,)] = value.start_mark.line + 1
                walk(value, path + (position,))

    if node is not None:
        walk(node, ())
    return index


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of the deepest prefix of `path` present in the YAML (a missing key has no line)."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None
