"""The request cache and `complete_all`: exact resume (a SIGKILLed run resumed without re-sending completed
requests), failures recorded and retried, cache keys, usage stats, and no API key on disk."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from openai_server import Fault, OpenAIServer

from geocorpus.generate.backends import Completion, Request, make_backend, parse_backend_spec
from geocorpus.generate.cache import FILE_NAME, RequestCache, request_key
from geocorpus.generate.client import complete_all
from geocorpus.generate.usage import Price, UsageStats

REPO = Path(__file__).resolve().parent.parent


def ask(text: str, **params: object) -> Request:
    return Request(messages=(("system", "You answer briefly."), ("user", text)), **params)


def backend_for(server: OpenAIServer, **spec: object):
    return make_backend(parse_backend_spec({"type": "openai", "model": "test-model", "base_url": server.base_url,
                                            "max_retries": 1, "timeout_s": 5.0, **spec}))


@pytest.fixture
def server():
    with OpenAIServer() as running:
        yield running


def test_rerun_sends_nothing_already_answered(server: OpenAIServer, tmp_path: Path) -> None:
    backend = backend_for(server)
    requests = [ask(f"<q{i:02d}>") for i in range(8)]
    first, stats = complete_all(backend, requests, tmp_path, progress=True)
    assert [c.text for c in first] == [f"echo: <q{i:02d}>" for i in range(8)]
    assert not any(c.cached for c in first)
    assert (stats.requests, stats.requests_sent, stats.cached, stats.succeeded) == (8, 8, 0, 8)
    assert stats.prompt_tokens == 8 * 4 and stats.completion_tokens == 8 * 2 and stats.cost is None

    again, stats = complete_all(backend, [*requests, ask("<new>")], tmp_path, progress=False)
    assert server.count() == 9 and server.count("<q03>") == 1
    assert [c.text for c in again[:8]] == [c.text for c in first] and all(c.cached for c in again[:8])
    assert again[8].text == "echo: <new>" and not again[8].cached
    assert (stats.requests, stats.requests_sent, stats.cached) == (9, 1, 8)
    assert stats.prompt_tokens == 4  # tokens are counted for what this run sent


def test_nothing_to_do(server: OpenAIServer, tmp_path: Path) -> None:
    completions, stats = complete_all(backend_for(server), [], tmp_path)
    assert completions == [] and stats.requests == stats.requests_sent == 0 and server.count() == 0


def test_identical_requests_in_one_call_are_sent_once(server: OpenAIServer, tmp_path: Path) -> None:
    completions, stats = complete_all(backend_for(server), [ask("same"), ask("other"), ask("same")], tmp_path,
                                      progress=False)
    assert completions[0] == completions[2] and completions[0].text == "echo: same"
    assert server.count("same") == 1 and stats.requests_sent == 2 and stats.requests == 3


def test_failures_are_recorded_and_retried_next_run(server: OpenAIServer, tmp_path: Path) -> None:
    server.script("<bad>", *[Fault.server_error(503)] * 2)
    server.script("<huge>", Fault.context_length())
    requests = [ask("<bad>"), ask("<huge>"), ask("<good>")]
    first, stats = complete_all(backend_for(server), requests, tmp_path, progress=False)
    assert [c.error for c in first] == ["http_503_exhausted", "context_length", None]
    assert first[0].text is None and first[1].text is None  # never an empty output
    assert dict(stats.failed) == {"http_503_exhausted": 1, "context_length": 1} and stats.succeeded == 1
    with RequestCache(tmp_path) as cache:
        assert cache.failures() == {"http_503_exhausted": 1, "context_length": 1}

    kept, stats = complete_all(backend_for(server), requests, tmp_path, progress=False, retry_failed=False)
    assert [c.error for c in kept] == ["http_503_exhausted", "context_length", None] and all(c.cached for c in kept)
    assert stats.requests_sent == 0 and server.count() == 4

    retried, stats = complete_all(backend_for(server), requests, tmp_path, progress=False)
    assert retried[0].text == "echo: <bad>" and retried[1].text == "echo: <huge>"  # the faults are used up
    assert stats.requests_sent == 2 and stats.cached == 1 and server.count("<good>") == 1
    with RequestCache(tmp_path) as cache:
        assert cache.failures() == {}
        attempts = cache._db.execute("SELECT attempts FROM completions ORDER BY attempts").fetchall()
    assert attempts == [(1,), (2,), (2,)]


def test_a_failure_never_replaces_a_success(tmp_path: Path) -> None:
    request = ask("kept")
    key = request_key("openai:m@http://h/v1", request)
    with RequestCache(tmp_path) as cache:
        cache.put(key, "openai:m@http://h/v1", request, Completion("answer", None, 3, 1, "stop"))
        cache.put(key, "openai:m@http://h/v1", request, Completion.failure("timeout"))
        assert cache.get_many([key])[key] == Completion("answer", None, 3, 1, "stop", cached=True)


def test_cache_key_depends_on_model_server_and_every_parameter() -> None:
    base = ask("q", temperature=0.5, max_tokens=64)
    key = request_key("openai:a@http://h/v1", base)
    assert key == request_key("openai:a@http://h/v1", ask("q", temperature=0.5, max_tokens=64))
    assert key == request_key("openai:a@http://h/v1", Request(messages=[["system", "You answer briefly."],
                                                                          ["user", "q"]], temperature=0.5,
                                                                max_tokens=64))
    assert request_key("openai:a@http://h/v1", ask("q", temperature=1)) == request_key(
        "openai:a@http://h/v1", ask("q", temperature=1.0))
    variants = [request_key("openai:b@http://h/v1", base), request_key("openai:a@http://g/v1", base)] + [
        request_key("openai:a@http://h/v1", ask(*args, **params)) for args, params in [
            (("q!",), {"temperature": 0.5, "max_tokens": 64}), (("q",), {"temperature": 0.6, "max_tokens": 64}),
            (("q",), {"temperature": 0.5, "max_tokens": 65}), (("q",), {"temperature": 0.5, "max_tokens": 64,
                                                                           "top_p": 0.9}),
            (("q",), {"temperature": 0.5, "max_tokens": 64, "seed": 1}),
            (("q",), {"temperature": 0.5, "max_tokens": 64, "stop": ("\n",)}),
            (("q",), {"temperature": 0.5, "max_tokens": 64, "json_mode": True})]]
    assert len({key, *variants}) == len(variants) + 1


def test_a_changed_model_misses_the_cache(server: OpenAIServer, tmp_path: Path) -> None:
    complete_all(backend_for(server), [ask("q")], tmp_path, progress=False)
    _, stats = complete_all(backend_for(server, model="bigger-model"), [ask("q")], tmp_path, progress=False)
    assert stats.requests_sent == 1 and server.count("q") == 2
    assert [b["model"] for b in server.bodies] == ["test-model", "bigger-model"]


def test_api_key_is_not_written_to_the_cache(server: OpenAIServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-geocorpus-SECRET-9876543210"
    monkeypatch.setenv("GEOCORPUS_TEST_KEY", secret)
    server.script("<fail>", *[Fault.server_error(500)] * 2)
    complete_all(backend_for(server, api_key_env="GEOCORPUS_TEST_KEY"), [ask("<ok>"), ask("<fail>")], tmp_path,
                 progress=False)
    assert server.auth_headers[0] == f"Bearer {secret}"
    files = list(tmp_path.iterdir())
    assert files and not any(secret.encode() in path.read_bytes() for path in files)


def test_usage_stats_cost_and_merge(server: OpenAIServer, tmp_path: Path) -> None:
    price = Price(prompt_per_million=2.0, completion_per_million=10.0)
    _, stats = complete_all(backend_for(server), [ask("one two"), ask("three")], tmp_path, progress=False,
                            price=price)
    assert (stats.prompt_tokens, stats.completion_tokens) == (9, 5)
    assert stats.cost == pytest.approx((9 * 2.0 + 5 * 10.0) / 1e6)
    merged = stats.merge(UsageStats(requests=1, cached=1, seconds=1.0))
    assert merged.to_json() | {"seconds": 0} == {
        "requests": 3, "requests_sent": 2, "cached": 1, "succeeded": 2, "failed": {}, "prompt_tokens": 9,
        "completion_tokens": 5, "cost": pytest.approx(stats.cost), "seconds": 0}


KILLED_RUN = textwrap.dedent("""
    import sys
    from pathlib import Path
    from geocorpus.generate.backends import Request, make_backend, parse_backend_spec
    from geocorpus.generate.client import complete_all
    base_url, cache_dir, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    backend = make_backend(parse_backend_spec({"type": "openai", "model": "test-model", "base_url": base_url,
                                               "concurrency": 4}))
    requests = [Request(messages=(("user", f"<p{i:03d}>"),), max_tokens=16) for i in range(count)]
    complete_all(backend, requests, cache_dir, progress=False)
""")


def test_a_killed_run_resumes_without_resending_completed_requests(tmp_path: Path) -> None:
    count, concurrency = 60, 4
    with OpenAIServer(latency=0.08) as server:
        process = subprocess.Popen([sys.executable, "-c", KILLED_RUN, server.base_url, str(tmp_path), str(count)],
                                   cwd=REPO, env=os.environ.copy())
        deadline = time.monotonic() + 60
        while server.answered() < count // 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        with sqlite3.connect(tmp_path / FILE_NAME) as db:  # what survived the kill, read back as SQLite sees it
            saved = {row[0] for row in db.execute("SELECT request FROM completions WHERE ok = 1")}
        assert count // 4 <= len(saved) < count

        backend = make_backend(parse_backend_spec({"type": "openai", "model": "test-model",
                                                   "base_url": server.base_url, "concurrency": 4}))
        requests = [Request(messages=(("user", f"<p{i:03d}>"),), max_tokens=16) for i in range(count)]
        completions, stats = complete_all(backend, requests, tmp_path, progress=False)

    assert [c.text for c in completions] == [f"echo: <p{i:03d}>" for i in range(count)]
    assert stats.cached == len(saved) and stats.requests_sent == count - len(saved)
    for i in range(count):
        marker = f"<p{i:03d}>"
        if any(marker in request for request in saved):
            assert server.count(marker) == 1, marker  # answered before the kill: never sent again
        assert server.answered(marker) >= 1
    # Only the requests in flight at the kill (at most `concurrency`) were answered twice.
    assert sum(server.answered(f"<p{i:03d}>") - 1 for i in range(count)) <= concurrency
