"""A Hugging Face causal LM run in this process, batched: for CPUs, small models and no server at all.

Prompts are rendered with the tokenizer's own chat template (`apply_chat_template`), left-padded so every row of
a batch ends where generation starts, and generated with `model.generate`. Requests are grouped by sampling
parameters (one `generate` call takes one set); each batch is seeded from its requests' seeds
(`torch.manual_seed`), so a rerun with the same batches samples the same text. Greedy requests (temperature 0)
do not depend on batching. A batch that fails (out of memory, a bad prompt) is retried one request at a time so that
only the bad request is recorded as failed.

The model is loaded on the first `complete` that has something to generate, not when the backend is built:
loading SmolLM2's GGUF takes 40–90 s on a small CPU, and a rerun whose answers are all in the request cache
should cost nothing of the kind. The files are checked up front, so a wrong path is still an error at start.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from geocorpus.generate.backends.base import Backend, Completion, OnDone, Request
from geocorpus.generate.backends.spec import TransformersSpec

log = logging.getLogger(__name__)


def model_location(spec: TransformersSpec) -> tuple[Path, str | None]:
    """(directory, gguf file name or None): `model` may be a directory, or a `.gguf` file itself."""
    path = Path(spec.model).expanduser()
    if spec.gguf_file is None and path.suffix.lower() == ".gguf":
        return path.parent.resolve(), path.name
    return path.resolve(), spec.gguf_file


def _sampling_key(request: Request) -> tuple[Any, ...]:
    return (request.temperature, request.top_p, request.max_tokens, request.stop)


def _cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """The text before the first stop string (OpenAI semantics: the stop string itself is not returned)."""
    positions = [text.index(s) for s in stops if s and s in text]
    return (text[: min(positions)], True) if positions else (text, False)


class TransformersBackend(Backend):
    """Loads the model on first use (once); `complete` generates in batches of `batch_size`."""

    def __init__(self, spec: TransformersSpec) -> None:
        directory, gguf_file = model_location(spec)
        if not directory.is_dir() or (gguf_file and not (directory / gguf_file).is_file()):
            raise FileNotFoundError(f"model not found: {directory / (gguf_file or '')}")
        self.spec = spec
        self.identity = f"transformers:{directory / gguf_file if gguf_file else directory}:{spec.dtype}"
        self._directory = directory
        self._from_pretrained: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
        self.loads = 0  # how many times the weights were read (0 after a fully cached run)
        self._load_error = ""  # the failure reason every request gets when the model cannot be loaded

    @cached_property
    def tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(self._directory, **self._from_pretrained)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return tokenizer

    @cached_property
    def model(self) -> Any:
        import torch
        from transformers import AutoModelForCausalLM

        dtype = "auto" if self.spec.dtype == "auto" else getattr(torch, self.spec.dtype)
        model = AutoModelForCausalLM.from_pretrained(self._directory, dtype=dtype, **self._from_pretrained)
        self.loads += 1
        return model.to(self.spec.device).eval()

    @property
    def max_length(self) -> int | None:
        return getattr(self.model.config, "max_position_embeddings", None)

    def complete(self, requests: Sequence[Request], on_done: OnDone | None = None) -> list[Completion]:
        if requests and not self._loaded():
            return [Completion.failure(self._load_error) for _ in requests]
        results: list[Completion | None] = [None] * len(requests)
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for index, request in enumerate(requests):
            groups[_sampling_key(request)].append(index)
        size = self.spec.batch_size
        for indices in groups.values():
            for start in range(0, len(indices), size):
                batch = indices[start:start + size]
                for index, completion in zip(batch, self._generate_safely([requests[i] for i in batch]),
                                             strict=True):
                    results[index] = completion
                    if on_done is not None:
                        on_done(index, completion)
        return [r if r is not None else Completion.failure("not_sent") for r in results]

    def _loaded(self) -> bool:
        """Load the tokenizer and model now; a load that fails fails every request once, not once per batch."""
        try:
            self.tokenizer, self.model  # noqa: B018 - the cached properties load on first access
        except Exception as err:
            log.warning("cannot load the model %s: %s: %s", self._directory, type(err).__name__, err)
            self._load_error = f"error_{type(err).__name__}"
            return False
        return True

    def _generate_safely(self, batch: list[Request]) -> list[Completion]:
        try:
            return self._generate(batch)
        except Exception as err:
            if len(batch) == 1:
                log.warning("generation failed: %s: %s", type(err).__name__, err)
                return [Completion.failure(f"error_{type(err).__name__}")]
            return [self._generate_safely([request])[0] for request in batch]

    def _generate(self, batch: list[Request]) -> list[Completion]:
        import torch

        first = batch[0]
        texts = self.tokenizer.apply_chat_template([r.chat() for r in batch], add_generation_prompt=True,
                                                   tokenize=False)
        inputs = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        inputs = inputs.to(self.model.device)
        prompt_lengths = inputs["attention_mask"].sum(dim=1).tolist()
        width = inputs["input_ids"].shape[1]
        if self.max_length is not None and width + first.max_tokens > self.max_length:
            if len(batch) > 1:
                raise ValueError("batch too long; retried one by one")
            return [Completion.failure("context_length")]
        options: dict[str, Any] = {"max_new_tokens": first.max_tokens, "pad_token_id": self.tokenizer.pad_token_id}
        if first.temperature > 0:
            options.update(do_sample=True, temperature=first.temperature, top_p=first.top_p)
        else:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if first.stop:
            options.update(stop_strings=list(first.stop), tokenizer=self.tokenizer)
        # Only torch's generator (what `generate` samples with), not the caller's `random`/numpy state.
        torch.manual_seed(sum(r.seed or 0 for r in batch) % 2**32)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **options)
        return [self._completion(row[width:], prompt_length, first)
                for row, prompt_length in zip(output, prompt_lengths, strict=True)]

    def _completion(self, generated: Any, prompt_tokens: int, request: Request) -> Completion:
        """Decode one row of new tokens: drop the padding, count tokens, apply stop strings, say why it ended.

        `generate` pads a row that finished early (EOS or a stop string) with `pad_token_id` until the longest
        row of the batch is done, so the padding is cut before counting. finish_reason is "length" (OpenAI's
        meaning: cut by the limit) only when the row used all `max_tokens` without EOS or a stop string.
        """
        ids = generated.tolist()
        eos = self.model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        ended = False
        for position, token in enumerate(ids):
            if token in eos_ids:
                ids, ended = ids[: position + 1], True
                break
        pad = self.tokenizer.pad_token_id
        while not ended and ids and ids[-1] == pad:
            ids.pop()
        text = self.tokenizer.decode(ids, skip_special_tokens=True)
        text, stopped = _cut_at_stop(text, request.stop)
        finish = "stop" if ended or stopped or len(ids) < request.max_tokens else "length"
        if not text.strip():
            return Completion(text=None, error="empty_output", prompt_tokens=prompt_tokens,
                              completion_tokens=len(ids), finish_reason=finish)
        return Completion(text=text.strip(), error=None, prompt_tokens=prompt_tokens, completion_tokens=len(ids),
                          finish_reason=finish)

    def close(self) -> None:
        self.__dict__.pop("model", None)
