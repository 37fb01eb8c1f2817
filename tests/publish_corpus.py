"""Small real corpora for the publish tests: built by `run_build` from the shipped samples plus a few notes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SAMPLES = Path(__file__).resolve().parent.parent / "recipes" / "samples" / "geocode_pt"
NOTE = ("Groundwater recharge in the alluvial aquifer was estimated from the water table fluctuation method "
        "using monthly observations at twelve wells between 2015 and 2020. Specific yield was taken from pumping "
        "tests and ranged between 0.08 and 0.15. The mean annual recharge was 112 mm, about 14 percent of the "
        "precipitation, with the largest rises after the winter rains.")
OTHER_NOTE = ("Seismic refraction profiles across the basin margin show a weathered layer over granite bedrock. "
              "P-wave velocities rise from 600 m/s near the surface to 4800 m/s at depth, and the bedrock "
              "surface deepens towards the fault that bounds the basin to the east.")


def build_corpus(root: Path) -> Path:
    """A corpus from the sample web pages and GIS scripts, plus notes licensed CC-BY-NC-4.0 (one duplicated,
    so dedup drops it) and one note with no licence: the licence gate's default list refuses both."""
    from geocorpus.build import run_build

    notes, unlicensed = root / "notes", root / "unlicensed"
    notes.mkdir(parents=True)
    unlicensed.mkdir()
    (notes / "a.txt").write_text(NOTE, encoding="utf-8")
    (notes / "b.txt").write_text(NOTE, encoding="utf-8")
    (notes / "c.txt").write_text(NOTE.replace("Groundwater", "Spring discharge").replace("112", "87"),
                                 encoding="utf-8")
    (unlicensed / "d.txt").write_text(OTHER_NOTE, encoding="utf-8")
    recipe = root / "recipe.yaml"
    recipe.write_text(f"""name: geo-publish-test
output: out
sources:
  - local: {{name: web, path: {SAMPLES / 'web'}, glob: "**/*.htm*", manifest: {SAMPLES / 'MANIFEST.jsonl'}}}
  - local: {{name: code, path: {SAMPLES / 'code'}, manifest: {SAMPLES / 'MANIFEST.jsonl'}}}
  - local: {{name: notes, path: {notes}, glob: "*.txt", license: CC-BY-NC-4.0}}
  - local: {{name: unlicensed, path: {unlicensed}, glob: "*.txt"}}
steps:
  - extract: {{}}
  - langid: {{}}
  - gopher_quality: {{kinds: [web]}}
  - code_quality: {{}}
  - geo_score: {{min_score: 0.0}}
  - dedup_exact: {{}}
  - dedup_minhash: {{threshold: 0.8}}
""", encoding="utf-8")
    out = root / "out"
    run_build(recipe, output=out, workers=1)
    return out


def write_generation_output(root: Path) -> Path:
    """A generation output in issue 7's documented layout: data/<task>/part-00000.parquet."""
    rows = {
        "geosignal_qa": [("What is the mean annual recharge?", NOTE, "About 112 mm a year.", "CC-BY-4.0")] * 3,
        "mcq": [("Which method estimated recharge?", "", "B", "CC-BY-4.0")] * 2,
    }
    for task, items in rows.items():
        table = pa.Table.from_pylist([
            {"id": f"{task}-{n}", "task": task, "type": "qa", "category": "hydrogeology", "instruction": q,
             "input": i, "output": o, "messages": [{"role": "user", "content": q}, {"role": "assistant",
                                                                                      "content": o}],
             "lang": "en", "source_id": "doc-1", "source_url": "https://example.org/a", "license": lic,
             "verification": json.dumps({"grounded": {"passed": True}}), "meta": "{}"}
            for n, (q, i, o, lic) in enumerate(items)])
        folder = root / "data" / task
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-00000.parquet")
    (root / "stats.json").write_text(json.dumps({"tasks": {t: {"pairs": len(r)} for t, r in rows.items()}}))
    return root
