"""Tokenise examples into (input_ids, labels) pairs: whole documents for pretraining, responses-only for SFT.

SFT labels are found through the chat template itself rather than by searching for role markers, so any
template works: for each assistant turn i, the text rendered for `messages[:i]` with the generation prompt is
what the model sees before answering, and the text rendered for `messages[:i+1]` ends where its answer ends
(end-of-turn token included, so the model learns to stop). Tokens whose characters fall between the two are
trained on; every other token (system, user, template markup) gets -100. This needs each rendering to be a
prefix of the next, which holds for ChatML, Llama and most templates; a conversation where it does not is
rejected with a reason rather than trained on with wrong labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

IGNORE = -100


class ResponseSpanError(ValueError):
    """The chat template does not render conversations as growing prefixes; the reason is machine-readable."""


def pretrain_pieces(text: str, tokenizer: PreTrainedTokenizerBase, seq_len: int) -> list[list[int]]:
    """A document's tokens plus EOS (documents must end for packing to teach boundaries), cut into seq_len pieces."""
    ids = tokenizer(text, add_special_tokens=True)["input_ids"]
    if tokenizer.eos_token_id is not None and (not ids or ids[-1] != tokenizer.eos_token_id):
        ids.append(tokenizer.eos_token_id)
    return [ids[start:start + seq_len] for start in range(0, len(ids), seq_len)]


def response_spans(messages: list[dict[str, str]], tokenizer: PreTrainedTokenizerBase) -> tuple[str, list[tuple]]:
    """The rendered conversation and the character spans of its assistant turns."""
    text = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = tokenizer.apply_chat_template(messages[:index], tokenize=False, add_generation_prompt=True)
        through = tokenizer.apply_chat_template(messages[:index + 1], tokenize=False)
        if not text.startswith(before) or not text.startswith(through) or len(through) <= len(before):
            raise ResponseSpanError("chat_template_not_prefix")
        spans.append((len(before), len(through)))
    return text, spans


def sft_example(messages: list[dict[str, str]], tokenizer: PreTrainedTokenizerBase,
                seq_len: int) -> tuple[list[int], list[int]]:
    """Token ids and labels (-100 outside assistant turns), truncated to seq_len."""
    text, spans = response_spans(messages, tokenizer)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = encoded["input_ids"]
    labels = [token if any(start <= begin < end for start, end in spans) else IGNORE
              for token, (begin, _) in zip(ids, encoded["offset_mapping"], strict=True)]
    return ids[:seq_len], labels[:seq_len]


def tokenize_batch(batch: dict[str, list[Any]], *, kind: str, tokenizer: PreTrainedTokenizerBase,
                   seq_len: int) -> dict[str, list[Any]]:
    """`datasets.map(batched=True)` body: one output row per piece, or a rejected row with its reason."""
    out: dict[str, list[Any]] = {"input_ids": [], "labels": [], "reject": []}
    column = batch["text"] if kind == "pretrain" else batch["messages"]
    for value in column:
        if kind == "pretrain":
            for piece in pretrain_pieces(value, tokenizer, seq_len):
                _append(out, piece, list(piece), "")
            continue
        try:
            ids, labels = sft_example(value, tokenizer, seq_len)
        except ResponseSpanError as error:
            _append(out, [], [], str(error))
            continue
        _append(out, ids, labels, "" if any(label != IGNORE for label in labels[1:]) else "response_truncated")
    return out


def _append(out: dict[str, list[Any]], ids: list[int], labels: list[int], reject: str) -> None:
    out["input_ids"].append(ids)
    out["labels"].append(labels)
    out["reject"].append(reject)
