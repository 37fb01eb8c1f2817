"""Generation tasks without a model: reply parsing, passage and code cutting, each task's pairs, MCQ balancing,
templates, and the generation recipe's checks (one line with file:line per problem)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from geocorpus.document import Document
from geocorpus.generate.config import load_generate_recipe
from geocorpus.generate.tasks.base import tasks
from geocorpus.generate.tasks.code_chunks import split_code
from geocorpus.generate.tasks.passages import detect_lang, sample, size, split_passages
from geocorpus.generate.tasks.reply import Unparseable, parse_object
from geocorpus.recipe import RecipeError

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "recipes" / "samples" / "geocode_pt"
BACKEND = 'backend: {type: openai, base_url: "http://127.0.0.1:9/v1", model: m}'


def make_task(name: str, seed: int = 0, **params):
    cls = tasks()[name]
    return cls(cls.Params.model_validate(params), seed)


def prose_doc(text: str, lang: str | None = "en") -> Document:
    return Document(id="doc1", text=text, kind="web", source="t", url="https://example.org/a", title="Aquifers",
                    license="CC-BY-4.0", lang=lang)


def code_doc(name: str) -> Document:
    return Document(id=f"code-{name}", text=(SAMPLES / "code" / name).read_text(encoding="utf-8"), kind="code",
                    source="t", url=name, license="MIT", meta={"language": "python", "gis_libs": ["geopandas"]})


# ---- replies ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    '{"question": "q", "answer": "a"}',
    'Sure! Here it is:\n```json\n{"question": "q", "answer": "a"}\n```\nHope this helps.',
    '```\n{"question": "q", "answer": "a"}\n```',
    'The answer is {"question": "q", "answer": "a"} and that is all {not json}',
    '{broken {"question": "q", "answer": "a"}',
])
def test_reply_parser_tolerates_wrapping(text: str) -> None:
    assert parse_object(text) == {"question": "q", "answer": "a"}


@pytest.mark.parametrize("text", ["I cannot help with that.", "[1, 2, 3]", '{"question": "q", "answer": '])
def test_reply_without_an_object_is_unparseable(text: str) -> None:
    with pytest.raises(Unparseable):
        parse_object(text)


# ---- passages and code ------------------------------------------------------------------------------------
def test_passages_keep_paragraphs_whole_and_near_their_size() -> None:
    paragraphs = [" ".join(f"w{p}_{i}" for i in range(70)) for p in range(12)]
    passages = split_passages("\n\n".join(paragraphs), words=200, min_words=50)
    assert len(passages) == 4
    assert all(200 <= size(p) <= 250 for p in passages)
    assert "\n\n".join(passages).split("\n\n") == paragraphs  # cut only between paragraphs, nothing lost


def test_short_tail_joins_the_last_passage_and_headings_stay_with_their_text() -> None:
    text = "# Title\n\n" + " ".join(["alpha"] * 120) + "\n\n" + " ".join(["beta"] * 20)
    passages = split_passages(text, words=100, min_words=50)
    assert len(passages) == 1 and passages[0].startswith("# Title\nalpha") and passages[0].endswith("beta")


def test_cjk_is_counted_by_character() -> None:
    zh = "地下水补给是含水层管理的关键。" * 30  # 15 characters per sentence
    assert size(zh) == 450
    assert detect_lang(zh, None) == "zh" and detect_lang("Aquifers store water.", None) == "en"
    passages = split_passages(zh, words=100, min_words=40)
    assert len(passages) >= 3 and all(size(p) <= 200 for p in passages)


def test_sampling_is_seeded_and_in_document_order() -> None:
    items = [f"p{i}" for i in range(20)]
    first = sample(items, 5, "0", "task", "doc")
    assert first == sample(items, 5, "0", "task", "doc")
    assert first != sample(items, 5, "1", "task", "doc")
    assert [i for i, _ in first] == sorted(i for i, _ in first)
    assert sample(items, None, "x") == list(enumerate(items))


def test_python_is_cut_per_function_with_its_imports_and_gis_calls() -> None:
    text = (SAMPLES / "code" / "geopandas_wells_in_aquifers.py").read_text(encoding="utf-8")
    snippets = split_code(text, "python", ["geopandas"], max_lines=60, min_lines=5)
    assert [s.name for s in snippets] == ["load_wells", "trend_m_per_year", "main"]
    assert all("import geopandas as gpd" in s.code for s in snippets)
    assert snippets[0].calls == ["geopandas.GeoDataFrame", "geopandas.points_from_xy"]
    assert "geopandas.sjoin" in snippets[2].calls


def test_other_languages_are_cut_into_blocks() -> None:
    text = (SAMPLES / "code" / "sf_terra_soil_moisture.R").read_text(encoding="utf-8")
    snippets = split_code(text, "r", ["sf", "terra"], max_lines=20, min_lines=3)
    assert len(snippets) >= 2 and all(len(s.code.splitlines()) <= 21 for s in snippets)
    assert "".join(s.code for s in snippets).replace("\n", "") in text.replace("\n", "")


# ---- tasks ------------------------------------------------------------------------------------------------
PASSAGE = ("Confined aquifers are bounded above by a clay layer. " * 30 + "\n\n") * 2


def test_request_is_deterministic_and_uses_the_language_template() -> None:
    task = make_task("geosignal_qa", per_document=1, words=100, min_words=20)
    unit, = task.units(prose_doc(PASSAGE))
    first, again = task.request(unit), task.request(unit)
    assert first == again and first.seed is not None and first.json_mode
    assert "Confined aquifers" in first.messages[1][1] and "Aquifers" in first.messages[1][1]
    zh_unit, = make_task("geosignal_qa", per_document=1, words=100, min_words=20, lang="zh").units(prose_doc(PASSAGE))
    zh_request = make_task("geosignal_qa", lang="zh").request(zh_unit)
    assert zh_unit.lang == "zh" and "段落" in zh_request.messages[1][1] and "专家" in zh_request.messages[0][1]


def test_geosignal_pairs_have_type_category_and_provenance() -> None:
    unit, = make_task("geosignal_qa", per_document=1, words=100, min_words=20).units(prose_doc(PASSAGE))
    qa, = make_task("geosignal_qa").pairs({"question": "What bounds it?", "answer": "A clay layer.",
                                           "category": "Hydrogeology"}, unit)
    assert (qa["type"], qa["category"], qa["input"], qa["output"]) == ("qa", "hydrogeology", "", "A clay layer.")
    assert (qa["source_id"], qa["license"], qa["context"]) == ("doc1", "CC-BY-4.0", unit.text)
    summary, = make_task("geosignal_summary").pairs({"summary": "Clay caps it.", "category": "水文地质学"}, unit)
    assert summary["input"] == unit.text and summary["category"] == "hydrogeology" and summary["instruction"]
    concept, = make_task("geosignal_concept").pairs({"concept": "confined aquifer", "explanation": "x",
                                                    "category": "nonsense"}, unit)
    assert "confined aquifer" in concept["instruction"] and concept["category"] == "geoscience"
    true, false = make_task("geosignal_truefalse").pairs(
        {"true_statement": "A clay layer bounds it.", "false_statement": "A sand layer bounds it.",
         "correction": "It is clay."}, unit)
    assert (true["output"], true["meta"]["label"]) == ("True.", True)
    assert false["output"] == "False. It is clay." and true["id"] != false["id"]
    extraction, = make_task("geosignal_extraction").pairs(
        {"entities": [{"name": "clay layer", "type": "rock unit"}, "aquifer"],
         "relations": [{"head": "clay layer", "relation": "bounds", "tail": "aquifer"}]}, unit)
    assert json.loads(extraction["output"])["entities"][1] == {"name": "aquifer", "type": ""}


@pytest.mark.parametrize(("task", "reply"), [
    ("geosignal_qa", {"question": "q"}),
    ("geosignal_qa", {"question": "q", "answer": "   "}),
    ("geosignal_extraction", {"entities": []}),
    ("geosignal_extraction", {"entities": [{"type": "x"}]}),
    ("mcq", {"question": "q", "options": ["a", "b", "c"], "answer": "A"}),
    ("mcq", {"question": "q", "options": ["a", "b", "c", "d"], "answer": "F"}),
    ("codegen", {"prompt": "p", "solution": "def f(): pass", "tests": "assert ("}),
])
def test_missing_or_bad_fields_are_unparseable(task: str, reply: dict) -> None:
    unit, = make_task("geosignal_qa", per_document=1, words=100, min_words=20).units(prose_doc(PASSAGE))
    with pytest.raises(Unparseable):
        make_task(task).pairs(reply, unit)


def test_code_tasks() -> None:
    doc = code_doc("geopandas_wells_in_aquifers.py")
    units = make_task("oss_instruct", per_document=None).units(doc)
    assert len(units) == 3 and units[0].meta["language"] == "python"
    assert "```python" in make_task("oss_instruct").request(units[0]).messages[1][1]
    oss, = make_task("oss_instruct").pairs({"problem": "p", "solution": "```python\ndef f():\n    return 1\n```",
                                            "tests": "assert f() == 1"}, units[0])
    assert oss["output"] == "```python\ndef f():\n    return 1\n```" and oss["meta"]["tests"] == "assert f() == 1"
    assert oss["category"] == "geopandas"
    back, = make_task("summary_to_code").pairs({"description": "Load wells.", "tests": "not python ("}, units[0])
    assert units[0].text in back["output"] and back["meta"]["tests"] == ""
    api_units = make_task("api_qa", per_document=None).units(doc)
    assert [u.meta["snippet"] for u in api_units] == ["load_wells", "main"]  # only snippets calling the library
    assert "geopandas.sjoin" in make_task("api_qa").request(api_units[1]).messages[1][1]
    summary, = make_task("code_summary").pairs({"summary": "It loads wells."}, units[0])
    assert summary["input"].startswith("```python") and summary["output"] == "It loads wells."
    assert make_task("oss_instruct", languages=["r"]).units(doc) == []


def test_mcq_answers_from_letters_numbers_or_text() -> None:
    unit, = make_task("mcq", per_document=1, words=100, min_words=20).units(prose_doc(PASSAGE))
    options = ["clay", "sand", "gravel", "silt"]
    for answer in ("B", "b.", "(B)", "B) sand", 1, "sand"):
        pair, = make_task("mcq").pairs({"question": "What?", "options": options, "answer": answer}, unit)
        assert pair["meta"]["answer"] == "B" and pair["output"] == "B"
    assert (pair["instruction"], pair["input"]) == ("What?", "A. clay\nB. sand\nC. gravel\nD. silt")


def test_mcq_options_are_shuffled_so_answer_letters_are_balanced() -> None:
    task = make_task("mcq", seed=3, per_document=1, words=100, min_words=20)
    unit, = task.units(prose_doc(PASSAGE))
    pairs = []
    for number in range(40):  # the model always puts the right answer first
        pair, = task.pairs({"question": f"Question {number}?", "options": [f"right {number}", "w1", "w2", "w3"],
                            "answer": "A"}, unit)
        pair["id"] = f"id{number:02d}"
        pairs.append(pair)
    five, = task.pairs({"question": "Five?", "options": ["right", "v", "w", "x", "y"], "answer": "A"}, unit)
    task.finish([*pairs, five])
    letters = Counter(p["meta"]["answer"] for p in pairs)
    assert letters == {"A": 10, "B": 10, "C": 10, "D": 10}
    for pair in pairs:
        options, answer = pair["meta"]["options"], pair["meta"]["answer"]
        assert options[ord(answer) - 65].startswith("right") and sorted(options[1:] + options[:1])[1:] == \
            ["w1", "w2", "w3"]
        assert f"{answer}. {options[ord(answer) - 65]}" in pair["input"] and pair["output"] == answer
    again = [dict(p, meta=dict(p["meta"], options=[f"right {n}", "w1", "w2", "w3"], answer="A"))
             for n, p in enumerate(pairs)]
    task.finish(again)
    assert [p["meta"]["options"] for p in again] == [p["meta"]["options"] for p in pairs]  # seeded: same order


# ---- recipes and templates --------------------------------------------------------------------------------
def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "gen.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_template_override_from_a_file_and_inline(tmp_path: Path) -> None:
    (tmp_path / "qa.txt").write_text("Ask about $title: $passage -> JSON {\"question\", \"answer\"}", "utf-8")
    recipe = load_generate_recipe(write(tmp_path, f"""
generate:
  input: corpus
  output: out
  {BACKEND}
  tasks:
    - geosignal_qa: {{template: qa.txt, per_document: 1, words: 100, min_words: 20}}
    - geosignal_summary: {{template: {{zh: "概括 $$passage：$passage"}}}}
"""))
    qa, summary = (entry.task for entry in recipe.tasks)
    unit, = qa.units(prose_doc(PASSAGE))
    assert qa.request(unit).messages[1][1].startswith("Ask about Aquifers: Confined")
    assert summary.template("zh").startswith("概括 $$passage") and "Summarise" in summary.template("en")


@pytest.mark.parametrize(("body", "expected"), [
    ("    - geosignal_qx: {}", "gen.yaml:7: generate.tasks[0].geosignal_qx: unknown task (did you mean "
                             "'geosignal_qa'?)"),
    ("    - geosignal_qa: {wrods: 3}", "gen.yaml:7: generate.tasks[0].geosignal_qa.wrods: unknown key (did you "
                                     "mean 'words'?)"),
    ("    - mcq: {options: 6}", "gen.yaml:7: generate.tasks[0].mcq.options"),
    ("    - geosignal_qa: {template: 'Use $passage and $nope'}", "unknown placeholder(s) nope"),
    ("    - geosignal_qa: {template: missing.txt}", "no such template file"),
    ("    - geosignal_qa: {verify: [{grounded: {no_such_key: 1}}]}", "gen.yaml:7: generate.tasks[0].geosignal_qa"
                                                                    ".verify[0].grounded: verifier 'grounded'"),
    ("    - geosignal_qa: {}\n  verify: [{nonexistent: {}}]", "gen.yaml:8: generate.verify[0].nonexistent: unknown "
                                                            "verifier"),
    ("    - geosignal_qa: {}\n  colour: red", "gen.yaml:8: generate.colour: unknown key"),
    ("    - geosignal_qa: {}\n    - geosignal_qa: {}", "listed twice"),
])
def test_recipe_problems_are_one_line_with_file_and_line(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, f"generate:\n  input: corpus\n  output: out\n  {BACKEND}\n  seed: 1\n  tasks:\n{body}\n")
    with pytest.raises(RecipeError) as caught:
        load_generate_recipe(path)
    rendered = [p.render("gen.yaml") for p in caught.value.problems]
    assert len(rendered) == 1 and "\n" not in rendered[0]
    assert expected in rendered[0], rendered


def test_bad_backend_is_a_recipe_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "generate:\n  input: c\n  output: o\n  backend: {type: openai, model: m}\n"
                           "  tasks: [{geosignal_qa: {}}]\n")
    with pytest.raises(RecipeError) as caught:
        load_generate_recipe(path)
    assert "gen.yaml:4: generate.backend.openai.base_url: required key is missing" in str(caught.value)


@pytest.mark.parametrize("name", ["geosignal_sft", "geocode_sft", "geobench_eval"])
def test_shipped_recipes_are_valid(name: str) -> None:
    recipe = load_generate_recipe(REPO / "recipes" / f"{name}.yaml")
    assert recipe.input.path == ["data/geocode_pt"] and recipe.backend.type == "openai"
    assert recipe.backend.base_url == "http://localhost:8000/v1" and recipe.tasks


def test_input_filters_by_kind_language_and_geo_score(tmp_path: Path) -> None:
    from geocorpus.generate.config import InputSpec
    from geocorpus.generate.inputs import InputError, read_documents

    records = [
        {"text": "Aquifers store groundwater in pores.", "kind": "web", "lang": "en", "scores": {"geo_score": 0.9}},
        {"text": "Aquifers store water.", "kind": "web", "lang": "en", "scores": {"geo_score": 0.1}},
        {"text": "含水层储存地下水。", "kind": "paper", "scores": {"geo_score": 0.8}},  # no lang: detected
        {"text": "import rasterio", "kind": "code", "lang": "en", "scores": {"geo_score": 0.95}},
        {"text": "No score at all.", "kind": "web", "lang": "en"},
    ]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    counts: Counter[str] = Counter()
    spec = InputSpec(path=[str(tmp_path / "*.jsonl")], kinds=["web", "paper"], langs=["en", "zh"], min_geo_score=0.5)
    kept = list(read_documents(spec, None, counts))
    assert [d.text for d in kept] == [records[0]["text"], records[2]["text"]]
    assert counts == {"read": 5, "kept": 2, "skipped:kind": 1, "skipped:geo_score": 2}
    assert len(list(read_documents(InputSpec(path=[str(tmp_path)], langs=["zh"]), None, Counter()))) == 1
    assert len(list(read_documents(InputSpec(path=[str(tmp_path)]), 2, Counter()))) == 2  # --limit
    with pytest.raises(InputError, match=r"holds no \.parquet or \.jsonl"):
        list(read_documents(InputSpec(path=[str(tmp_path / "missing")]), None, Counter()))


# ---- labelled replies (what small local models write) -----------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("Question: How deep is the water table?\nAnswer: It lies 12 m below the surface.\nCategory: hydrogeology",
     {"question": "How deep is the water table?", "answer": "It lies 12 m below the surface.",
      "category": "hydrogeology"}),
    ("Sure!\n\n**Question:** What bounds it?\n**Answer:**\nA clay layer\nabove the sand.",
     {"question": "What bounds it?", "answer": "A clay layer\nabove the sand."}),
    ("问题：什么是含水层？\n答案：含水层是储存地下水的岩层。\n类别：水文地质学",
     {"question": "什么是含水层？", "answer": "含水层是储存地下水的岩层。", "category": "水文地质学"}),
    ("1. True statement: Clay bounds it.\n2. False statement: Sand bounds it.\n3. Correction: It is clay.",
     {"true_statement": "Clay bounds it.", "false_statement": "Sand bounds it.", "correction": "It is clay."}),
    ("Summary: Ice flows. Ice flows. Ice flows.", {"summary": "Ice flows."}),  # a loop is cut at its repeat
    ('{\n  "question": "q?",\n  "answer": "a"\n  "category": "x"\n}',  # JSON with a missing comma
     {"question": "q?", "answer": "a", "category": "x"}),
])
def test_labelled_replies_are_read(text: str, expected: dict) -> None:
    assert parse_object(text) == expected


def test_labelled_multiple_choice_in_lines_or_inline() -> None:
    lines = parse_object("Question: Which rock?\nA) granite\nB) basalt\n   (fine-grained)\nC) shale\nD) marl\n"
                         "Answer: B\nExplanation: It is volcanic.")
    assert lines == {"question": "Which rock?", "options": ["granite", "basalt (fine-grained)", "shale", "marl"],
                     "answer": "B", "explanation": "It is volcanic."}
    inline = parse_object("问题：哪种岩石？\n选项：A) 花岗岩 B) 玄武岩 C) 页岩 D) 泥灰岩\n答案：B")
    assert inline["options"] == ["花岗岩", "玄武岩", "页岩", "泥灰岩"] and inline["answer"] == "B"
    unit, = make_task("mcq", per_document=1, words=100, min_words=20).units(prose_doc(PASSAGE))
    pair, = make_task("mcq").pairs(lines, unit)
    assert pair["meta"]["options"][1] == "basalt (fine-grained)" and pair["output"] == "B"


def test_labels_inside_code_do_not_end_a_value_and_json_in_code_does_not_hide_labels() -> None:
    reply = parse_object('Problem: Count wells.\nSolution:\n```python\nconfig = {"a": 1}\ntests: int = 0\n'
                         'A. = 1\n```\nTests:\n```python\nassert config["a"] == 1\n```')
    assert reply["problem"] == "Count wells." and reply["solution"].endswith("A. = 1\n```")
    assert reply["tests"] == '```python\nassert config["a"] == 1\n```'
    assert parse_object('Here: {"question": "q", "answer": "a"}\nQuestion: other') == {"question": "q", "answer": "a"}


@pytest.mark.parametrize("text", [
    "The passage is about glaciers. The answer is:\n\nThe answer is:",  # no label at a line start
    "Question: What happens when a well pumps?\n\nQuestion: What happens when a well pumps?",  # no answer
    "Questions: none\nAnswers: none",  # not the vocabulary
])
def test_replies_without_the_needed_labels_stay_unparseable(text: str) -> None:
    unit, = make_task("geosignal_qa", per_document=1, words=100, min_words=20).units(prose_doc(PASSAGE))
    with pytest.raises(Unparseable):
        make_task("geosignal_qa").pairs(parse_object(text), unit)


def test_the_worked_example_handed_back_is_not_a_pair_but_a_later_record_is() -> None:
    task = make_task("geosignal_qa", format="labelled", per_document=1, words=100, min_words=20)
    unit, = task.units(prose_doc(PASSAGE))
    example = [line for line in task.template("en").splitlines() if line.startswith(("Question:", "Answer:"))]
    assert len(example) == 2
    with pytest.raises(Unparseable, match="repeats the prompt's example"):
        task.pairs(parse_object("\n".join(example)), unit)
    pair, = task.pairs(parse_object("\n".join(example) + "\n\nQuestion: What bounds the aquifer?\n"
                                    "Answer: A clay layer.\n\nQuestion: What bounds the aquifer?"), unit)
    assert (pair["instruction"], pair["output"]) == ("What bounds the aquifer?", "A clay layer.")


@pytest.mark.parametrize("name", [n for n in tasks() if n != "geosignal_extraction"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_labelled_templates_exist_ask_for_labels_and_parse_their_own_example(name: str, lang: str) -> None:
    """Each labelled template's worked example, answered as is, parses into this task's fields (and is then
    refused as the example): the labels the template teaches are the ones the parser reads."""
    from geocorpus.generate.tasks.base import shipped
    from geocorpus.generate.tasks.labelled import _LABEL, FIELD_OF

    task = make_task(name, format="labelled", lang=lang)
    template = task.template(lang)
    assert template == shipped(name, "labelled", lang) and "JSON" not in template
    lines = template.splitlines()
    start = next(i for i, line in enumerate(lines) if "example" in line or "例" in line) + 1
    example = "\n".join(lines[start: lines.index("", start)])
    reply = parse_object(example)
    labels = {FIELD_OF[m.group(2).lower()] for m in map(_LABEL.match, example.splitlines()) if m}
    assert labels and labels <= set(reply) | {"options"}, (labels, reply)


def test_format_picks_template_system_and_json_mode() -> None:
    unit, = make_task("geosignal_qa", per_document=1, words=100, min_words=20).units(prose_doc(PASSAGE))
    labelled = make_task("geosignal_qa", format="labelled").request(unit)
    assert not labelled.json_mode and "Question:" in labelled.messages[1][1]
    assert "JSON" not in labelled.messages[0][1] and "labelled format" in labelled.messages[0][1]
    assert make_task("geosignal_qa").request(unit).json_mode  # JSON stays the default
    with pytest.raises(ValueError, match="asks for JSON only"):
        make_task("geosignal_extraction", format="labelled")
