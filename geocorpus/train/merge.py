"""Safe merge: fold a LoRA adapter into un-quantised base weights and save a standalone model.

Merging into 4-bit weights would round the LoRA update away (and re-quantise the base); so the base is always
loaded dense — a GGUF or the original checkpoint, never the NF4 copy used for training — in bf16 by default,
the adapter applied, `merge_and_unload` called, and the result saved with the adapter's tokenizer (its chat
template is the one the model was tuned with). The output directory appears only when complete.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from geocorpus.train.base_model import load_with_adapter


def merge_adapter(base: str, adapter: Path, output: Path, *, gguf_file: str | None = None,
                  dtype: str = "bfloat16") -> Path:
    """Write `output` = base ⊕ adapter in `dtype` (on CPU: merging needs no accelerator, and fits in RAM)."""
    if output.exists() and any(output.iterdir()):
        raise FileExistsError(f"{output}: exists and is not empty; choose another -o or remove it")
    model, tokenizer = load_with_adapter(base, adapter, gguf_file=gguf_file, quantize_4bit=False, dtype=dtype,
                                         device="cpu")
    merged = model.merge_and_unload()
    scratch = output.with_name(f".{output.name}.partial")
    shutil.rmtree(scratch, ignore_errors=True)
    merged.save_pretrained(scratch)
    tokenizer.save_pretrained(scratch)
    if output.exists():
        output.rmdir()
    os.replace(scratch, output)
    return output
