"""The verifier contract: a named check over generated pairs, built from a recipe entry `- name: {params}`.

A verifier sees the whole list of pairs (batch-level checks such as ROUGE dedup and decontamination need
it) and returns one `Check` per pair, in order. It must be deterministic and look only at the fields it
needs. Building is cheap (the recipe loader builds every verifier once to validate it); anything costly
(an n-gram index, a tokenizer) is made on first `verify`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError


@dataclass(frozen=True)
class Check:
    """One pair's verdict: `reason` is a short machine-readable word when it failed; `details` is JSON-able evidence."""

    passed: bool
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


class VerifierParams(BaseModel):
    """Base of every verifier's parameters: unknown keys are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Verifier(ABC):
    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = VerifierParams

    def __init__(self, params: BaseModel) -> None:
        self.params = params

    @abstractmethod
    def verify(self, pairs: list[dict]) -> list[Check]:
        """One Check per pair, same order."""


_REGISTRY: dict[str, type[Verifier]] = {}


def register_verifier(name: str) -> Callable[[type[Verifier]], type[Verifier]]:
    """Class decorator: make a verifier available to recipes under `name`."""

    def register(cls: type[Verifier]) -> type[Verifier]:
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"verifier name {name!r} is already taken by {_REGISTRY[name].__qualname__}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return register


def verifier_names() -> list[str]:
    return sorted(_REGISTRY)


def verifier_class(name: str) -> type[Verifier]:
    if name not in _REGISTRY:
        raise ValueError(f"unknown verifier {name!r}; known verifiers: {', '.join(verifier_names())}")
    return _REGISTRY[name]


def build_verifiers(specs: list[dict[str, dict | None]]) -> list[Verifier]:
    """Verifiers from recipe entries such as `[{"grounded": {"min_fact_recall": 0.6}}, {"rouge_dedup": None}]`.

    Any problem raises ValueError with one line naming the verifier and the key (the recipe loader adds
    file:line)."""
    verifiers = []
    for spec in specs:
        if not isinstance(spec, dict) or len(spec) != 1:
            raise ValueError(f"a verifier is written `name: {{params}}` (one key), got {spec!r}")
        (name, params), = spec.items()
        cls = verifier_class(name)
        if params is not None and not isinstance(params, dict):
            raise ValueError(f"verifier {name!r}: parameters must be a mapping of key: value, got {params!r}")
        try:
            verifiers.append(cls(cls.Params.model_validate(params or {})))
        except ValidationError as error:
            raise ValueError(f"verifier {name!r}: {_first_problem(error)}") from None
    return verifiers


def _first_problem(error: ValidationError) -> str:
    """pydantic's first complaint as `key: what is wrong` (`unknown key 'x'` for a typo)."""
    problem = error.errors()[0]
    key = ".".join(str(part) for part in problem["loc"]) or "parameters"
    if problem["type"] == "extra_forbidden":
        return f"unknown key {key!r}"
    return f"{key}: {problem['msg']} (got {problem.get('input')!r})"
