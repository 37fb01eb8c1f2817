"""Put LoRA on a base model: QLoRA preparation on CUDA 4-bit, plain LoRA elsewhere.

`target_modules="all-linear"` (peft) adapts every linear layer but the output head, as QLoRA found necessary
to match full fine-tuning. A later stage continues the previous stage's adapter (loaded trainable), so
pretraining and SFT build one adapter, not two.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from geocorpus.train.config import LoraSpec

if TYPE_CHECKING:
    from transformers import PreTrainedModel


def attach_lora(model: PreTrainedModel, spec: LoraSpec, *, quantized: bool, gradient_checkpointing: bool,
                seed: int, previous_adapter: Path | None = None) -> PreTrainedModel:
    """A peft model with trainable LoRA weights: fresh (seeded) or continued from `previous_adapter`."""
    from peft import LoraConfig, PeftModel, get_peft_model, prepare_model_for_kbit_training
    from transformers import set_seed

    model.config.use_cache = False  # a KV cache during training also disables packed-sequence masks
    if quantized:
        # Casts norms to fp32, enables input grads for checkpointing through frozen 4-bit layers.
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing,
                                                gradient_checkpointing_kwargs={"use_reentrant": False})
    if previous_adapter is not None:
        return PeftModel.from_pretrained(model, str(previous_adapter), is_trainable=True)
    set_seed(seed)
    config = LoraConfig(r=spec.r, lora_alpha=spec.alpha, lora_dropout=spec.dropout,
                        target_modules=spec.target_modules, task_type="CAUSAL_LM")
    return get_peft_model(model, config)
