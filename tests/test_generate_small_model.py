"""Generation with a small local model: the transformers backend loads its model only when something is sent,
so a fully cached rerun never loads it. (What the real SmolLM2-135M's replies give is measured, not asserted:
benchmarks/generate_quality.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_generate_backends import ask, one_thread, tiny_llama  # noqa: F401 - fixtures used by name

from geocorpus.generate.backends import make_backend, parse_backend_spec
from geocorpus.generate.client import complete_all


def test_a_fully_cached_rerun_never_loads_the_model(tiny_llama: Path, one_thread: None,  # noqa: F811
                                                     tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_llama, model)
    spec = parse_backend_spec({"type": "transformers", "model": str(model), "batch_size": 2})
    requests = [ask(f"aquifer {i}", temperature=0, max_tokens=4) for i in range(3)]
    backend = make_backend(spec)
    assert backend.loads == 0  # building the backend reads no weights
    first, stats = complete_all(backend, requests, tmp_path / "cache", progress=False)
    assert backend.loads == 1 and stats.requests_sent == 3 and all(c.ok for c in first)

    for weights in model.glob("*.safetensors"):  # a load from now on would fail
        weights.write_bytes(b"not a model")
    rerun = make_backend(spec)
    again, stats = complete_all(rerun, requests, tmp_path / "cache", progress=False)
    assert rerun.loads == 0 and stats.cached == 3 and stats.requests_sent == 0
    assert [c.text for c in again] == [c.text for c in first]

    new, stats = complete_all(rerun, [ask("a new question", temperature=0, max_tokens=4)], tmp_path / "cache",
                              progress=False)
    assert not new[0].ok and new[0].error.startswith("error_") and rerun.loads == 0  # recorded, not raised
    assert sum(stats.failed.values()) == 1


def test_a_missing_model_is_still_an_error_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="model not found"):
        make_backend(parse_backend_spec({"type": "transformers", "model": str(tmp_path / "nowhere")}))

