"""Mix a stage's datasets by ratio, reproducibly.

Ratios are by **examples**, as in LLaMA-Factory's `interleave_probs`: each next example is drawn from dataset i
with probability ratio_i / sum(ratios), by `datasets.interleave_datasets` with the recipe's seed, so the same
recipe always yields the same mixture. `first_exhausted` stops when the first dataset runs out (no example
seen twice); `all_exhausted` oversamples the small datasets until every dataset was seen whole. A single
dataset is used as is. JiuZhou's two-stage recipe (general then geoscience) is two stages, each with its mixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasets import Dataset


def mix(parts: Sequence[Dataset], ratios: Sequence[float], *, seed: int, stopping: str = "first_exhausted",
        max_examples: int | None = None) -> Dataset:
    """One dataset drawn from `parts` in proportion to `ratios` (all parts must share their columns)."""
    from datasets import interleave_datasets

    if len(parts) != len(ratios) or not parts:
        raise ValueError("mix() needs one ratio per dataset and at least one dataset")
    if len(parts) == 1:
        mixed = parts[0]
    else:
        total = float(sum(ratios))
        mixed = interleave_datasets(list(parts), probabilities=[r / total for r in ratios], seed=seed,
                                    stopping_strategy=stopping)
    if max_examples is not None and max_examples < len(mixed):
        mixed = mixed.select(range(max_examples))
    return mixed
