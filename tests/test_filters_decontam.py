"""Decontamination against evaluation sets in their native formats, with planted, lightly edited items."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from conftest import article
from pydantic import ValidationError

from geocorpus.document import Document
from geocorpus.filters.decontam import Decontaminate, DecontamParams
from geocorpus.filters.eval_sets import load_eval_items

NPEE = {
    "noun": {"question": ["岩石圈", "Isostasy"],
             "answer": ["岩石圈是地球上部相对于软流圈而言的坚硬的岩石圈层，"
                        "包括地壳的全部和上地幔的顶部，由花岗质岩、玄武质岩和超基性岩组成。",
                        "The state of gravitational equilibrium between the lithosphere and the asthenosphere "
                        "such that tectonic plates float at an elevation that depends on their thickness "
                        "and density."]},
    "choice": {"question": ["Which process forms a rift valley where two continental plates move apart from each "
                            "other? A. subduction B. divergence C. transform faulting D. obduction"],
               "answer": ["B"]},
}
APSTUDY = [
    {"id": "ap-1", "question": {"stem": "Which type of rock forms when magma cools slowly deep beneath the surface "
                                        "of the Earth, producing large visible crystals?",
                                "choices": [{"text": "intrusive igneous rock", "label": "A"},
                                            {"text": "clastic sedimentary rock", "label": "B"}]}, "answerKey": "A"},
    {"id": "ap-2", "question": {"stem": "What is the main driver of deep ocean thermohaline circulation in the "
                                        "North Atlantic during winter months?",
                                "choices": [{"text": "dense cold salty water sinking", "label": "A"}]},
     "answerKey": "A"},
]
GEOCODE = [
    {"Instruction": "Write a Python function that reads a GeoTIFF with rasterio and returns the mean NDVI "
                    "computed from the red and near infrared bands.", "Input": "",
     "Output": "def mean_ndvi(path):\n    with rasterio.open(path) as src:\n        red = src.read(3).astype(float)\n"
               "        nir = src.read(4).astype(float)\n    return float(((nir - red) / (nir + red)).mean())"},
]
CSV_ROWS = [{"question": "In a confined aquifer the potentiometric surface lies above the top of the aquifer "
                         "because the water is under what condition?",
             "A": "artesian pressure", "B": "capillary tension", "answer": "A"}]


@pytest.fixture
def eval_files(tmp_path: Path) -> list[str]:
    (tmp_path / "geobench_npee.json").write_text(json.dumps(NPEE, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "geobench_apstudy.json").write_text(json.dumps(APSTUDY), encoding="utf-8")
    (tmp_path / "geocode_eval.jsonl").write_text("\n".join(json.dumps(r) for r in GEOCODE), encoding="utf-8")
    with (tmp_path / "hydro_mcq.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CSV_ROWS[0]))
        writer.writeheader()
        writer.writerows(CSV_ROWS)
    return [str(p) for p in sorted(tmp_path.iterdir())]


def page(planted: str, seed: int = 3) -> Document:
    rng = random.Random(seed)
    text = f"{article(rng, 'plate tectonics', 150)}\n\n{planted}\n\n{article(rng, 'seismology', 150)}"
    return Document(id=f"p{seed}", text=text, kind="web", source="t")


def step(files: list[str], **params: object) -> Decontaminate:
    return Decontaminate(DecontamParams.model_validate({"eval_sets": files, **params}))


def test_native_formats_are_read(eval_files: list[str]) -> None:
    items = {Path(f).stem: load_eval_items(Path(f)) for f in eval_files}
    assert [i.item_id for i in items["geobench_npee"]] == ["noun:0", "noun:1", "choice:0"]
    assert items["geobench_apstudy"][0].segments[1] == "intrusive igneous rock"
    assert items["geocode_eval"][0].segments[0].startswith("Write a Python function")
    assert items["hydro_mcq"][0].segments == (CSV_ROWS[0]["question"], "A", "artesian pressure", "capillary tension")


@pytest.mark.parametrize(("planted", "bench", "item"), [
    # case and punctuation changed, one word replaced
    ("QUESTION: which type of rock forms when magma cools SLOWLY deep beneath the surface of the earth — "
     "producing large, visible crystals? (a) intrusive igneous rock", "geobench_apstudy", "ap-1"),
    # a word inserted, options reformatted
    ("Which process forms a rift valley where two continental plates move apart from each other? "
     "a) subduction b) divergence c) transform faulting d) obduction", "geobench_npee", "choice:0"),
    # Chinese answer with two characters changed
    ("岩石圈是地球上部相对于软流圈而言的坚硬的岩石圈层，包括地壳的全部和上地幔顶部，由花岗质岩、玄武岩和超基性岩组成。",
     "geobench_npee", "noun:0"),
    # code with renamed variables in places
    ("def mean_ndvi(path):\n    with rasterio.open(path) as dataset:\n        red = src.read(3).astype(float)\n"
     "        nir = src.read(4).astype(float)\n    return float(((nir - red) / (nir + red)).mean())",
     "geocode_eval", "0"),
    ("In a confined aquifer, the potentiometric surface lies above the top of the aquifer because the water "
     "is under what condition", "hydro_mcq", "0"),
])
def test_planted_items_with_light_edits_are_caught(eval_files: list[str], planted: str, bench: str,
                                                   item: str) -> None:
    judged = step(eval_files).process(page(planted))
    assert judged.rejection is not None and judged.rejection[0] == "decontaminate:contaminated"
    assert judged.meta["decontam"]["benchmark"] == bench and judged.meta["decontam"]["item"] == item
    assert judged.scores["decontam_hits"] >= 1


def test_clean_documents_pass_and_flag_mode_keeps_with_meta(eval_files: list[str]) -> None:
    clean = step(eval_files).process(page("Rift valleys form where plates diverge, as in East Africa.", seed=9))
    assert clean.rejection is None and clean.scores["decontam_hits"] == 0 and "decontam" not in clean.meta
    planted = page("What is the main driver of deep ocean thermohaline circulation in the North Atlantic during "
                   "winter months?")
    flagged = step(eval_files, action="flag").process(planted)
    assert flagged.rejection is None and flagged.meta["decontam"]["item"] == "ap-2"
    assert 0 < flagged.scores["decontam_overlap"] <= 1


def test_missing_or_unreadable_eval_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        DecontamParams(eval_sets=[str(tmp_path / "missing.json")])
    (tmp_path / "empty.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="no evaluation items"):
        load_eval_items(tmp_path / "empty.json")
