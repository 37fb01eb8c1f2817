"""The geoscience classifier: training from files/globs/JSONL/Parquet/datasets, the CLI, the step, the
shipped model."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import FILLER, REPO, TOPICS, article

from geocorpus.classify.fasttext import GEO_MODEL, geo_scores, load
from geocorpus.classify.geo_score import GeoScore, GeoScoreParams
from geocorpus.classify.inputs import InputError, read_texts
from geocorpus.classify.metrics import evaluate, roc_auc
from geocorpus.document import Document

GENERAL = {
    "football": "match goal striker league season coach fans stadium penalty referee transfer club",
    "cooking": "recipe oven flour butter sugar bake dinner sauce garlic onions pan taste kitchen",
    "markets": "shares investors earnings profit quarter bank inflation stocks dividend merger revenue",
}


def general_article(rng: random.Random, topic: str, words: int = 120) -> str:
    vocabulary = GENERAL[topic].split()
    tokens = [rng.choice(vocabulary if rng.random() < 0.45 else FILLER) for _ in range(words)]
    return " ".join(tokens).capitalize() + "."


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Geoscience texts as .txt files and Parquet; general texts as JSONL and a saved `datasets` dir."""
    import datasets

    root = tmp_path_factory.mktemp("classifier")
    rng = random.Random(5)
    (root / "geo").mkdir()
    for i in range(60):
        (root / "geo" / f"{i:03d}.txt").write_text(article(rng, rng.choice(sorted(TOPICS)), 120), encoding="utf-8")
    pq.write_table(pa.table({"text": [article(rng, "glaciology", 100) for _ in range(20)]}), root / "geo.parquet")
    general = [general_article(rng, rng.choice(sorted(GENERAL))) for _ in range(60)]
    (root / "general.jsonl").write_text("\n".join(json.dumps({"text": t}) for t in general[:40]), encoding="utf-8")
    datasets.Dataset.from_dict({"text": general[40:]}).save_to_disk(str(root / "general_ds"))
    return root


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geocorpus.cli", "classifier", *args], input=stdin,
                          capture_output=True, text=True, cwd=REPO, timeout=120)


def test_inputs_read_files_globs_parquet_jsonl_and_datasets(corpus: Path) -> None:
    assert len(list(read_texts(str(corpus / "geo")))) == 60
    assert len(list(read_texts(str(corpus / "geo" / "00*.txt")))) == 10
    assert len(list(read_texts(str(corpus / "geo.parquet")))) == 20
    assert len(list(read_texts(str(corpus / "general.jsonl")))) == 40
    assert len(list(read_texts(str(corpus / "general_ds")))) == 20
    with pytest.raises(InputError, match="no such file"):
        list(read_texts(str(corpus / "nothing*.txt")))
    with pytest.raises(InputError, match="no string field 'body'"):
        list(read_texts(str(corpus / "general.jsonl"), text_field="body"))


def test_auc_and_report_match_hand_computed_values() -> None:
    labels = np.array([True, True, False, False, True])
    assert roc_auc(np.array([0.9, 0.8, 0.3, 0.8, 0.1]), labels) == pytest.approx((2 + 1.5 + 0) / 6)
    report = evaluate([0.9, 0.8, 0.3, 0.8, 0.1], labels.tolist())
    assert (report.precision, report.recall) == (pytest.approx(2 / 3), pytest.approx(2 / 3))


def test_train_and_score_from_the_command_line_then_use_the_model_in_a_step(corpus: Path, tmp_path: Path) -> None:
    model = tmp_path / "tiny.ftz"
    trained = run_cli("train", "-p", str(corpus / "geo"), "-p", str(corpus / "geo.parquet"),
                      "-n", str(corpus / "general.jsonl"), "-n", str(corpus / "general_ds"),
                      "-o", str(model), "--epoch", "5", "--dim", "8", "--test-fraction", "0.25")
    assert trained.returncode == 0, trained.stderr
    assert "read 80 positive and 60 negative texts" in trained.stderr
    held_out = trained.stdout.splitlines()[-1]
    assert held_out.startswith("held-out:") and "AUC" in held_out
    assert float(held_out.rsplit("AUC ", 1)[1]) > 0.9
    assert model.is_file() and model.stat().st_size < 2_000_000

    rng = random.Random(11)
    lines = [json.dumps({"text": article(rng, "seismology", 60)}), general_article(rng, "cooking", 60)]
    scored = run_cli("score", "--model", str(model), "-", stdin="\n".join(lines) + "\n")
    assert scored.returncode == 0, scored.stderr
    geo, other = (float(v) for v in scored.stdout.split())
    assert geo > 0.5 > other

    step = GeoScore(GeoScoreParams(model=str(model), min_score=0.5))
    kept = step.process(Document(id="g", text=article(rng, "groundwater", 80), kind="web", source="t"))
    dropped = step.process(Document(id="o", text=general_article(rng, "markets", 80), kind="web", source="t"))
    assert kept.rejection is None and kept.scores["geo_score"] > 0.5
    assert dropped.rejection[0] == "geo_score:low_score" and dropped.scores["geo_score"] < 0.5


def test_cli_errors_are_one_line_with_exit_code_2(tmp_path: Path) -> None:
    missing = run_cli("train", "-p", str(tmp_path / "none*.txt"), "-n", str(tmp_path), "-o", str(tmp_path / "m"))
    assert missing.returncode == 2 and missing.stderr.strip().count("\n") == 0
    assert "no such file, directory or matching glob" in missing.stderr
    no_input = run_cli("score", str(tmp_path / "absent.jsonl"))
    assert no_input.returncode == 2 and "no such file" in no_input.stderr


def test_shipped_model_separates_the_sample_geoscience_pages_from_general_prose() -> None:
    """The shipped model never saw recipes/samples (see scripts/build_geo_model.py). Pages are extracted the
    way a build extracts them (Markdown), and the default threshold 0.5 keeps most of them."""
    from geocorpus.extract.html import extract_html

    assert GEO_MODEL.is_file() and GEO_MODEL.stat().st_size < 5_000_000
    pages = sorted((REPO / "recipes" / "samples" / "geocode_pt" / "web").glob("*.html"))
    geo = [t for t in (extract_html(p.read_bytes())[0] for p in pages) if len(t) > 800]
    general = [(REPO / "README.md").read_text(encoding="utf-8"),
               "The council approved the new budget on Tuesday after a long debate about school funding, "
               "road repairs and the salaries of city employees. The mayor said taxes would not rise this year.",
               "I finally tried the sourdough recipe my grandmother left me. The crust came out crisp and the "
               "crumb was soft; next weekend I will bake two loaves and bring one to my neighbours."]
    scores = geo_scores(load(str(GEO_MODEL)), geo + general)
    assert roc_auc(np.array(scores), np.array([True] * len(geo) + [False] * len(general))) >= 0.95
    assert len(geo) >= 10 and sum(s >= 0.5 for s in scores[:len(geo)]) >= 0.8 * len(geo)
    assert max(scores[len(geo):]) < 0.5


def _build_scripts() -> None:
    if str(REPO / "scripts") not in sys.path:
        sys.path.insert(0, str(REPO / "scripts"))


def test_gcide_senses_keep_earth_science_senses_and_leave_geometry_out(tmp_path: Path) -> None:
    """The GCIDE reader that picks the geology-labelled senses, on a two-entry dictd dictionary made here."""
    import gzip

    _build_scripts()
    import geo_model_sources as src

    entries = ['Dike \\Dike\\, n.\n   1. A ditch.\n   [1913 Webster]\n\n   4. (Geol.) A wall-like mass of mineral '
               'matter, usually an intrusion of igneous rocks, filling up fissures.\n   [1913 Webster]',
               'Abscissa \\Ab*scis"sa\\, n. (Geom.)\n   One of the elements of reference by which a point is '
               'referred to a system of axes.\n   [1913 Webster]']
    body, index, offset = b"", [], 0
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    for entry in entries:
        data = entry.encode()
        index.append(f"{entry.split()[0]}\t{alphabet[offset // 64]}{alphabet[offset % 64]}\t{alphabet[len(data) // 64]}"
                     f"{alphabet[len(data) % 64]}")
        body, offset = body + data, offset + len(data)
    (tmp_path / "d.index").write_text("\n".join(index) + "\n", encoding="utf-8")
    (tmp_path / "d.dict.dz").write_bytes(gzip.compress(body))
    geo = list(src.gcide_senses(tmp_path / "d.index", tmp_path / "d.dict.dz", geo=True))
    assert geo == ["Dike: 4. (Geol.) A wall-like mass of mineral matter, usually an intrusion of igneous rocks, "
                   "filling up fissures."]
    other = list(src.gcide_senses(tmp_path / "d.index", tmp_path / "d.dict.dz", geo=False))
    assert len(other) == 1 and other[0].startswith("Abscissa , n. (Geom.) One of the elements")


def test_chinese_notes_are_read_from_docstrings_and_comments_of_a_wheel(tmp_path: Path) -> None:
    import zipfile

    _build_scripts()
    import geo_model_sources as src

    module = ('def rain(x):\n    """计算站点的累积降水量，单位为毫米。\n\n    Parameters: x (array)\n    """\n'
              '    # 剔除缺测值，再按时次求和得到日降水量\n    return x.sum()  # plain English comment\n')
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo/rain.py", module)
        archive.writestr("demo/tests/test_rain.py", "# 测试用例不读取，测试用例不读取，测试用例不读取，测试用例不读取")
    notes = list(src.wheel_cjk_notes(wheel, min_chars=10))
    assert notes == ["计算站点的累积降水量，单位为毫米。\n剔除缺测值，再按时次求和得到日降水量"]


def test_evaluation_slices_cut_sentences_and_passages_by_source() -> None:
    _build_scripts()
    from geo_model_eval import HeldOut, build_slices, passages, sentences

    text = ("Glaciers erode their beds by plucking and abrasion, leaving U-shaped valleys behind them. "
            "Short one. import numpy as np\n\n" + " ".join(["Moraines record the former extent of the ice."] * 30))
    assert sentences(text, "en")[0] == ("Glaciers erode their beds by plucking and abrasion, leaving U-shaped "
                                        "valleys behind them.")
    assert "Short one." not in sentences(text, "en")
    assert sentences("河流的侵蚀作用塑造了峡谷地貌。\nx = 1", "zh") == ["河流的侵蚀作用塑造了峡谷地貌。"]
    assert all(100 <= len(p.split()) <= 400 for p in passages(text))
    sources = [HeldOut("geo", True, "en", "prose", lambda: iter([text])),
               HeldOut("news", False, "en", "prose", lambda: iter(["The council met on Tuesday to approve "
                                                                    "the budget for the new school year."]))]
    names = {s.name: (len(s.geo), len(s.general)) for s in build_slices(sources)}
    assert names["all held-out sources (whole texts)"] == (1, 1)
    assert names["en short (sentences, 8-40 tokens)"][1] == 1
    assert names["exam-style questions vs news/blog sentences (hand-written probe)"] == (16, 16)
    assert not any(name.startswith("final check") for name in names)  # read only when asked for
    final = build_slices(sources, final=True)[-1]
    assert final.name.startswith("final check") and (len(final.geo), len(final.general)) == (48, 48)
    assert sum(text.endswith(("?", "？")) for text in final.general) >= 20  # the general side asks questions too


def test_question_and_instruction_words_are_dropped_in_training_and_scoring_alike() -> None:
    """Form words carry no topic, so they are gone from what the model sees; everything else is kept."""
    from geocorpus.classify.text import prepare, words

    assert prepare("Why do S-waves not travel through the liquid outer core?") == (
        "do s waves not travel through the liquid outer core")
    assert prepare("EXPLAIN: Describe how a hanging valley forms.") == "a hanging valley forms"
    assert prepare("简述板块构造学说的主要观点。为什么玄武岩呈细粒结构？") == (
        "板 块 构 造 学 说 的 主 要 观 点 玄 武 岩 呈 细 粒 结 构")
    assert words("Why is it?") == ["why", "is", "it"]  # evaluation counts lengths with every word
    assert prepare("somewhat showhow whatever") == "somewhat showhow whatever"  # whole words only


def test_shipped_model_ranks_exam_style_questions_above_news_sentences() -> None:
    """The issue checks exam questions against news and blogs. The hand-written probe in geo_model_eval is a
    guard, not the target: the model built with unigrams and 15 epochs scored 0.66 here, the one with question
    words kept 0.76, the shipped one 0.86; the issue's 0.95 is not reached (geocorpus/classify/models/README.md)."""
    _build_scripts()
    from geo_model_eval import exam_probe

    probe = exam_probe()
    scores = geo_scores(load(str(GEO_MODEL)), probe.geo + probe.general)
    assert roc_auc(np.array(scores), np.array([True] * len(probe.geo) + [False] * len(probe.general))) >= 0.8
    assert max(scores[len(probe.geo):]) < 0.5  # no news or blog sentence is taken for geoscience
