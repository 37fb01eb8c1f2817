"""vLLM's offline engine on local GPUs: the fastest way to generate a large set when no server is running.

`vllm.LLM.chat` applies the model's chat template and schedules all prompts with continuous batching itself,
so we hand it every request at once with one `SamplingParams` each (per-request seed, stop, max_tokens) and
read `RequestOutput.outputs[0]` (text, token_ids, finish_reason) and `prompt_token_ids`. vLLM validates the
whole list before running and raises for one over-long prompt, so a failing call is retried one request at a
time to record only the bad ones. JSON mode is not requested: vLLM's structured-output API differs between
versions, and the tasks' parsers already accept JSON in free text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from geocorpus.generate.backends.base import Backend, Completion, OnDone, Request
from geocorpus.generate.backends.spec import VLLMSpec

log = logging.getLogger(__name__)


class VLLMBackend(Backend):
    """Loads the model into vLLM once (a GPU and the `vllm` extra are needed)."""

    def __init__(self, spec: VLLMSpec) -> None:
        try:
            from vllm import LLM
        except ImportError as err:
            raise RuntimeError("the vllm backend needs vLLM: pip install 'geocorpus[vllm]' (CUDA GPUs only)") from err
        self.spec = spec
        self.identity = f"vllm:{spec.model}:{spec.dtype}"
        options: dict[str, Any] = {"dtype": spec.dtype, "tensor_parallel_size": spec.tensor_parallel_size,
                                   "gpu_memory_utilization": spec.gpu_memory_utilization}
        if spec.max_model_len is not None:
            options["max_model_len"] = spec.max_model_len
        self.llm = LLM(model=spec.model, **options)

    def complete(self, requests: Sequence[Request], on_done: OnDone | None = None) -> list[Completion]:
        try:
            completions = self._run(list(requests))
        except Exception:  # one bad prompt fails vLLM's whole call: isolate it
            completions = [self._run_one(request) for request in requests]
        if on_done is not None:
            for index, completion in enumerate(completions):
                on_done(index, completion)
        return completions

    def _run_one(self, request: Request) -> Completion:
        try:
            return self._run([request])[0]
        except Exception as err:
            text = str(err).lower()
            reason = "context_length" if "max_model_len" in text or "maximum model length" in text else (
                f"error_{type(err).__name__}")
            log.warning("vllm request failed: %s", reason)
            return Completion.failure(reason)

    def _run(self, requests: list[Request]) -> list[Completion]:
        from vllm import SamplingParams

        params = [SamplingParams(temperature=r.temperature, top_p=r.top_p, max_tokens=r.max_tokens, seed=r.seed,
                                 stop=list(r.stop) or None) for r in requests]
        outputs = self.llm.chat([r.chat() for r in requests], sampling_params=params, use_tqdm=False)
        completions = []
        for output in outputs:
            best = output.outputs[0]
            prompt_tokens = len(output.prompt_token_ids or [])
            if not best.text.strip():
                completions.append(Completion(None, "empty_output", prompt_tokens, len(best.token_ids),
                                              best.finish_reason))
            else:
                completions.append(Completion(best.text, None, prompt_tokens, len(best.token_ids),
                                              best.finish_reason))
        return completions

    def close(self) -> None:
        del self.llm
