"""Shared test setup: offline hubs, and small corpora written into tmp dirs."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from upath import UPath

for _name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
    os.environ.setdefault(_name, "1")

REPO = Path(__file__).resolve().parent.parent

TOPICS = {
    "plate tectonics": "lithosphere plates subduction ridge mantle convection earthquakes volcanic arcs trench",
    "groundwater": "aquifer recharge porosity permeability hydraulic head wells discharge confined water table",
    "remote sensing": "satellite imagery reflectance bands landsat sentinel classification pixels radiometric",
    "seismology": "waves epicentre magnitude seismometer crust velocity model faults rupture aftershocks",
    "glaciology": "ice sheet glacier moraine ablation accumulation firn calving meltwater crevasse flow",
}
FILLER = ["the", "of", "and", "to", "that", "with", "have", "be", "is", "are", "in", "on", "for", "by", "from"]


def article(rng: random.Random, topic: str, words: int = 220) -> str:
    """Prose-like text: topic vocabulary mixed with English function words, in sentences."""
    vocabulary = TOPICS[topic].split()
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        length = rng.randint(8, 18)
        tokens = [rng.choice(vocabulary if rng.random() < 0.45 else FILLER) for _ in range(length)]
        sentences.append(" ".join(tokens).capitalize() + ".")
    return " ".join(sentences)


def write_html_corpus(directory: Path, pages: int, seed: int = 7, duplicates: int = 0) -> list[Path]:
    """`pages` HTML pages with site chrome around an article; the last `duplicates` repeat earlier bodies."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    bodies, paths = [], []
    for number in range(pages):
        topic = rng.choice(sorted(TOPICS))
        if number >= pages - duplicates and bodies:
            body = bodies[number % len(bodies)]  # the same article under other site chrome
        else:
            paragraphs = "".join(f"<p>{article(rng, topic, 90)}</p>" for _ in range(3))
            body = f"<h1>{topic.title()} notes {number}</h1>{paragraphs}"
            bodies.append(body)
        html = (f"<!doctype html><html><head><meta charset='utf-8'><title>{topic.title()} {number}</title>"
                f"</head><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
                f"<main><article>{body}</article></main>"
                f"<footer>Site footer {number % 3} · contact · privacy</footer></body></html>")
        path = directory / f"page-{number:04d}.html"
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths


def write_recipe(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def html_corpus(tmp_path: Path) -> Path:
    write_html_corpus(tmp_path / "pages", 60, duplicates=5)
    return tmp_path / "pages"


def read_shards(directory: Path | UPath) -> pa.Table:
    """Every Parquet shard of a build folder (local or fsspec), in name order, as one table."""
    files = sorted(directory.glob("*.parquet"), key=lambda path: path.name)
    return pa.concat_tables([pq.read_table(path.open("rb")) for path in files])


def step_counts(output: Path | UPath) -> list[dict]:
    """stats.json without the timings (the only part that may differ between two runs)."""
    steps = json.loads((output / "stats.json").read_text())["steps"]
    return [{k: v for k, v in step.items() if k != "seconds"} for step in steps]


def assert_same_build(expected: Path | UPath, actual: Path | UPath) -> None:
    """Same shard files, rows, rejections and counts: what 'the same dataset' means between two builds."""
    assert sorted(p.name for p in (actual / "data").iterdir()) == sorted(p.name for p in (expected / "data").iterdir())
    assert read_shards(actual / "data").equals(read_shards(expected / "data"))
    assert read_shards(actual / "rejected").equals(read_shards(expected / "rejected"))
    assert step_counts(actual) == step_counts(expected)
