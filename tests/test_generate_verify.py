"""Verifiers on real-looking generated pairs: each passes the good ones and fails the bad ones for the right reason."""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

import pytest

from geocorpus.generate.verify import Check, Verifier, build_verifiers, register_verifier, verifier_names

PASSAGE = ("The Wenchuan earthquake of 12 May 2008 had a moment magnitude of 7.9 and ruptured about 240 km of the "
           "Longmenshan fault zone. Coseismic uplift reached 4.9 m near Beichuan, and more than 1,200 m of "
           "landslide run-out was mapped from Landsat-8 and SPOT imagery. The thrust dips 35 degrees to the "
           "northwest beneath the Tibetan Plateau.")
ZH_PASSAGE = ("汶川地震发生于2008年5月12日，矩震级为7.9级，沿龙门山断裂带破裂长度约240公里。"
              "北川附近同震抬升达到4.9米，滑坡运移距离超过1200米。")


def pair(**fields) -> dict:
    base = {"id": uuid.uuid4().hex[:12], "task": "geosignal_qa", "type": "qa", "category": "geophysics",
            "instruction": "", "input": "", "output": "", "lang": "en", "source_id": "doc-1", "context": PASSAGE,
            "meta": {}, "verification": {}}
    return {**base, **fields}


def run(name: str, pairs: list[dict], **params) -> list[Check]:
    (verifier,) = build_verifiers([{name: params or None}])
    checks = verifier.verify(pairs)
    assert len(checks) == len(pairs)
    json.dumps([c.details for c in checks])  # evidence must be JSON-able for the Parquet output
    return checks


# --- building ---------------------------------------------------------------------------------------------------

def test_all_verifiers_are_registered():
    assert set(verifier_names()) >= {"grounded", "executes", "rouge_dedup", "length", "refusal", "keywords",
                                     "mcq_format", "decontaminate"}


@pytest.mark.parametrize(("spec", "words"), [
    ({"groundd": {}}, ["unknown verifier 'groundd'", "grounded"]),
    ({"grounded": {"min_fact_recal": 0.5}}, ["verifier 'grounded'", "unknown key 'min_fact_recal'"]),
    ({"rouge_dedup": {"threshold": 1.5}}, ["verifier 'rouge_dedup'", "threshold"]),
    ({"length": {"min_output_words": 10, "max_output_words": 5}}, ["verifier 'length'", "minimum"]),
    ({"decontaminate": {"eval_sets": ["/nonexistent/geobench.json"]}}, ["verifier 'decontaminate'", "eval_sets"]),
    ({"refusal": "yes"}, ["verifier 'refusal'", "mapping"]),
    ({"a": {}, "b": {}}, ["one key"]),
])
def test_build_errors_are_one_line_naming_verifier_and_key(spec, words):
    with pytest.raises(ValueError) as caught:
        build_verifiers([spec])
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_build_keeps_order_and_defaults():
    built = build_verifiers([{"length": None}, {"rouge_dedup": {"threshold": 0.8}}, {"refusal": {}}])
    assert [v.name for v in built] == ["length", "rouge_dedup", "refusal"]
    assert built[1].params.threshold == 0.8


def test_register_rejects_a_taken_name():
    with pytest.raises(ValueError, match="already taken"):
        @register_verifier("length")
        class Other(Verifier):
            def verify(self, pairs):
                return []


# --- grounded ---------------------------------------------------------------------------------------------------

def test_grounded_passes_a_faithful_answer_with_reformatted_numbers():
    good = pair(instruction="How much uplift and run-out did the Wenchuan earthquake cause?",
                output="Uplift reached 4.90 m near Beichuan, and landslide run-out exceeded 1200 m on the "
                       "Longmenshan fault zone.")
    (check,) = run("grounded", [good])
    assert check.passed, check
    assert check.details["missing_numbers"] == [] and check.details["word_recall"] >= 0.5


def test_grounded_fails_invented_numbers_and_names_listing_them():
    bad_number = pair(instruction="What was the magnitude?", output="It had a moment magnitude of 8.3 and 300 km "
                                                                    "of rupture on the Longmenshan fault.")
    bad_name = pair(instruction="Which data were used?",
                    output="Sentinel-2 and ASTER imagery over the Andes mapped the landslides.")
    number_check, name_check = run("grounded", [bad_number, bad_name])
    assert not number_check.passed and number_check.reason == "ungrounded_numbers"
    assert number_check.details["missing_numbers"] == ["300", "8.3"]
    assert not name_check.passed and name_check.reason == "ungrounded_facts"
    assert set(name_check.details["missing_names"]) >= {"ASTER", "Andes", "Sentinel-2"}


def test_grounded_fails_an_off_topic_answer_on_word_recall():
    off = pair(instruction="Explain the earthquake.", output="Volcanic ash layers preserve pollen that records "
                                                           "vegetation shifts during glacial cycles.")
    (check,) = run("grounded", [off])
    assert not check.passed and check.reason == "low_word_recall" and "pollen" in check.details["missing_words"]
    assert run("grounded", [off], min_word_recall=0.0)[0].passed


def test_grounded_chinese_uses_character_bigrams():
    good = pair(lang="zh", context=ZH_PASSAGE, instruction="汶川地震的震级是多少？",
                output="汶川地震的矩震级为7.9级，龙门山断裂带破裂约240公里。")
    bad = pair(lang="zh", context=ZH_PASSAGE, instruction="汶川地震的影响？",
               output="青藏高原东缘的冰川退缩导致湖泊面积扩大。")
    invented = pair(lang="zh", context=ZH_PASSAGE, instruction="抬升多少？", output="北川附近同震抬升达到6.2米。")
    good_check, bad_check, invented_check = run("grounded", [good, bad, invented])
    assert good_check.passed, good_check
    assert not bad_check.passed and bad_check.reason == "low_bigram_recall"
    assert not invented_check.passed and invented_check.details["missing_numbers"] == ["6.2"]


def test_grounded_checks_the_correct_option_of_an_mcq_and_needs_a_context():
    mcq = pair(task="mcq", output="B", meta={"question": "What was the magnitude?", "answer": "B",
                                             "options": ["6.1", "7.9", "8.4", "5.5"]})
    wrong = pair(task="mcq", output="C", meta={"question": "What was the magnitude?", "answer": "C",
                                               "options": ["6.1", "7.9", "8.4", "5.5"]})
    orphan = pair(context="", output="Uplift reached 4.9 m.")
    ok, bad, none = run("grounded", [mcq, wrong, orphan])
    assert ok.passed and not bad.passed and bad.details["missing_numbers"] == ["8.4"]
    assert none.reason == "no_context"


# --- executes ---------------------------------------------------------------------------------------------------

HAVERSINE = '''Here is a solution:

```python
import math

def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance on a spherical Earth of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))
```

It uses the haversine formula.'''
HAVERSINE_TESTS = "assert abs(haversine_km(0, 0, 0, 1) - 111.19) < 0.01\nassert haversine_km(10, 10, 10, 10) == 0\n"


def code_pair(output: str, tests: str = "", language: str = "python") -> dict:
    return pair(task="codegen", instruction="Write a function computing great-circle distance in km.",
                output=output, context="", meta={"language": language, "tests": tests})


def test_executes_runs_code_with_its_tests_in_the_sandbox():
    good = code_pair(HAVERSINE, HAVERSINE_TESTS)
    wrong = code_pair(HAVERSINE.replace("6371", "6000"), HAVERSINE_TESTS)
    untested = code_pair(HAVERSINE)
    broken = code_pair("```python\ndef haversine_km(lat1, lon1:\n    pass\n```")
    checks = run("executes", [good, wrong, untested, broken], timeout_s=20)
    assert checks[0].passed and checks[0].details["executed"] and checks[0].details["status"] == "passed"
    assert checks[0].details["tests"] is True
    assert not checks[1].passed and checks[1].reason == "failed"
    assert "AssertionError" in checks[1].details["stderr_tail"]
    assert checks[2].passed and checks[2].details["tests"] is False
    assert not checks[3].passed and checks[3].reason == "syntax_error" and checks[3].details["executed"] is False


def test_executes_requires_tests_when_asked_and_skips_other_languages_honestly():
    r_code = code_pair("```r\nlibrary(sf)\nst_read('x.shp')\n```", language="r")
    js_fence = code_pair("```javascript\nconsole.log(1)\n```")
    untested = code_pair(HAVERSINE)
    r_check, js_check, untested_check = run("executes", [r_code, js_fence, untested], require_tests=True)
    assert r_check.passed and r_check.details == {"executed": False, "why": "r code is not executed"}
    assert js_check.passed and js_check.details["executed"] is False and "javascript" in js_check.details["why"]
    assert not untested_check.passed and untested_check.reason == "no_tests"


def test_executes_holds_hostile_generated_code(tmp_path):
    outside = Path(f"/tmp/outside-{uuid.uuid4().hex}")
    loop = code_pair("```python\nwhile True:\n    pass\n```")
    writer = code_pair(f"```python\nopen('{outside}', 'w').write('pwned')\n```")
    shell = code_pair(f"```python\nimport os\nos.system('touch {outside}')\n```")
    cheat = code_pair("```python\nimport os\nos._exit(0)\n```", tests="assert False\n")
    checks = run("executes", [loop, writer, shell, cheat], timeout_s=1.5, cpu_s=5)
    assert [c.reason for c in checks] == ["timeout", "failed", "failed", "failed"]
    assert "PermissionError" in checks[1].details["stderr_tail"]
    assert not outside.exists()


# --- rouge_dedup ------------------------------------------------------------------------------------------------

INSTRUCTIONS = [
    "Explain how the Wenchuan earthquake ruptured the Longmenshan fault zone.",
    "Explain how the Wenchuan earthquake ruptured the Longmenshan fault.",  # near copy of the first
    "List the satellite sensors used to map landslides after the earthquake.",
    "What was the maximum coseismic uplift near Beichuan?",
    "List the satellite sensors that were used to map landslides after the earthquake.",  # near copy of the third
]


def test_rouge_dedup_drops_near_copies_of_earlier_pairs():
    pairs = [pair(id=f"p{i}", instruction=text) for i, text in enumerate(INSTRUCTIONS)]
    checks = run("rouge_dedup", pairs)
    assert [c.passed for c in checks] == [True, False, True, True, False]
    assert checks[1].details["duplicate_of"] == "p0" and checks[1].details["rouge_l"] >= 0.7
    assert checks[4].details["duplicate_of"] == "p2"


def test_rouge_dedup_is_order_independent_and_deterministic():
    pairs = [pair(id=f"p{i}", instruction=text) for i, text in enumerate(INSTRUCTIONS * 3)]
    verdict = {p["id"]: c.passed for p, c in zip(pairs, run("rouge_dedup", pairs), strict=True)}
    shuffled = pairs[:]
    random.Random(7).shuffle(shuffled)
    again = {p["id"]: c.passed for p, c in zip(shuffled, run("rouge_dedup", shuffled), strict=True)}
    assert verdict == again and sum(verdict.values()) == 3


def test_rouge_dedup_matches_rouge_score_and_handles_chinese():
    from rouge_score import rouge_scorer

    # the prefix filter must not miss a pair that rouge_score itself scores above the threshold
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(40)]
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(4, 12))) for _ in range(120)]
    texts += [t.rsplit(" ", 1)[0] for t in texts[:40]]  # near copies
    pairs = [pair(id=f"{i:04d}", instruction=t) for i, t in enumerate(texts)]
    checks = run("rouge_dedup", pairs, threshold=0.6)
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    kept: list[str] = []
    expected = []
    for text in texts:
        duplicate = any(scorer.score(k, text)["rougeL"].fmeasure >= 0.6 for k in kept)
        expected.append(not duplicate)
        if not duplicate:
            kept.append(text)
    assert [c.passed for c in checks] == expected
    zh = [pair(id="a", instruction="解释汶川地震如何使龙门山断裂带破裂"),
          pair(id="b", instruction="解释汶川地震如何使龙门山断裂破裂"),
          pair(id="c", instruction="列出用于绘制滑坡分布的卫星传感器")]
    assert [c.passed for c in run("rouge_dedup", zh)] == [True, False, True]


# --- length, refusal, keywords ----------------------------------------------------------------------------------

def test_length_bounds_in_words_and_chinese_characters():
    ok = pair(instruction="What was the magnitude of the Wenchuan earthquake?", output="7.9")
    short = pair(instruction="Magnitude?", output="7.9")
    zh = pair(instruction="汶川地震的震级是多少？", output="7.9级")
    long = pair(instruction="Describe the fault.", output="word " * 50)
    checks = run("length", [ok, short, zh, long], max_output_words=40)
    assert [c.reason for c in checks] == [None, "instruction_too_short", None, "output_too_long"]
    assert checks[2].details["instruction_words"] == 11


def test_refusal_catches_english_and_chinese_refusals_only():
    pairs = [pair(output="As an AI language model, I cannot access the passage."),
             pair(output="I’m sorry, but I can’t help with that request."),
             pair(output="作为一个人工智能，我无法回答这个问题。"),
             pair(output="The thrust dips 35 degrees; seismologists cannot yet resolve the deeper geometry."),
             pair(output="断层倾角为35度，向西北倾斜。")]
    checks = run("refusal", pairs)
    assert [c.passed for c in checks] == [False, False, False, True, True]
    assert checks[0].details["phrase"].startswith("as an ai")


def test_keywords_keep_gis_vocabulary_and_drop_references_to_figures():
    pairs = [pair(instruction="Plot the landslide map and reproject the shapefile to UTM."),
             pair(instruction="Describe the structures shown in the figure below."),
             pair(instruction="根据图片描述断层的位置。"),
             pair(instruction="在地图中标出龙门山断裂带的位置。"),
             pair(instruction="Go to the USGS website and download the catalogue.")]
    checks = run("keywords", pairs)
    assert [c.passed for c in checks] == [True, False, False, True, False]
    assert checks[4].details["keyword"] == "go to"
    assert not run("keywords", pairs[:1], extra_words=["shapefile"])[0].passed


# --- mcq_format -------------------------------------------------------------------------------------------------

def mcq(options, answer="B", question="Which fault zone ruptured in the 2008 Wenchuan earthquake?", output=None):
    return pair(task="mcq", instruction=question, output=output or answer,
                meta={"question": question, "options": options, "answer": answer})


def test_mcq_format_accepts_good_items_and_names_each_defect():
    good = ["Xianshuihe fault", "Longmenshan fault zone", "Red River fault", "Altyn Tagh fault"]
    items = [mcq(good), mcq(good + ["Kunlun fault"], answer="E"), mcq(good[:3]), mcq([*good[:3], " "]),
             mcq([*good[:3], "xianshuihe  FAULT"]), mcq(good, answer="F"), mcq(good, output="C"),
             mcq(good, question="The Longmenshan fault zone ruptured in 2008; which fault zone ruptured?"),
             mcq(good, question="  "), pair(task="mcq", instruction="Q?", meta={})]
    reasons = [c.reason for c in run("mcq_format", items)]
    assert reasons == [None, None, "option_count", "empty_option", "duplicate_options", "answer_out_of_range",
                       "answer_mismatch", "answer_in_stem", "empty_stem", "no_options"]


# --- decontaminate ----------------------------------------------------------------------------------------------

def test_decontaminate_drops_pairs_copying_an_eval_item(tmp_path):
    item = {"id": "geobench-17", "question": "Which fault zone ruptured during the 2008 Wenchuan earthquake in "
                                             "Sichuan province of China?",
            "choices": ["Longmenshan", "Xianshuihe", "Red River", "Altyn Tagh"], "answer": "A"}
    eval_file = tmp_path / "geobench.jsonl"
    eval_file.write_text(json.dumps(item) + "\n", encoding="utf-8")
    copied = pair(instruction="Which fault zone ruptured during the 2008 Wenchuan earthquake in Sichuan "
                              "province of China? Answer briefly.", output="Longmenshan.")
    fresh = pair(instruction="How far did landslides run out after the earthquake?", output="More than 1,200 m.")
    checks = run("decontaminate", [copied, fresh], eval_sets=[str(eval_file)])
    assert not checks[0].passed and checks[0].reason == "contaminated"
    assert checks[0].details["item"] == "geobench-17" and checks[0].details["benchmark"] == "geobench"
    assert checks[1].passed and checks[1].details["hits"] == 0
