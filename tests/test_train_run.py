"""Training end to end on a tiny random Llama with SmolLM2's real tokenizer: no leak across packed documents,
loss goes down, resume after SIGKILL, safe merge, and the GPU-only paths (skipped without CUDA)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import REPO
from test_train_data import CONVERSATION, tokenizer, tokenizer_dir, write_corpus, write_parquet  # noqa: F401

from geocorpus.cli import main
from geocorpus.train.base_model import BaseModelError, load_base_model, load_with_adapter
from geocorpus.train.packing import pack_batch
from geocorpus.train.run import run_training

SFT_ROWS = [{"messages": [{"role": "user", "content": f"Name rock type {n}."},
                          {"role": "assistant", "content": ["Basalt.", "Granite.", "Shale."][n % 3]}]}
            for n in range(24)]


@pytest.fixture(scope="session")
def tiny_model_dir(tokenizer_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """A 2-layer, 64-wide Llama with random weights, saved with the real tokenizer like any local model."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
    directory = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("train-data")
    write_corpus(directory / "corpus", 12)
    write_parquet(directory / "sft" / "data" / "qa" / "part-00000.parquet", SFT_ROWS)
    (directory / "alpaca.jsonl").write_text("\n".join(json.dumps({"Instruction": "Define till.", "Input": "",
                                                                   "Output": "Unsorted glacial sediment."})
                                                       for _ in range(8)), encoding="utf-8")
    return directory


def write_train_recipe(directory: Path, model: Path, data: Path, *, stages: str, merge: bool = False) -> Path:
    recipe = directory / "train.yaml"
    recipe.write_text(f"name: tiny\noutput: {directory / 'out'}\nbase_model: {model}\nquantization: auto\n"
                      f"merge: {str(merge).lower()}\nlora: {{r: 8, alpha: 16, dropout: 0.0}}\nstages:\n{stages}",
                      encoding="utf-8")
    return recipe


PRETRAIN = ("  - pretrain:\n      datasets: [{{path: {data}/corpus}}]\n      seq_len: {seq}\n      batch_size: 2\n"
            "      learning_rate: 0.03\n      max_steps: {steps}\n      logging_steps: 1\n      save_steps: {save}\n"
            "      warmup_steps: 0\n      lr_scheduler: constant\n")
SFT = ("  - sft:\n      datasets: [{{path: {data}/sft, ratio: 0.75}}, {{path: {data}/alpaca.jsonl, ratio: 0.25}}]\n"
       "      seq_len: 64\n      batch_size: 4\n      learning_rate: 0.03\n      max_steps: {steps}\n"
       "      logging_steps: 1\n      save_steps: 100\n      warmup_steps: 0\n      lr_scheduler: constant\n")


def log_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "train_log.jsonl").read_text("utf-8").splitlines()]


@pytest.mark.parametrize("backend", ["sdpa", "eager"])
def test_packed_document_logits_equal_the_document_alone(tiny_model_dir: Path, tokenizer, backend: str) -> None:  # noqa: F811
    model, _ = load_base_model(str(tiny_model_dir), dtype="float32", device="cpu", attn_implementation=backend)
    model.config.use_cache = False
    documents = [tokenizer(text)["input_ids"] for text in
                 ("Basalt is a volcanic rock.", "Aquifers store groundwater in pores.", "Glaciers carve valleys.")]
    row = pack_batch({"input_ids": documents, "labels": documents}, seq_len=40, pad_id=tokenizer.pad_token_id)
    ids, positions = torch.tensor(row["input_ids"]), torch.tensor(row["position_ids"])
    with torch.no_grad():
        packed = model(input_ids=ids, position_ids=positions, use_cache=False).logits[0]
        leaky = model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False).logits[0]
        start = 0
        for document in documents:
            alone = model(input_ids=torch.tensor([document]), use_cache=False).logits[0]
            span = slice(start, start + len(document))
            torch.testing.assert_close(packed[span], alone, atol=1e-4, rtol=1e-4)
            if start:  # the control: one plain causal mask over the row lets later documents see earlier ones
                assert not torch.allclose(leaky[span], alone, atol=1e-3)
            start += len(document)


def test_two_stages_train_log_skip_and_merge(tiny_model_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stages = PRETRAIN.format(data=data_dir, steps=8, save=100, seq=128) + SFT.format(data=data_dir, steps=8)
    recipe = write_train_recipe(tmp_path, tiny_model_dir, data_dir, merge=True, stages=stages)
    result = run_training(recipe)
    out = tmp_path / "out"
    assert [s["stage"] for s in result.stages] == ["0-pretrain", "1-sft"]
    logs = [r for r in log_lines(out) if r["event"] == "log" and r.get("loss") is not None]
    for stage in ("0-pretrain", "1-sft"):
        losses = [r["loss"] for r in logs if r["stage"] == stage]
        assert sum(losses[-3:]) / 3 < losses[0] - 0.1, (stage, losses)
    record = logs[-1]
    assert record["trainable_tokens_per_s"] > 0 and record["peak_memory_bytes"] > 0 and record["eta_s"] is not None
    start = next(r for r in log_lines(out) if r["event"] == "start" and r["stage"] == "0-pretrain")
    assert start["attention"].startswith("sdpa: block-diagonal") and start["optimizer"] == "adamw_torch"
    # the chat template the model was tuned with travels with the adapter
    adapter_files = {p.name for p in result.adapter.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer_config.json"} <= adapter_files
    assert "<|im_start|>" in (result.adapter / "chat_template.jinja").read_text("utf-8")
    # a rerun skips both finished stages
    starts = len([r for r in log_lines(out) if r["event"] == "start"])
    run_training(recipe)
    assert len([r for r in log_lines(out) if r["event"] == "start"]) == starts
    # the merged model computes what base + adapter computes (fp32 merge for an exact comparison)
    merged_dir = tmp_path / "merged32"
    result = CliRunner().invoke(main, ["train", "merge", "--base", str(tiny_model_dir), "--adapter",
                                       str(out / "adapter"), "-o", str(merged_dir), "--dtype", "float32"])
    assert result.exit_code == 0, result.output
    ids = torch.tensor([[1, 510, 2040, 88, 17, 9]])
    with torch.no_grad():
        adapted, _ = load_with_adapter(str(tiny_model_dir), out / "adapter", dtype="float32", device="cpu")
        merged, _ = load_base_model(str(merged_dir), dtype="float32", device="cpu")
        base, _ = load_base_model(str(tiny_model_dir), dtype="float32", device="cpu")
        torch.testing.assert_close(merged(ids).logits, adapted(ids).logits, atol=1e-4, rtol=1e-4)
        assert not torch.allclose(base(ids).logits, adapted(ids).logits, atol=1e-3)  # training changed something
    assert json.loads((out / "merged" / "config.json").read_text("utf-8"))["dtype"] == "bfloat16"


def test_resume_after_sigkill_continues_from_the_checkpoint(tiny_model_dir: Path, data_dir: Path,
                                                            tmp_path: Path) -> None:
    recipe = write_train_recipe(tmp_path, tiny_model_dir, data_dir,
                                stages=PRETRAIN.format(data=data_dir, steps=14, save=2, seq=32))
    command = [sys.executable, "-m", "geocorpus.cli", "train", str(recipe)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    checkpoints = tmp_path / "out" / "stages" / "0-pretrain" / "checkpoints"
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (checkpoints / "checkpoint-2" / "trainer_state.json").is_file():
        assert process.poll() is None and time.monotonic() < deadline, "no checkpoint before the run ended"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (tmp_path / "out" / "adapter").exists()
    killed_at = max(int(p.name.split("-")[1]) for p in checkpoints.iterdir()
                    if (p / "trainer_state.json").is_file())
    assert killed_at < 14
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    resumed = [r for r in log_lines(tmp_path / "out") if r["event"] == "start"][-1]
    assert resumed["resumed_at"] == killed_at
    done = json.loads((tmp_path / "out" / "stages" / "0-pretrain" / "done.json").read_text("utf-8"))
    assert done["steps"] == 14 and done["resumed_from"] == f"checkpoint-{killed_at}"
    assert (tmp_path / "out" / "adapter" / "adapter_model.safetensors").is_file()


def test_bad_inputs_exit_2_with_one_line(tiny_model_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stages = PRETRAIN.format(data=data_dir, steps=1, seq=32, save=10)
    recipe = write_train_recipe(tmp_path, tiny_model_dir, data_dir, stages=stages)
    if not torch.cuda.is_available():
        recipe.write_text(recipe.read_text("utf-8").replace("quantization: auto", "quantization: 4bit"), "utf-8")
        result = CliRunner().invoke(main, ["train", str(recipe)])
        assert result.exit_code == 2 and "quantization: 4bit needs CUDA" in result.output
    missing = CliRunner().invoke(main, ["train", "merge", "--base", str(tmp_path / "nope"), "--adapter",
                                        str(tmp_path), "-o", str(tmp_path / "m")])
    assert missing.exit_code == 2 and "not a LoRA adapter directory" in missing.output
    with pytest.raises(BaseModelError, match="HF_HUB_OFFLINE"):
        load_base_model("HuggingFaceTB/SmolLM2-135M-Instruct")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="QLoRA (4-bit NF4, paged 8-bit AdamW) needs CUDA")
def test_qlora_on_cuda(tiny_model_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    stages = PRETRAIN.format(data=data_dir, steps=4, seq=32, save=100)
    recipe = write_train_recipe(tmp_path, tiny_model_dir, data_dir, stages=stages)
    result = run_training(recipe)
    stage = result.stages[0]
    assert stage["quantized_4bit"] and stage["optimizer"] == "paged_adamw_8bit" and stage["gradient_checkpointing"]
    model, _ = load_base_model(str(tiny_model_dir), quantize_4bit=True)
    assert model.is_loaded_in_4bit
