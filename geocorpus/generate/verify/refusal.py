"""`refusal`: drop answers where the model declined or talked about itself ("As an AI…", "我无法…").

Such pairs teach the fine-tuned model to refuse ordinary geoscience questions. Phrases match whole words
(English) or substrings (Chinese) after folding case and typographic apostrophes."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from geocorpus.generate.verify.base import Check, Verifier, VerifierParams, register_verifier
from geocorpus.generate.verify.text import field_text, fold, phrase_pattern

REFUSAL_PHRASES = (
    "as an ai", "as an ai language model", "as a language model", "i am an ai", "i'm an ai",
    "i cannot", "i can't", "i can not", "i am unable to", "i'm unable to", "i am not able to", "i'm not able to",
    "i'm sorry, but", "i am sorry, but", "sorry, but i", "i apologize", "i apologise",
    "i do not have access", "i don't have access", "i do not have the ability", "i don't have the ability",
    "cannot assist with", "can't help with", "cannot help with", "my knowledge cutoff", "my training data",
    "作为一个人工智能", "作为人工智能", "作为一个ai", "作为ai", "作为一个语言模型", "作为语言模型",
    "我无法", "我不能", "我没有办法", "抱歉，我", "对不起，我", "很抱歉，", "我只是一个", "我是一个人工智能",
)


class RefusalParams(VerifierParams):
    fields: list[str] = Field(default=["output"], min_length=1, description="pair fields to search")
    extra_phrases: list[str] = Field(default_factory=list, description="added to the built-in English/Chinese list")


@register_verifier("refusal")
class Refusal(Verifier):
    Params = RefusalParams
    params: RefusalParams

    @cached_property
    def pattern(self):
        return phrase_pattern([*REFUSAL_PHRASES, *self.params.extra_phrases])

    def verify(self, pairs: list[dict]) -> list[Check]:
        checks = []
        for pair in pairs:
            found = self.pattern.search(fold(field_text(pair, self.params.fields)))
            checks.append(Check(False, "refusal", {"phrase": found.group(0)}) if found else Check(True))
        return checks
