"""Verifiers for generated pairs: grounding, execution in the sandbox, ROUGE-L dedup, length, refusal,
keywords, MCQ format and decontamination. Each lives in its own module and registers itself by name."""

from geocorpus.generate.verify import (  # noqa: F401 - importing registers them
    decontaminate,
    executes,
    grounded,
    keywords,
    length,
    mcq_format,
    refusal,
    rouge_dedup,
)
from geocorpus.generate.verify.base import Check, Verifier, build_verifiers, register_verifier, verifier_names

__all__ = ["Check", "Verifier", "build_verifiers", "register_verifier", "verifier_names"]
