"""The whole annotate-and-select chain in a real build: scores on kept rows, reasons in stats.json."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow.parquet as pq
from conftest import article, write_recipe

GEOBENCH = {"choice": {"question": ["Which mineral is the hardest on the Mohs scale of mineral hardness used by "
                                    "geologists in the field? A. talc B. quartz C. diamond D. calcite"],
                       "answer": ["C"]}}


def test_filter_chain_build(tmp_path: Path) -> None:
    rng = random.Random(2)
    docs = [{"text": article(rng, "groundwater", 200), "license": "CC-BY-4.0", "kind": "web"} for _ in range(6)]
    docs[1]["text"] += " Write to hydro.lab@example.org for the data."
    docs[2]["text"] += ("\nWhich mineral is the hardest on the Mohs scale of mineral hardness used by geologists "
                        "in the field? a) talc b) quartz c) diamond d) calcite")
    docs[3]["license"] = "unknown"
    docs[4]["text"] = "Die Grundwasserneubildung hängt vom Niederschlag ab. " * 20
    docs[5]["text"] = "Buy now!\n" * 60
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    (tmp_path / "geobench_npee.json").write_text(json.dumps(GEOBENCH), encoding="utf-8")
    recipe = write_recipe(tmp_path / "recipe.yaml", f"""\
name: chain
output: out
sources:
  - local: {{path: docs.jsonl}}
steps:
  - extract: {{}}
  - license_gate: {{}}
  - langid: {{languages: [en, zh]}}
  - pii_redact: {{}}
  - gopher_quality: {{}}
  - gopher_repetition: {{}}
  - decontaminate: {{eval_sets: ["{tmp_path / 'geobench_npee.json'}"]}}
  - geo_score: {{min_score: 0.0}}
""")
    from geocorpus.build import run_build

    run_build(recipe, output=tmp_path / "out", workers=1)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    dropped = {reason for step in stats["steps"] for reason in step["dropped"]}
    assert dropped == {"license_gate:unknown", "langid:language", "gopher_quality:stop_words",
                       "decontaminate:contaminated"}
    kept = pq.read_table(tmp_path / "out" / "data").to_pylist()
    assert len(kept) == 2 and stats["documents"] == 2
    for row in kept:
        scores = json.loads(row["scores"])
        assert {"lang_score", "pii_email", "gopher_words", "rep_dup_line_ratio", "decontam_hits", "geo_score",
                "license_allowed"} <= set(scores)
        assert row["lang"] == "en" and "@example.org" not in row["text"]
    rejected = pq.read_table(tmp_path / "out" / "rejected").to_pylist()
    contaminated = next(r for r in rejected if r["reason"] == "decontaminate:contaminated")
    assert json.loads(contaminated["meta"])["decontam"]["item"] == "choice:0"
