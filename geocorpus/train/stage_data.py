"""A stage's training rows: open → shape → mix → tokenise → pack, with every dropped row written down.

Dropped rows go to `STAGE_DIR/rejected.jsonl` as `{dataset, row, reason}` (row = index in that dataset, or
in the mixture for tokenisation problems) and are counted by reason in the stage summary.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geocorpus.train.config import Stage, TrainRecipe
from geocorpus.train.data_files import open_dataset
from geocorpus.train.examples import chat_row, text_row
from geocorpus.train.mixture import mix
from geocorpus.train.packing import pack_batch
from geocorpus.train.tokens import IGNORE, tokenize_batch

if TYPE_CHECKING:
    from datasets import Dataset, Features
    from transformers import PreTrainedTokenizerBase


@dataclass
class StageData:
    rows: Dataset
    examples: int
    rejected: Counter = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        trainable = sum(sum(1 for label in labels if label != IGNORE) for labels in self.rows["labels"])
        return {"examples": self.examples, "packed_rows": len(self.rows), "trainable_tokens_per_epoch": trainable,
                "rejected": dict(self.rejected)}


def build_stage_data(stage: Stage, recipe: TrainRecipe, tokenizer: PreTrainedTokenizerBase,
                     stage_dir: Path) -> StageData:
    params = stage.params
    if stage.kind == "sft" and not tokenizer.chat_template:
        raise ValueError(f"stage {stage.name}: the tokenizer of {recipe.base_model} has no chat template; SFT "
                         "needs one (use an instruct model or a tokenizer directory with chat_template.jinja)")
    rejected: Counter = Counter()
    log = stage_dir / "rejected.jsonl"
    log.unlink(missing_ok=True)
    shaper = partial(text_row, column=params.text_column) if stage.kind == "pretrain" else chat_row
    parts = []
    for spec in params.datasets:
        raw = open_dataset(recipe.resolve(spec.path), spec.limit)
        shaped = raw.map(shaper, remove_columns=raw.column_names, features=_shape_features(stage.kind),
                         desc=f"{stage.name}: reading {spec.path}")
        parts.append(_keep_good(shaped, spec.path, rejected, log))
    mixed = mix(parts, [spec.ratio for spec in params.datasets], seed=recipe.seed, stopping=params.stopping,
                max_examples=params.max_examples)
    tokenized = mixed.map(partial(tokenize_batch, kind=stage.kind, tokenizer=tokenizer, seq_len=params.seq_len),
                          batched=True, remove_columns=mixed.column_names, desc=f"{stage.name}: tokenising")
    tokenized = _keep_good(tokenized, "(mixture)", rejected, log)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    packed = tokenized.map(partial(pack_batch, seq_len=params.seq_len, pad_id=pad_id), batched=True,
                           batch_size=1000, remove_columns=tokenized.column_names, desc=f"{stage.name}: packing")
    if len(packed) == 0:
        raise ValueError(f"stage {stage.name}: no usable examples (rejected: {dict(rejected) or 'none'}; "
                         f"see {log})")
    return StageData(packed, len(mixed), rejected)


def _shape_features(kind: str) -> Features:
    """Fixed column types, so rejected (empty) rows never make Arrow guess a different schema per dataset."""
    from datasets import Features, List, Value

    if kind == "pretrain":
        return Features({"text": Value("string"), "reject": Value("string")})
    return Features({"messages": List({"role": Value("string"), "content": Value("string")}),
                     "reject": Value("string")})


def _keep_good(dataset: Dataset, name: str, rejected: Counter, log: Path) -> Dataset:
    reasons = dataset["reject"]
    bad = [(row, reason) for row, reason in enumerate(reasons) if reason]
    if bad:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as handle:
            for row, reason in bad:
                rejected[reason] += 1
                handle.write(json.dumps({"dataset": name, "row": row, "reason": reason}) + "\n")
        dataset = dataset.select([row for row, reason in enumerate(reasons) if not reason])
    return dataset.remove_columns("reject")
