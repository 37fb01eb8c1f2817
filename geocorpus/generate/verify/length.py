"""`length`: instruction and output lengths within bounds (words; each Chinese character counts as a word).

A one-word instruction teaches nothing and a 5,000-word output is usually a model that never stopped;
both are cheap to catch before the costlier verifiers run."""

from __future__ import annotations

from pydantic import Field, model_validator

from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import word_count


class LengthParams(VerifierParams):
    min_instruction_words: int = Field(default=3, ge=0)
    max_instruction_words: int = Field(default=1000, ge=1)
    min_output_words: int = Field(default=1, ge=0, description="1 lets MCQ letters and True/False answers through")
    max_output_words: int = Field(default=2000, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> LengthParams:
        if self.min_instruction_words > self.max_instruction_words or self.min_output_words > self.max_output_words:
            raise ValueError("a minimum is larger than its maximum")
        return self


@register_verifier("length")
class Length(Verifier):
    Params = LengthParams
    params: LengthParams

    def verify(self, pairs: list[dict]) -> list[Check]:
        return [self._check(pair) for pair in pairs]

    def _check(self, pair: dict) -> Check:
        p = self.params
        instruction = word_count(str(pair.get("instruction") or ""))
        output = word_count(str(pair.get("output") or ""))
        details = {"instruction_words": instruction, "output_words": output}
        for value, low, high, what in ((instruction, p.min_instruction_words, p.max_instruction_words, "instruction"),
                                       (output, p.min_output_words, p.max_output_words, "output")):
            if value < low:
                return Check(False, f"{what}_too_short", details)
            if value > high:
                return Check(False, f"{what}_too_long", details)
        return Check(True, None, details)
