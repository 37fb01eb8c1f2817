"""Pack tokenised examples into fixed-length rows without letting documents see each other.

Each row holds whole examples one after another (next-fit, in order, so packing is deterministic). Three
things keep documents apart:

* `position_ids` restart at 0 for every example (and for the padding at the end of a row);
* the label of each example's first token is -100: it would otherwise be predicted from the previous
  example's last token;
* attention: the rows carry no `attention_mask`, and in transformers 5.x `masking_utils` then derives a
  block-diagonal causal mask from restarting `position_ids` (`find_packed_sequence_indices`) for the
  sdpa, eager and flex backends, provided no KV cache is passed (training sets `use_cache=False`).
  flash-attention-2 only does so for a single flattened row, so `collate` flattens the batch for it.
The test suite checks this end to end: a packed document's logits equal those of the document alone.
"""

from __future__ import annotations

from typing import Any

from geocorpus.train.tokens import IGNORE


def pack_batch(batch: dict[str, list[Any]], *, seq_len: int, pad_id: int) -> dict[str, list[list[int]]]:
    """`datasets.map(batched=True)` body: examples (each ≤ seq_len) → rows of exactly seq_len tokens."""
    rows: dict[str, list[list[int]]] = {"input_ids": [], "labels": [], "position_ids": []}
    current: dict[str, list[int]] = {"input_ids": [], "labels": [], "position_ids": []}
    for ids, labels in zip(batch["input_ids"], batch["labels"], strict=True):
        ids, labels = ids[:seq_len], labels[:seq_len]
        if not ids:
            continue
        if len(current["input_ids"]) + len(ids) > seq_len:
            _close(current, rows, seq_len, pad_id)
        current["input_ids"] += ids
        current["labels"] += [IGNORE, *labels[1:]]
        current["position_ids"] += list(range(len(ids)))
    if current["input_ids"]:
        _close(current, rows, seq_len, pad_id)
    return rows


def _close(current: dict[str, list[int]], rows: dict[str, list[list[int]]], seq_len: int, pad_id: int) -> None:
    padding = seq_len - len(current["input_ids"])
    rows["input_ids"].append(current["input_ids"] + [pad_id] * padding)
    rows["labels"].append(current["labels"] + [IGNORE] * padding)
    rows["position_ids"].append(current["position_ids"] + list(range(padding)))
    for values in current.values():
        values.clear()


class PackedCollator:
    """Stack packed rows into tensors; for flash-attention-2, flatten the batch into one row (see module doc).

    It also counts trainable tokens (labels != -100) so the log can report trainable tokens/s.
    """

    def __init__(self, flatten: bool = False) -> None:
        self.flatten = flatten
        self.trainable_tokens = 0

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        batch = {key: torch.tensor([f[key] for f in features], dtype=torch.long)
                 for key in ("input_ids", "labels", "position_ids")}
        self.trainable_tokens += int((batch["labels"] != IGNORE).sum())
        if self.flatten:
            batch = {key: value.reshape(1, -1) for key, value in batch.items()}
        return batch
