"""Near-duplicate dedup, side by side in one run: geocorpus `dedup_minhash`, datatrove, text-dedup.

    python benchmarks/dedup.py [--families 8000] [--workers 2] [--scale 100000 1000000]
                               [--scale-rows 10000] [--scale-buckets 16]
                               [--venv /tmp/dedup-bench-venv] [--work /tmp/dedup-bench] [--skip datatrove ...]

The labeled corpus (real text with controlled edits, `dedup_corpus.py`) is built once and cached in --work.
Every tool runs as its own process tree with the same worker count; we report wall time, documents/s, peak
RSS (sum over the tree) and pairwise precision/recall/F1 of the clusters against the truth. The competitors
run from a separate virtual environment (`pip install datatrove text-dedup` into --venv). --scale adds
geocorpus runs on synthetic corpora of those sizes (time and memory only). Figures go to RESULTS.md ("dedup").
`dedup_phases.py` splits one geocorpus build of the same corpus into seconds per stage and phase.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from results_md import write_section

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dedup_corpus import labeled_corpus, synthetic_corpus
from dedup_measure import Measured, measure

HERE = Path(__file__).resolve().parent
NOTE = (
    'Competitors: datatrove 0.10.1 and text-dedup 0.4.0 from PyPI in a separate venv (`pip install '
    'datatrove text-dedup tokenizers orjson "xxhash<4"`: datatrove\'s minhash imports `tokenizers`, its '
    "JsonlReader needs `orjson`, and its xxhash hashing fails on str with xxhash 4). datatrove's English "
    'word tokenizer needs spaCy, so it gets a regex word tokenizer (faster than its default); text-dedup '
    'runs its own CLI with `--hash_func xxh3`. Both use the LSH shape datasketch finds optimal for 0.8 '
    "with 128 permutations (9 bands × 13 rows); geocorpus's default shape weighs misses at 0.95 (16 × 8) "
    'because exact-Jaccard verification removes the extra false candidates. The labeled runs use shards of '
    'count/16 documents; the scale runs use 10,000-row shards (`--scale-rows`, as a real build\'s '
    '`rows_per_shard`) and 16 buckets (`--scale-buckets`).'
)
RECIPE = """\
name: dedup-bench
output: out
sources:
  - local: {{path: {corpus}, rows_per_shard: {rows}}}
steps:
  - extract: {{}}
  - dedup_minhash: {{{params}}}
"""


def pairwise(predicted: list[str], truth: list[int]) -> tuple[float, float, float]:
    """Precision, recall, F1 over document pairs placed in one cluster (by the tool / by the truth)."""
    def pairs(counts: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter(zip(predicted, truth, strict=True)))
    found, true = pairs(Counter(predicted)), pairs(Counter(truth))
    precision, recall = both / found if found else 1.0, both / true if true else 1.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def write_jsonl(docs, path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps({"id": doc["id"], "text": doc["text"]}) + "\n")
            count += 1
    return count


def run_geocorpus(corpus: Path, count: int, work: Path, workers: int, params: str,
                  rows: int | None = None) -> tuple[Measured, dict]:
    """One build; `rows` per shard (default: count/16, at least 1000)."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rows = rows or max(1000, math.ceil(count / 16))
    (work / "recipe.yaml").write_text(RECIPE.format(corpus=corpus, rows=rows, params=params))
    measured = measure([sys.executable, "-m", "geocorpus.cli", "build", str(work / "recipe.yaml"), "--output",
                        str(work / "out"), "--workers", str(workers)], work)
    clusters = {}
    for folder in ("data", "rejected"):
        for path in sorted((work / "out" / folder).glob("*.parquet")):
            table = pq.read_table(path, columns=["id", "scores"])
            for doc_id, scores in zip(table["id"].to_pylist(), table["scores"].to_pylist(), strict=True):
                clusters[doc_id] = str(json.loads(scores)["dup_cluster"])
    return measured, clusters


def run_datatrove(docs: list[dict], work: Path, workers: int, venv: Path,
                  shape: tuple[int, int]) -> tuple[Measured, dict]:
    shutil.rmtree(work, ignore_errors=True)
    source = work / "input"
    source.mkdir(parents=True)
    files = 16
    for part in range(files):
        write_jsonl(docs[part::files], source / f"{part:03d}.jsonl")
    measured = measure([str(venv / "bin" / "python"), str(HERE / "dedup_datatrove.py"), str(source), str(work),
                        str(workers), *map(str, shape)], work)
    return measured, json.loads((work / "clusters.json").read_text())


def run_textdedup(docs: list[dict], work: Path, workers: int, venv: Path,
                  shape: tuple[int, int]) -> tuple[Measured, dict]:
    import datasets

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    datasets.Dataset.from_list([{"id": d["id"], "text": d["text"]} for d in docs]).save_to_disk(str(work / "ds"))
    measured = measure([str(venv / "bin" / "python"), str(HERE / "dedup_textdedup.py"), str(work / "ds"), str(work),
                        str(workers), *map(str, shape)], work, env={"HF_DATASETS_OFFLINE": "1"})
    return measured, json.loads((work / "clusters.json").read_text())


def labeled(families: int, work: Path) -> tuple[list[dict], list[int]]:
    cache = work / f"labeled-{families}.json"
    if cache.exists():
        data = json.loads(cache.read_text())
        return data["docs"], data["truth"]
    docs, truth = labeled_corpus(families)
    cache.write_text(json.dumps({"docs": docs, "truth": truth}))
    return docs, truth


def compare(args: argparse.Namespace) -> tuple[int, list]:
    """Every tool on the labeled corpus: its size, and (label, measured, (precision, recall, F1)) per run."""
    started = time.perf_counter()
    docs, truth = labeled(args.families, args.work)
    print(f"labeled corpus: {len(docs)} documents, {args.families} families ({time.perf_counter() - started:.0f}s)")
    corpus = args.work / f"labeled-{args.families}.jsonl"
    write_jsonl(docs, corpus)
    balanced = (9, 13)  # datasketch's optimum for threshold 0.8, 128 permutations, equal weights
    runs = {"geocorpus dedup_minhash (verify, 16×8)": lambda w: run_geocorpus(corpus, len(docs), w, args.workers,
                                                                                 "buckets: 16")}
    if "geocorpus-unverified" not in args.skip:
        runs["geocorpus dedup_minhash (no verify, 9×13)"] = lambda w: run_geocorpus(
            corpus, len(docs), w, args.workers, "buckets: 16, verify: false, bands: 9, rows: 13")
    if "datatrove" not in args.skip:
        runs["datatrove MinHash (9×13)"] = lambda w: run_datatrove(docs, w, args.workers, args.venv, balanced)
    if "text-dedup" not in args.skip:
        runs["text-dedup MinHash (9×13)"] = lambda w: run_textdedup(docs, w, args.workers, args.venv, balanced)
    table = []
    for number, (label, run) in enumerate(runs.items()):
        measured, clusters = run(args.work / f"run-{number}")
        predicted = [clusters.get(d["id"], f"alone-{d['id']}") for d in docs]
        scores = pairwise(predicted, truth)
        table.append((label, measured, scores))
        print(f"{label}: {measured.seconds:.1f}s, {len(docs) / measured.seconds:.0f} docs/s, "
              f"{measured.peak_rss_mb:.0f} MB, P/R/F1 {scores[0]:.3f}/{scores[1]:.3f}/{scores[2]:.3f}")
    return len(docs), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--families", type=int, default=8000,
                        help="originals in the labeled corpus (~2.8 docs each); 0: only the --scale runs")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="synthetic corpus sizes for geocorpus")
    parser.add_argument("--scale-rows", type=int, default=10_000,
                        help="rows per shard in the --scale runs (as a real build's `rows_per_shard`)")
    parser.add_argument("--scale-buckets", type=int, default=16, help="`buckets` of the --scale runs")
    parser.add_argument("--venv", type=Path, default=Path("/tmp/dedup-bench-venv"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/dedup-bench"))
    parser.add_argument("--skip", nargs="*", default=[], choices=["datatrove", "text-dedup", "geocorpus-unverified"])
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    count, table = compare(args) if args.families else (0, [])
    scale = []
    for size in args.scale:
        path = args.work / f"synthetic-{size}.jsonl"
        if not path.exists():
            write_jsonl(synthetic_corpus(size), path)
        measured, _ = run_geocorpus(path, size, args.work / f"scale-{size}", args.workers,
                                    f"buckets: {args.scale_buckets}", args.scale_rows)
        scale.append((size, measured))
        print(f"synthetic {size}: {measured.seconds:.1f}s, {size / measured.seconds:.0f} docs/s, "
              f"{measured.peak_rss_mb:.0f} MB (largest process {measured.largest_process_mb:.0f} MB)")
        shutil.rmtree(args.work / f"scale-{size}", ignore_errors=True)
    if not args.no_results:
        write_results(args, count, table, scale)


def write_results(args: argparse.Namespace, count: int, table: list, scale: list) -> None:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    fastest_other = max((count / m.seconds for label, m, _ in table if not label.startswith("geocorpus")), default=0)
    lines = ["## dedup", "",
             f"`python benchmarks/dedup.py --families {args.families} --workers {args.workers}"
             f"{' --scale ' + ' '.join(map(str, args.scale)) if args.scale else ''}` on {machine}, "
             f"{time.strftime('%Y-%m-%d')}; every tool with {args.workers} workers, one after the other in one run.",
             "",
             f"Labeled corpus: {count} documents = {args.families} originals (docstrings of the installed Python "
             "packages and standard library, and the sample pages) plus edited copies (substitutions, deletions, "
             "insertions, boilerplate, swapped halves, case noise); truth = same family and exact Jaccard of word "
             "5-grams ≥ 0.8 (connected components). Pairwise precision/recall/F1 over same-cluster pairs. Peak RSS "
             "is the sum over each tool's process tree. Timings include process start, reading input and writing "
             "output for every tool.", "", NOTE, "",
             "| run | seconds | docs/s | vs fastest other | peak RSS MB | precision | recall | F1 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for label, measured, (precision, recall, f1) in table:
        rate = count / measured.seconds
        ratio = f"{rate / fastest_other:.2f}×" if fastest_other else "-"
        lines.append(f"| {label} | {measured.seconds:.1f} | {rate:.0f} | {ratio} | {measured.peak_rss_mb:.0f} | "
                     f"{precision:.3f} | {recall:.3f} | {f1:.3f} |")
    if scale:
        lines += ["", "Scale (geocorpus `dedup_minhash` defaults, synthetic Zipf text, 30% edited copies; the build "
                  "includes reading JSONL into shards; at 1 M documents each process holds ~160 MB of imported "
                  "libraries, and the workers peak in `signature` (one 1024-document batch of shingles and the shard's "
                  "band keys), while `pairs` verifies 20,000 candidate pairs at a time):", "",
                  "| documents | seconds | docs/s | peak RSS MB (process tree) | largest process MB |",
                  "| ---: | ---: | ---: | ---: | ---: |"]
        lines += [f"| {size} | {m.seconds:.1f} | {size / m.seconds:.0f} | {m.peak_rss_mb:.0f} | "
                  f"{m.largest_process_mb:.0f} |" for size, m in scale]
    lines.append("")
    print("\n".join(lines))
    write_section("dedup", lines)


if __name__ == "__main__":
    pa.set_cpu_count(max(1, os.cpu_count() or 1))
    main()
