"""`mcq_format`: a multiple-choice eval item is well formed (GeoBench shape).

Checks: a non-empty stem; 4–5 options (configurable), none empty, no two the same after folding case
and spaces; the answer a letter naming one of them (and the output, when it is a letter, the same); and
the correct option not copied verbatim into the stem, which would give the answer away."""

from __future__ import annotations

import re
import string

from pydantic import Field, model_validator

from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import fold

LETTERS = string.ascii_uppercase


class McqFormatParams(VerifierParams):
    min_options: int = Field(default=4, ge=2, le=26)
    max_options: int = Field(default=5, ge=2, le=26)
    min_giveaway_chars: int = Field(default=4, ge=1, description="shorter correct options (numbers, 'yes') may "
                                                                 "appear in the stem without giving it away")

    @model_validator(mode="after")
    def _ordered(self) -> McqFormatParams:
        if self.min_options > self.max_options:
            raise ValueError("min_options is larger than max_options")
        return self


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", fold(text)).strip()


@register_verifier("mcq_format")
class McqFormat(Verifier):
    Params = McqFormatParams
    params: McqFormatParams

    def verify(self, pairs: list[dict]) -> list[Check]:
        return [self._check(pair) for pair in pairs]

    def _check(self, pair: dict) -> Check:
        meta = pair.get("meta") or {}
        stem = str(meta.get("question") or pair.get("instruction") or "").strip()
        options = meta.get("options")
        answer = str(meta.get("answer") or "").strip().upper()
        if not stem:
            return Check(False, "empty_stem")
        if not isinstance(options, list):
            return Check(False, "no_options", {"why": "meta.options is missing or not a list"})
        details = {"options": len(options), "answer": answer}
        if not self.params.min_options <= len(options) <= self.params.max_options:
            return Check(False, "option_count", details)
        texts = [_norm(str(option or "")) for option in options]
        if not all(texts):
            return Check(False, "empty_option", details)
        if len(set(texts)) != len(texts):
            return Check(False, "duplicate_options", details)
        if len(answer) != 1 or answer not in LETTERS[: len(options)]:
            return Check(False, "answer_out_of_range", details)
        output = str(pair.get("output") or "").strip().upper()
        if len(output) == 1 and output in LETTERS and output != answer:
            return Check(False, "answer_mismatch", {**details, "output": output})
        correct = texts[LETTERS.index(answer)]
        if len(correct) >= self.params.min_giveaway_chars and correct in _norm(stem):
            return Check(False, "answer_in_stem", details)
        return Check(True, None, details)
