"""`geocorpus train RECIPE`: the stages in order, resumable, then the final adapter (and optionally a merge).

A rerun of the same command skips finished stages (`done.json`), resumes the unfinished one from its last
complete checkpoint, and starts the rest; `--fresh` removes what an earlier run wrote (only the names this
module writes, never other files in the output directory).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from geocorpus.io.atomic import atomic_path, write_json
from geocorpus.train.base_model import BaseModelError, load_base_model, pick_device
from geocorpus.train.config import TrainRecipe, load_train_recipe
from geocorpus.train.stage_trainer import Hardware, is_done, run_stage, stage_dir

OUTPUT_NAMES = ("stages", "adapter", "merged", "train_log.jsonl", "run.json", "recipe.yaml")


@dataclass
class TrainResult:
    output: Path
    adapter: Path
    stages: list[dict[str, Any]] = field(default_factory=list)
    merged: Path | None = None


def decide_hardware(recipe: TrainRecipe) -> Hardware:
    """QLoRA settings on CUDA, plain fp32 LoRA on CPU; `quantization: 4bit` without CUDA is a recipe error."""
    import torch

    device = pick_device()
    cuda = device.startswith("cuda")
    if recipe.quantization == "4bit" and not cuda:
        raise BaseModelError(f"{recipe.path}: quantization: 4bit needs CUDA; use auto or none on this machine")
    quantized = recipe.quantization == "4bit" or (recipe.quantization == "auto" and cuda)
    checkpointing = recipe.gradient_checkpointing == "on" or (recipe.gradient_checkpointing == "auto" and cuda)
    return Hardware(device, quantized, checkpointing, bf16=cuda and torch.cuda.is_bf16_supported())


def run_training(recipe_path: str | Path, *, output: Path | None = None, fresh: bool = False,
                 max_steps: int | None = None, console: Console | None = None) -> TrainResult:
    console = console or Console(stderr=True)
    recipe = load_train_recipe(recipe_path)
    out = Path(output or recipe.output)
    if fresh:
        _clear(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "recipe.yaml") as tmp:
        tmp.write_text(recipe.text, encoding="utf-8")
    hardware = decide_hardware(recipe)
    pending = [stage for stage in recipe.stages if not is_done(out, stage)]
    summaries = [_done_summary(out, stage) for stage in recipe.stages if stage not in pending]
    if pending:
        summaries += _train(recipe, pending, out, hardware, max_steps, console)
    final = out / "adapter"
    _publish(stage_dir(out, recipe.stages[-1]) / "adapter", final)
    result = TrainResult(out, final, summaries)
    if recipe.merge:
        from geocorpus.train.merge import merge_adapter

        shutil.rmtree(out / "merged", ignore_errors=True)
        result.merged = merge_adapter(recipe.base_spec, final, out / "merged", gguf_file=recipe.gguf_file)
    write_json(out / "run.json", {"recipe": recipe.name, "base_model": recipe.base_model, "gguf_file": recipe.gguf_file,
                                  "stages": summaries, "adapter": str(final),
                                  "merged": str(result.merged) if result.merged else None})
    return result


def _train(recipe: TrainRecipe, pending: list, out: Path, hardware: Hardware, max_steps: int | None,
           console: Console) -> list[dict[str, Any]]:
    from geocorpus.train.lora import attach_lora

    console.print(f"loading {recipe.base_model} on {hardware.device}"
                  + (" (4-bit NF4)" if hardware.quantized else ""), highlight=False)
    model, tokenizer = load_base_model(recipe.base_spec, gguf_file=recipe.gguf_file,
                                       quantize_4bit=hardware.quantized, device=hardware.device,
                                       attn_implementation=recipe.attn_implementation)
    earlier = [stage for stage in recipe.stages if stage.index < pending[0].index]
    previous = stage_dir(out, earlier[-1]) / "adapter" if earlier else None
    model = attach_lora(model, recipe.lora, quantized=hardware.quantized,
                        gradient_checkpointing=hardware.gradient_checkpointing, seed=recipe.seed,
                        previous_adapter=previous)
    return [run_stage(stage, recipe, model, tokenizer, out, hardware, max_steps=max_steps, console=console)
            for stage in pending]


def _done_summary(out: Path, stage: Any) -> dict[str, Any]:
    import json

    return json.loads((stage_dir(out, stage) / "done.json").read_text(encoding="utf-8"))


def _publish(source: Path, final: Path) -> None:
    """Copy the last stage's adapter to OUT/adapter through a scratch directory (never half-copied)."""
    scratch = final.with_name(f".{final.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(source, scratch)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(scratch, final)


def _clear(out: Path) -> None:
    for name in OUTPUT_NAMES:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
