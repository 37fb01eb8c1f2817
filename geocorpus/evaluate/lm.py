"""A loaded causal LM with the two operations every task needs: log-likelihood of continuations and generation.

Log-likelihood follows lm-evaluation-harness so our numbers can be compared with theirs: trailing spaces of
the context move to the continuation, the continuation's tokens are those of `tokenize(context +
continuation)` beyond `tokenize(context)` (so a merge at the boundary is tokenised as the model would see it),
and the score is the sum of the continuation tokens' log-probabilities. Batches are right-padded (padding
after the text cannot change a causal model's earlier logits) and sorted by length to waste little compute.
Generation left-pads, as decoder-only generation requires, and goes through `model.generate`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

Advance = Callable[[int], None]


class LocalLM:
    """A model + tokenizer pair; `adapter(False)` switches a LoRA adapter off to score the base model."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, *, batch_size: int = 8,
                 max_length: int | None = None) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.batch_size = batch_size
        limit = getattr(model.config, "max_position_embeddings", None) or 2048
        self.max_length = max_length or min(int(limit), 4096)

    @property
    def has_adapter(self) -> bool:
        return hasattr(self.model, "disable_adapter") and hasattr(self.model, "peft_config")

    @contextlib.contextmanager
    def adapter(self, enabled: bool) -> Iterator[None]:
        """Run the block with the LoRA adapter on (tuned) or off (exactly the base weights): one load, two models."""
        if enabled or not self.has_adapter:
            yield
        else:
            with self.model.disable_adapter():
                yield

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def chat_prompt(self, user: str) -> str:
        """The text a chat model expects for one user turn (plain text + newline for base models)."""
        if self.has_chat_template:
            return self.tokenizer.apply_chat_template([{"role": "user", "content": user}], tokenize=False,
                                                      add_generation_prompt=True)
        return f"{user}\n"

    def encode_pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        """(context tokens, continuation tokens) the way lm-evaluation-harness splits them."""
        spaces = len(context) - len(context.rstrip())
        if spaces:
            context, continuation = context[:-spaces], context[-spaces:] + continuation
        whole = self._ids(context + continuation)
        ctx = self._ids(context)
        cont = whole[len(ctx):] if whole[: len(ctx)] == ctx else self._ids(continuation, special=False)
        if not cont:
            cont = self._ids(continuation, special=False)
        if not ctx:  # nothing to condition on: start from BOS/EOS like lm-eval's prefix token
            ctx = [self.tokenizer.bos_token_id if self.tokenizer.bos_token_id is not None
                   else self.tokenizer.eos_token_id]
        return ctx, cont

    def loglikelihood(self, requests: Sequence[tuple[str, str]], advance: Advance | None = None) -> list[float]:
        """Sum of log P(continuation | context) per (context, continuation), in request order."""
        import torch

        encoded = [self.encode_pair(c, x) for c, x in requests]
        order = sorted(range(len(encoded)), key=lambda i: -(len(encoded[i][0]) + len(encoded[i][1])))
        scores = [0.0] * len(encoded)
        device = self.model.device
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            rows = [(encoded[i][0] + encoded[i][1])[-(self.max_length + 1):][:-1] for i in chunk]
            width = max(len(r) for r in rows)
            ids = torch.full((len(rows), width), self.tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for row, tokens in enumerate(rows):
                ids[row, : len(tokens)] = torch.tensor(tokens)
                mask[row, : len(tokens)] = 1
            with torch.inference_mode():
                logits = self.model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits
            for row, index in enumerate(chunk):
                cont = encoded[index][1]
                end = len(rows[row])
                logprobs = logits[row, end - len(cont):end].float().log_softmax(-1)
                target = torch.tensor(cont, device=logprobs.device).unsqueeze(-1)
                scores[index] = float(logprobs.gather(-1, target).sum())
            if advance:
                advance(len(chunk))
        return scores

    def generate(self, prompts: Sequence[str], *, max_new_tokens: int = 256, temperature: float = 0.0,
                 top_p: float = 1.0, n: int = 1, seed: int = 0, advance: Advance | None = None) -> list[list[str]]:
        """`n` completions per prompt (greedy when temperature is 0); prompts are final text (see chat_prompt).

        The seed is set per batch, so a rerun with the same batch size samples the same completions.
        """
        import torch
        from transformers import GenerationConfig

        special = not self.has_chat_template  # a chat template writes its own special tokens
        sampling: dict[str, Any] = {"do_sample": True, "temperature": temperature, "top_p": top_p} \
            if temperature > 0 else {"do_sample": False}
        eos = {self.tokenizer.eos_token_id, *_as_list(getattr(self.model.generation_config, "eos_token_id", None))}
        config = GenerationConfig(max_new_tokens=max_new_tokens, num_return_sequences=n,
                                  pad_token_id=self.tokenizer.pad_token_id,
                                  eos_token_id=sorted(e for e in eos if e is not None), **sampling)
        out: list[list[str]] = []
        side = self.tokenizer.padding_side
        self.tokenizer.padding_side = "left"
        try:
            for start in range(0, len(prompts), self.batch_size):
                batch = list(prompts[start:start + self.batch_size])
                inputs = self.tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=special,
                                        truncation=True, max_length=self.max_length)
                inputs = {k: v.to(self.model.device) for k, v in inputs.items()}
                torch.manual_seed(seed + start)
                with torch.inference_mode():
                    generated = self.model.generate(**inputs, generation_config=config)
                texts = self.tokenizer.batch_decode(generated[:, inputs["input_ids"].shape[1]:],
                                                    skip_special_tokens=True)
                out += [texts[i * n:(i + 1) * n] for i in range(len(batch))]
                if advance:
                    advance(len(batch))
        finally:
            self.tokenizer.padding_side = side
        return out

    def _ids(self, text: str, special: bool = True) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=special)["input_ids"])


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
