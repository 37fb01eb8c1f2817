"""Filter chain throughput, fastText scoring throughput, and the shipped classifier's held-out quality.

    python benchmarks/filters.py [--docs 2000] [--model-data /tmp/geo-model-data]

One process (so the figures are per core), one run, every step timed over the same documents: a mix of
web prose, table-heavy papers, Chinese pages and GIS code (the sample scripts). `--model-data` is the cache
that scripts/build_geo_model.py fills; with it, the shipped model is also scored on the held-out sources.
Prints the figures and writes them into benchmarks/RESULTS.md (section "filters"), with the machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from results_md import write_section

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import TOPICS, article

from geocorpus.classify.fasttext import GEO_MODEL, LID_MODEL, geo_scores, load
from geocorpus.document import Document
from geocorpus.pipeline.registry import steps

REPO = Path(__file__).resolve().parent.parent
ZH = ("地下水是指赋存于地面以下岩石空隙中的水，含水层的渗透性和孔隙度决定了地下水的储存与运移。"
      "板块构造理论认为岩石圈被分割成若干板块，板块之间的相互作用形成了地震带和火山带。")
CHAIN = [("license_gate", {}), ("langid", {}), ("pii_redact", {}), ("gopher_quality", {}),
         ("gopher_repetition", {}), ("c4_quality", {}), ("fineweb_quality", {}), ("code_quality", {}),
         ("gis_relevance", {}), ("decontaminate", "EVAL"), ("geo_score", {"min_score": 0.0})]


def corpus(count: int) -> list[Document]:
    rng = random.Random(1)
    code = [p.read_text(encoding="utf-8") for p in sorted((REPO / "recipes/samples/geocode_pt/code").glob("*.py"))]
    docs = []
    for i in range(count):
        pick = i % 10
        if pick < 5:
            text, kind = "\n\n".join(article(rng, rng.choice(sorted(TOPICS)), 150) for _ in range(4)), "web"
        elif pick < 7:
            rows = "\n".join(f"S{j} {rng.uniform(0, 99):.2f} {rng.uniform(0, 9):.3f}" for j in range(40))
            text, kind = "\n\n".join(article(rng, "seismology", 300) for _ in range(6)) + "\n" + rows, "paper"
        elif pick < 8:
            text, kind = ZH * rng.randint(3, 12), "web"
        else:
            text, kind = code[i % len(code)], "code"
        docs.append(Document(id=str(i), text=text, kind=kind, source="bench", license="CC-BY-4.0"))
    return docs


def run_chain(docs: list[Document], eval_file: Path) -> tuple[float, dict[str, float]]:
    registry = steps()
    chain = []
    for name, params in CHAIN:
        params = {"eval_sets": [str(eval_file)]} if params == "EVAL" else params
        chain.append(registry[name](registry[name].Params.model_validate(params)))
    per_step = {name: 0.0 for name, _ in CHAIN}
    started = time.perf_counter()
    for doc in docs:
        for (name, _), step in zip(CHAIN, chain, strict=True):
            if doc.rejection:
                break
            t = time.perf_counter()
            step.process(doc)
            per_step[name] += time.perf_counter() - t
    return time.perf_counter() - started, per_step


def held_out_quality(cache: Path) -> str:
    sys.path.insert(0, str(REPO / "scripts"))
    import build_geo_model as build
    from geo_model_eval import build_slices, score_slices

    slices = [s for s in build_slices(build.held_out_sources(cache / "root", cache)) if s.name.startswith("all")]
    return score_slices(load(str(GEO_MODEL)), slices)[0][1].line() + " (per slice: benchmarks/classifier.py)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--model-data", type=Path, default=None)
    args = parser.parse_args()
    docs = corpus(args.docs)
    megabytes = sum(len(d.text.encode()) for d in docs) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        eval_file = Path(tmp) / "geobench_npee.json"
        questions = [article(random.Random(i), "glaciology", 40) for i in range(500)]
        eval_file.write_text(json.dumps({"qa": {"question": questions, "answer": [""] * 500}}), encoding="utf-8")
        load(str(GEO_MODEL)), load(str(LID_MODEL))  # loading is not scoring
        seconds, per_step = run_chain(docs, eval_file)
    texts = [d.text for d in docs]
    model = load(str(GEO_MODEL))
    t = time.perf_counter()
    geo_scores(model, texts)
    geo_seconds = time.perf_counter() - t
    lid = load(str(LID_MODEL))
    t = time.perf_counter()
    for text in texts:
        lid.predict(" ".join(text[:5000].split()), k=1)
    lid_seconds = time.perf_counter() - t
    rows = [f"| whole chain ({len(CHAIN)} steps) | {seconds:.2f} | {len(docs) / seconds:,.0f} | "
            f"{megabytes / seconds:.2f} |"]
    rows += [f"| {name} | {s:.2f} | {len(docs) / s:,.0f} | {megabytes / s:.2f} |" for name, s in per_step.items()]
    rows += [f"| fastText geo_score alone (batch) | {geo_seconds:.2f} | {len(docs) / geo_seconds:,.0f} | "
             f"{megabytes / geo_seconds:.2f} |",
             f"| fastText lid.176 alone | {lid_seconds:.2f} | {len(docs) / lid_seconds:,.0f} | "
             f"{megabytes / lid_seconds:.2f} |"]
    quality = held_out_quality(args.model_data) if args.model_data else "not measured (no --model-data)"
    section = "\n".join([
        "## filters", "",
        f"`python benchmarks/filters.py --docs {args.docs}"
        + (f" --model-data {args.model_data}`" if args.model_data else "`")
        + f" on {platform.machine()}, {platform.processor() or 'cpu'}, 1 process, Python {platform.python_version()},"
        f" {date.today()}. {len(docs)} documents ({megabytes:.1f} MB): 50% web prose, 20% table-heavy papers,"
        " 10% Chinese, 20% GIS code. Steps are timed over the documents that reach them (a rejected document"
        " leaves the chain).", "",
        "| what | seconds | docs/s | MB/s |", "| --- | ---: | ---: | ---: |", *rows, "",
        f"Shipped classifier on held-out sources: {quality}", ""])
    print(section)
    write_section("filters", section.splitlines())


if __name__ == "__main__":
    main()
