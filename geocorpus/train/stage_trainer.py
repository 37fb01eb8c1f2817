"""Run one stage with transformers' `Trainer`, resuming from its last complete checkpoint.

Layout under `OUT/stages/<index>-<kind>/`: `checkpoints/checkpoint-N` (Trainer's own, resumable: adapter,
optimizer, scheduler, RNG), `rejected.jsonl`, and, once the stage finished, `adapter/` (LoRA weights + the
tokenizer with its chat template) and `done.json` (the stage summary; a rerun skips the stage).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from geocorpus.io.atomic import write_json
from geocorpus.train.config import Stage, TrainRecipe
from geocorpus.train.packing import PackedCollator
from geocorpus.train.stage_data import build_stage_data

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
ISOLATING_BACKENDS = {"sdpa", "eager", "flex_attention"}


@dataclass(frozen=True)
class Hardware:
    """What the run decided from the machine and the recipe; recorded in every stage summary."""

    device: str
    quantized: bool
    gradient_checkpointing: bool
    bf16: bool

    @property
    def optimizer(self) -> str:
        return "paged_adamw_8bit" if self.quantized else "adamw_torch"


def stage_dir(out: Path, stage: Stage) -> Path:
    return out / "stages" / stage.name


def is_done(out: Path, stage: Stage) -> bool:
    directory = stage_dir(out, stage)
    return (directory / "done.json").is_file() and (directory / "adapter" / "adapter_config.json").is_file()


def last_complete_checkpoint(directory: Path) -> Path | None:
    """The newest checkpoint Trainer finished writing (trainer_state.json is its last file); partial ones go."""
    if not directory.is_dir():
        return None
    found = sorted((int(m.group(1)), p) for p in directory.iterdir() if (m := CHECKPOINT.match(p.name)) and p.is_dir())
    for _, path in reversed(found):
        if (path / "trainer_state.json").is_file():
            return path
        shutil.rmtree(path)  # killed while saving: never resume from it
    return None


def attention_isolation(model: PreTrainedModel, flatten: bool) -> str:
    """How packed documents are kept apart on this backend (written to the log so a reader can trust it)."""
    backend = getattr(model.config, "_attn_implementation", None) or "unknown"
    if backend in ISOLATING_BACKENDS:
        return f"{backend}: block-diagonal causal mask derived from restarting position_ids (masking_utils)"
    if "flash" in backend and flatten:
        return f"{backend}: batch flattened to one row; varlen attention from restarting position_ids"
    return f"{backend}: not verified to isolate packed documents — documents may attend to each other"


def run_stage(stage: Stage, recipe: TrainRecipe, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase,
              out: Path, hardware: Hardware, *, max_steps: int | None, console: Console) -> dict[str, Any]:
    """Train `model` (a peft model, updated in place) on the stage's data; returns the stage summary."""
    from transformers import PrinterCallback, Trainer, TrainingArguments

    from geocorpus.train.progress import JsonlProgress

    directory = stage_dir(out, stage)
    directory.mkdir(parents=True, exist_ok=True)
    params = stage.params
    data = build_stage_data(stage, recipe, tokenizer, directory)
    backend = getattr(model.config, "_attn_implementation", None) or ""
    collator = PackedCollator(flatten="flash" in backend)
    steps = min(x for x in (params.max_steps, max_steps) if x is not None) if (params.max_steps or max_steps) else -1
    args = TrainingArguments(
        output_dir=str(directory / "checkpoints"), per_device_train_batch_size=params.batch_size,
        gradient_accumulation_steps=params.grad_accum, learning_rate=params.learning_rate,
        num_train_epochs=params.epochs, max_steps=steps, warmup_steps=params.warmup_steps,
        lr_scheduler_type=params.lr_scheduler, weight_decay=params.weight_decay, logging_steps=params.logging_steps,
        logging_first_step=True, save_steps=params.save_steps, save_total_limit=params.save_total_limit,
        seed=recipe.seed, data_seed=recipe.seed, optim=hardware.optimizer, bf16=hardware.bf16,
        activation_checkpointing=hardware.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False}, use_cpu=hardware.device == "cpu", report_to="none",
        disable_tqdm=True, remove_unused_columns=False, dataloader_num_workers=0)
    isolation = attention_isolation(model, collator.flatten)
    summary = {"stage": stage.name, "kind": stage.kind, **data.summary(), "attention": isolation,
               "device": hardware.device, "quantized_4bit": hardware.quantized, "optimizer": hardware.optimizer,
               "gradient_checkpointing": hardware.gradient_checkpointing}
    progress = JsonlProgress(out / "train_log.jsonl", stage.name, collator, console, extra=summary)
    trainer = Trainer(model=model, args=args, train_dataset=data.rows, data_collator=collator,
                      processing_class=tokenizer, callbacks=[progress])
    trainer.remove_callback(PrinterCallback)  # our callback logs; Trainer's printer would repeat it on stdout
    checkpoint = last_complete_checkpoint(directory / "checkpoints")
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    _save_adapter(model, tokenizer, directory / "adapter")
    summary.update({"steps": trainer.state.global_step, "train_loss": result.training_loss,
                    "resumed_from": checkpoint.name if checkpoint else None})
    write_json(directory / "done.json", summary)
    return summary


def _save_adapter(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, final: Path) -> None:
    """Adapter + tokenizer (chat template included), renamed into place only when complete."""
    scratch = final.with_name(f".{final.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    model.save_pretrained(str(scratch))
    tokenizer.save_pretrained(str(scratch))
    shutil.rmtree(final, ignore_errors=True)
    os.replace(scratch, final)
