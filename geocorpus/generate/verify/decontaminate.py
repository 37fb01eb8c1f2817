"""`decontaminate`: drop generated pairs that share a long n-gram with an evaluation item.

The same test as the corpus filter `decontaminate` (GPT-3 style token 13-grams, short item parts matched
whole, CJK by character) with the same loaders for GeoBench / GeoCode-Eval / JSONL / CSV files — imported
from `geocorpus.filters`, not copied. `eval_sets` are file paths; the recipe loader resolves relative ones
against the recipe's folder before they get here.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator

from geocorpus.filters.decontam import NgramIndex
from geocorpus.filters.eval_sets import load_eval_items
from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import field_text


class DecontaminateParams(VerifierParams):
    eval_sets: list[Path] = Field(min_length=1, description="evaluation files (GeoBench JSON, JSONL, CSV)")
    n: int = Field(default=13, ge=3, le=50, description="n-gram length in words (CJK: characters)")
    min_tokens: int = Field(default=8, ge=1, description="item parts shorter than this are not matched")
    min_hits: int = Field(default=1, ge=1, description="shared n-grams that make a pair contaminated")
    fields: list[str] = Field(default=["instruction", "input", "output"], min_length=1)

    @field_validator("eval_sets")
    @classmethod
    def _exist(cls, paths: list[Path]) -> list[Path]:
        for path in paths:
            if not path.is_file():
                raise ValueError(f"no such eval file: {path}")
        return [path.resolve() for path in paths]


@register_verifier("decontaminate")
class Decontaminate(Verifier):
    Params = DecontaminateParams
    params: DecontaminateParams

    @cached_property
    def index(self) -> NgramIndex:
        items = [item for path in self.params.eval_sets for item in load_eval_items(path)]
        return NgramIndex(items, self.params.n, self.params.min_tokens)

    def verify(self, pairs: list[dict]) -> list[Check]:
        checks = []
        for pair in pairs:
            match = self.index.best_match(field_text(pair, self.params.fields))
            if match is None or match[1] < self.params.min_hits:
                checks.append(Check(True, None, {"hits": match[1] if match else 0}))
                continue
            item = self.index.items[match[0]]
            checks.append(Check(False, "contaminated", {"hits": match[1], "benchmark": item.benchmark,
                                                       "item": item.item_id}))
        return checks
