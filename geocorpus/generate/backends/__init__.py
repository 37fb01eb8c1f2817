"""Generation backends behind one interface: OpenAI-compatible servers, transformers in-process, vLLM offline.

Heavy libraries (openai, torch, transformers, vllm) are imported only when `make_backend` builds that backend.
"""

from __future__ import annotations

from geocorpus.generate.backends.base import Backend, Completion, OnDone, Request
from geocorpus.generate.backends.spec import (
    BackendSpec,
    OpenAISpec,
    TransformersSpec,
    VLLMSpec,
    parse_backend_spec,
)


def make_backend(spec: OpenAISpec | TransformersSpec | VLLMSpec) -> Backend:
    """Build the backend a spec describes (loading a model for in-process backends)."""
    if isinstance(spec, OpenAISpec):
        from geocorpus.generate.backends.openai_compat import OpenAIBackend

        return OpenAIBackend(spec)
    if isinstance(spec, TransformersSpec):
        from geocorpus.generate.backends.transformers_local import TransformersBackend

        return TransformersBackend(spec)
    if isinstance(spec, VLLMSpec):
        from geocorpus.generate.backends.vllm_offline import VLLMBackend

        return VLLMBackend(spec)
    raise TypeError(f"not a backend spec: {spec!r}")


__all__ = [
    "Backend",
    "BackendSpec",
    "Completion",
    "OnDone",
    "OpenAISpec",
    "Request",
    "TransformersSpec",
    "VLLMSpec",
    "make_backend",
    "parse_backend_spec",
]
