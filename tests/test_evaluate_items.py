"""Eval-set reading (GeoBench NPEE / AP Study / JiuZhou CSV / our generated sets), duplicates, letter
extraction, pass@k, BLEU/ROUGE-L, task lists and the lm-evaluation-harness export — everything without a model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jinja2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from geocorpus.evaluate.code_items import load_codegen, load_summaries
from geocorpus.evaluate.codegen import extract_code
from geocorpus.evaluate.duplicates import duplicate_groups, first_occurrences
from geocorpus.evaluate.judge import parse_score
from geocorpus.evaluate.letters import extract_letter
from geocorpus.evaluate.lm_eval_export import export_lm_eval
from geocorpus.evaluate.mcq import loglik_requests
from geocorpus.evaluate.mcq_items import MCQItem, answer_index, load_mcq, split_inline_options
from geocorpus.evaluate.passk import mean_pass_at_k, pass_at_k
from geocorpus.evaluate.records import EvalFileError
from geocorpus.evaluate.results import deltas, table
from geocorpus.evaluate.task_spec import TaskSpecError, parse_tasks, unique_names
from geocorpus.evaluate.text_metrics import bleu, rouge_l, sentence_bleu, tokenize

DATA = Path(__file__).parent / "data" / "evaluate"


# --- multiple-choice formats -------------------------------------------------------------------------------

def test_npee_choice_and_true_false_blocks_are_scored_and_open_blocks_counted() -> None:
    loaded = load_mcq(DATA / "geobench_npee.json")
    assert loaded.format == "geobench_npee"
    by_id = {i.item_id: i for i in loaded.items}
    first = by_id["choice:0"]
    assert first.stem == "Which mineral is the hardest on the Mohs scale of the following?"
    assert first.options == ("gypsum", "quartz", "talc", "calcite") and first.answer_letter == "B"
    assert by_id["choice:1"].options == ("delta", "oxbow lake", "moraine", "fjord")  # "(A) delta (B) ..."
    chinese = by_id["choice:2"]
    assert chinese.options == ("大理岩", "花岗岩", "石灰岩", "玄武岩") and chinese.answer == 0 and chinese.lang == "zh"
    assert (by_id["tf:0"].options, by_id["tf:0"].answer, by_id["tf:1"].answer) == (("True", "False"), 0, 1)
    assert loaded.rejected == [{"id": "choice:4", "reason": "multiple_answers"}]
    assert loaded.not_multiple_choice == {"noun": 2}


def test_apstudy_answer_follows_the_label_and_bad_keys_are_rejected_with_reason() -> None:
    loaded = load_mcq(DATA / "geobench_apstudy.json")
    assert loaded.format == "geobench_apstudy" and len(loaded.items) == 6
    assert [i.answer_letter for i in loaded.items] == ["B", "A", "C", "C", "D", "B"]
    assert len(loaded.items[0].options) == 5
    assert loaded.rejected == [{"id": "apstudy_7", "reason": "answer_not_in_options"}]


def test_numeric_labels_in_apstudy_layout(tmp_path: Path) -> None:
    path = tmp_path / "numbered.json"
    path.write_text(json.dumps([{"id": "q", "question": {"stem": "Pick two", "choices": [
        {"text": "one", "label": "1"}, {"text": "two", "label": "2"}]}, "answerKey": "2"}]), encoding="utf-8")
    assert load_mcq(path).items[0].answer == 1


def test_jiuzhou_csv_uses_the_option_columns_present_and_rejects_missing_answers() -> None:
    loaded = load_mcq(DATA / "jiuzhou_geobench.csv")
    assert loaded.format == "geobench_csv"
    assert [len(i.options) for i in loaded.items] == [5, 5, 4]  # empty E column → 4 options
    assert [i.answer_letter for i in loaded.items] == ["B", "A", "B"]
    assert loaded.items[1].lang == "zh"
    assert loaded.rejected == [{"id": "4", "reason": "no_answer"}]


def test_generated_eval_sets_from_jsonl_and_parquet_directories(tmp_path: Path) -> None:
    loaded = load_mcq(DATA / "generated_eval.jsonl")
    assert loaded.format == "generated"
    assert [(i.item_id, i.answer_letter) for i in loaded.items] == [("mcq-1", "B"), ("mcq-2", "C")]
    assert loaded.not_multiple_choice == {"geosignal_qa": 1}
    rows = [json.loads(line) for line in (DATA / "generated_eval.jsonl").read_text(encoding="utf-8").splitlines()]
    part = tmp_path / "out" / "data" / "mcq" / "part-00000.parquet"
    part.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows), part)  # meta stays a JSON string, as in our Arrow schema
    from_dir = load_mcq(tmp_path / "out")
    assert [(i.item_id, i.options, i.answer) for i in from_dir.items] == \
        [(f"part-00000:{i.item_id}", i.options, i.answer) for i in loaded.items]


@pytest.mark.parametrize(("content", "message"), [
    ('{"noun": {"question": ["a"], "answer": ["b"]}}', "no multiple-choice items found (noun: 1)"),
    ("{not json\n", "not valid JSON"),
])
def test_unusable_files_give_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bench.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalFileError, match=r"bench\.json") as error:
        load_mcq(path)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_missing_and_unknown_files(tmp_path: Path) -> None:
    with pytest.raises(EvalFileError, match="no such file"):
        load_mcq(tmp_path / "nope.json")
    (tmp_path / "bench.txt").write_text("x", encoding="utf-8")
    with pytest.raises(EvalFileError, match="unknown file type"):
        load_mcq(tmp_path / "bench.txt")


@pytest.mark.parametrize(("question", "stem", "options"), [
    ("What forms a rift? A. subduction B. divergence C. obduction", "What forms a rift?",
     ["subduction", "divergence", "obduction"]),
    ("Mohs scale of A hardness (A) talc (B) quartz", "Mohs scale of A hardness", ["talc", "quartz"]),
    ("下列属于变质岩的是（ ）A、大理岩 B、花岗岩", "下列属于变质岩的是( )", ["大理岩", "花岗岩"]),
    ("Fill in:\nA. one;\nB. two", "Fill in:", ["one", "two"]),
    ("A question with no options. A thing.", "A question with no options. A thing.", []),
])
def test_inline_options_are_split_in_order(question: str, stem: str, options: list[str]) -> None:
    assert split_inline_options(question) == (stem, options)


@pytest.mark.parametrize(("answer", "expected"), [
    ("B", 1), ("(b)", 1), ("Ｂ", 1), ("B. quartz", 1), ("答案：C", 2), ("The answer is A", 0), (2, 2), ("quartz", 1),
    ("AC", "multiple_answers"), ("A, C", "multiple_answers"), ("E", "answer_not_in_options"), ("", "no_answer"),
    (None, "no_answer"), (7, "answer_not_in_options"),
])
def test_answer_index(answer: object, expected: int | str) -> None:
    assert answer_index(answer, ["gypsum", "quartz", "talc"]) == expected


# --- duplicates ----------------------------------------------------------------------------------------------

def test_duplicates_ignore_case_spacing_punctuation_and_option_order() -> None:
    items = [MCQItem("a", "What is  granite?", ("igneous", "sedimentary"), 0, "en"),
             MCQItem("b", "what is granite", ("Sedimentary", "Igneous."), 1, "en"),
             MCQItem("c", "What is basalt?", ("igneous", "sedimentary"), 0, "en"),
             MCQItem("d", "What is granite?", ("igneous", "metamorphic"), 0, "en")]
    assert duplicate_groups(items) == [["a", "b"]]
    assert first_occurrences(items) == [True, False, True, True]
    loaded = load_mcq(DATA / "geobench_apstudy.json")
    assert duplicate_groups(loaded.items) == [["apstudy_2", "apstudy_6"]]


# --- letters from chat replies ----------------------------------------------------------------------------------

OPTIONS = ["the Coriolis effect", "plate tectonics", "hotspots", "the Richter scale", "the subduction zone"]


@pytest.mark.parametrize(("reply", "letter"), [
    ("B", "B"), ("答案：B", "B"), ("(C)", "C"), ("The answer is D.", "D"), ("**C**", "C"), ("Ｄ", "D"),
    ("B. plate tectonics", "B"), ("I think the correct answer is (b) because plates move.", "B"),
    ("正确答案是C。", "C"), ("我认为应选 D，因为俯冲带……", "D"), ("Answer: A", "A"), ("选B", "B"),
    ("A volcano is not involved; the answer: E", "E"), ("It is plate tectonics.", "B"),
    ("A. the Coriolis effect\n\nThe correct answer is E. the subduction zone.", "E"),
    ("B\nbecause lithospheric plates move", "B"),
    # ambiguous or absent: never guessed
    ("A volcano is a mountain.", None), ("A and B are both plausible", None), ("None of these.", None),
    ("A. the Coriolis effect\nB. plate tectonics\nC. hotspots", None), ("", None),
    ("The Coriolis effect is wrong; it is hotspots", None),
])
def test_extract_letter_from_real_looking_replies(reply: str, letter: str | None) -> None:
    assert extract_letter(reply, 5, OPTIONS) == letter


def test_extract_letter_only_accepts_letters_of_existing_options() -> None:
    assert extract_letter("The answer is E", 4) is None
    assert extract_letter("The answer is D", 4) == "D"


# --- pass@k -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "c", "k", "expected"), [
    (5, 2, 1, 0.4),
    (10, 3, 5, 1 - 21 / 252),  # 1 - C(7,5)/C(10,5)
    (10, 3, 1, 0.3),
    (4, 2, 2, 1 - 1 / 6),  # 1 - C(2,2)/C(4,2)
    (3, 0, 2, 0.0),
    (3, 3, 1, 1.0),
    (5, 4, 2, 1.0),  # n - c < k: every draw of 2 contains a correct one
])
def test_pass_at_k_matches_hand_computed_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_is_stable_for_large_n_and_checks_its_arguments() -> None:
    assert pass_at_k(200, 1, 100) == pytest.approx(0.5)
    assert 0 < pass_at_k(10_000, 3, 10) < 1
    for bad in [(5, 6, 1), (5, 2, 0), (5, 2, 6)]:
        with pytest.raises(ValueError, match="pass@k"):
            pass_at_k(*bad)
    assert mean_pass_at_k([(5, 2), (5, 0), (1, 1)], 1) == pytest.approx((0.4 + 0 + 1) / 3)
    assert mean_pass_at_k([(5, 2), (1, 1)], 2) == pytest.approx(pass_at_k(5, 2, 2))  # n < k left out
    assert mean_pass_at_k([(1, 1)], 2) is None


# --- BLEU / ROUGE-L ----------------------------------------------------------------------------------------------

def test_tokenizer_splits_cjk_characters_and_code_identifiers() -> None:
    assert tokenize("读取GeoTIFF文件; gdal.Open(path)") == \
        ["读", "取", "geotiff", "文", "件", ";", "gdal", ".", "open", "(", "path", ")"]


def test_bleu_on_pairs_computed_by_hand() -> None:
    assert bleu(["reads a raster file"], ["reads a raster file"]) == pytest.approx(1.0)
    # all n-grams of the hypothesis match; only the brevity penalty exp(1 - 8/4) applies
    reference = "opens the raster and returns its mean value"
    assert bleu([reference], ["opens the raster and"]) == pytest.approx(math.exp(1 - 8 / 4))
    assert sentence_bleu(reference, "opens the raster and") == pytest.approx(math.exp(1 - 8 / 4))
    assert bleu(["opens a raster"], ["draws a map"]) < 0.2


def test_rouge_l_on_pairs_computed_by_hand() -> None:
    # LCS("a b c d", "a c d") = 3: P = 1, R = 3/4, F = 2PR/(P+R) = 6/7
    assert rouge_l(["a b c d"], ["a c d"]) == [pytest.approx(6 / 7)]
    # Chinese by character: LCS("读取栅格文件", "读取栅格") = 4 → P = 1, R = 4/6, F = 0.8
    assert rouge_l(["读取栅格文件"], ["读取栅格"]) == [pytest.approx(0.8)]
    assert rouge_l(["Reads a RASTER."], ["reads a raster"]) == [pytest.approx(1.0)]


# --- code items -------------------------------------------------------------------------------------------------

def test_codegen_and_summary_items_with_rejections(tmp_path: Path) -> None:
    codegen = load_codegen(DATA / "codegen.jsonl")
    assert [i.item_id for i in codegen.items] == ["cg-1", "cg-2"]
    assert "slope_percent(1, 4) == 25" in codegen.items[0].tests
    assert codegen.rejected == [{"id": "cg-3", "reason": "language_not_python:r"}]
    humaneval = tmp_path / "he.jsonl"
    humaneval.write_text(json.dumps({"task_id": "x/0", "prompt": "def inc(x):\n", "entry_point": "inc",
                                     "test": "def check(candidate):\n    assert candidate(1) == 2\n"}) + "\n")
    assert load_codegen(humaneval).items[0].tests.endswith("check(inc)\n")
    summaries = load_summaries(DATA / "summary.jsonl")
    assert [i.lang for i in summaries.items] == ["en", "zh"]
    assert "rasterio.open" in summaries.items[0].prompt


def test_extract_code_from_replies() -> None:
    assert extract_code("Here:\n```python\ndef f():\n    return 1\n```\nDone.") == "def f():\n    return 1"
    assert extract_code("```\nx = 1\n```") == "x = 1"
    assert extract_code("```python\ndef f():\n    return 1") == "def f():\n    return 1"  # cut off by max tokens
    assert extract_code("def f():\n    return 2\n") == "def f():\n    return 2"


def test_judge_scores_are_read_from_json_or_prose() -> None:
    assert parse_score('{"score": 4, "reason": "fine"}') == 4
    assert parse_score('```json\n{"score": 5}\n```') == 5
    assert parse_score("Score: 3/5 – misses the CRS") == 3
    assert parse_score('{"score": 9}') is None and parse_score("great summary") is None and parse_score(None) is None


# --- task lists ---------------------------------------------------------------------------------------------------

def test_tasks_from_the_command_line_and_from_yaml(tmp_path: Path) -> None:
    specs = parse_tasks(("mcq:a.json,codegen:b.jsonl", "summary:c.jsonl"))
    assert [(s.kind, str(s.path)) for s in specs] == [("mcq", "a.json"), ("codegen", "b.jsonl"),
                                                      ("summary", "c.jsonl")]
    tasks = tmp_path / "tasks.yaml"
    tasks.write_text("tasks:\n  - {kind: mcq, path: bench.json, mode: both}\n"
                     "  - {kind: codegen, path: cg.jsonl, n: 4, k: [1, 2], temperature: 0.8}\n", encoding="utf-8")
    first, second = parse_tasks((str(tasks),))
    assert first.path == tmp_path / "bench.json" and first.mode == "both"
    defaults = {"style": "cloze", "mode": "loglik", "n": 1, "k": [1], "temperature": 0.0, "max_new_tokens": 64}
    filled = second.with_defaults(defaults)
    assert (filled.n, filled.k, filled.temperature, filled.max_new_tokens, filled.name) == (4, [1, 2], 0.8, 64,
                                                                                           "codegen:cg")
    named = unique_names([first.with_defaults(defaults), first.with_defaults(defaults)])
    assert [s.name for s in named] == ["mcq:bench", "mcq:bench#2"]


@pytest.mark.parametrize(("body", "message"), [
    ("tasks:\n  - {kind: mcq, path: a.json, colour: red}\n", "tasks[0].colour: Extra inputs are not permitted"),
    ("tasks:\n  - {kind: codegen, path: a.jsonl, n: 2, k: [5]}\n", "k=5 is larger than n=2"),
    ("tasks: {}\n", "expected a top-level `tasks:` list"),
])
def test_bad_task_files_give_one_line_errors(tmp_path: Path, body: str, message: str) -> None:
    tasks = tmp_path / "tasks.yaml"
    tasks.write_text(body, encoding="utf-8")
    with pytest.raises(TaskSpecError) as error:
        parse_tasks((str(tasks),))
    assert message in str(error.value) and str(tasks) in str(error.value)


def test_bad_task_arguments() -> None:
    with pytest.raises(TaskSpecError, match="expected KIND:PATH"):
        parse_tasks(("quiz:a.json",))
    spec = parse_tasks(("codegen:a.jsonl",))[0]
    with pytest.raises(TaskSpecError, match="temperature 0 are all the same"):
        spec.with_defaults({"n": 5, "k": [1], "temperature": 0.0})


# --- lm-evaluation-harness export ---------------------------------------------------------------------------------

def _render(template: str, doc: dict[str, object]) -> str:
    return jinja2.Template(template, keep_trailing_newline=True).render(**doc)


@pytest.mark.parametrize("style", ["cloze", "letters"])
def test_lm_eval_export_reproduces_our_prompts(tmp_path: Path, style: str) -> None:
    written = export_lm_eval(DATA / "jiuzhou_geobench.csv", tmp_path / "lm", style=style)  # type: ignore[arg-type]
    assert [p.name for p in written] == ["geocorpus_jiuzhou_geobench_en.yaml", "geocorpus_jiuzhou_geobench_zh.yaml"]
    items = {i.item_id: i for i in load_mcq(DATA / "jiuzhou_geobench.csv").items}
    for path in written:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(config) == {"task", "dataset_path", "dataset_kwargs", "test_split", "output_type", "doc_to_text",
                               "doc_to_choice", "doc_to_target", "target_delimiter", "metric_list", "metadata"}
        assert (config["task"], config["dataset_path"], config["output_type"], config["test_split"]) == \
            (path.stem, "json", "multiple_choice", "test")
        assert [m["metric"] for m in config["metric_list"]] == ["acc", "acc_norm"]
        data = Path(config["dataset_kwargs"]["data_files"]["test"])
        assert data.is_absolute() and data.is_file()
        for line in data.read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            item = items[doc["id"]]
            choices = doc[config["doc_to_choice"]]
            ours = loglik_requests(item, style)  # type: ignore[arg-type]
            theirs = [(_render(config["doc_to_text"], doc), config["target_delimiter"] + c) for c in choices]
            assert theirs == ours
            assert doc[config["doc_to_target"]] == item.answer


# --- results --------------------------------------------------------------------------------------------------------

def test_deltas_and_table() -> None:
    runs = {"base": {"metrics": {"acc": 0.25, "unparsed_gen": 3, "judge": None}},
            "tuned": {"metrics": {"acc": 0.75, "unparsed_gen": 1, "judge": 4.0}}}
    assert deltas(runs) == {"acc": 0.5, "unparsed_gen": -2}
    assert deltas({"tuned": runs["tuned"]}) == {}
    results = {"config": {"model": "m"}, "models": ["base", "tuned"],
               "tasks": {"mcq:x": {"items": 4, "results": runs, "delta": deltas(runs)}}}
    view = table(results)
    assert [c.header for c in view.columns] == ["task", "metric", "items", "base", "tuned", "Δ"]
    assert view.row_count == 3
