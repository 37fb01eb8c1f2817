"""The Ray executor versus the local one on this machine, and what each stage costs per billion tokens.

    python benchmarks/ray.py [--pages 600] [--docs 3000]

1. The same HTML build (extract, gopher_quality, dedup_exact, dedup_minhash) with the local executor and
   with Ray, 1 and 2 workers each, twice (the faster counts): the overhead ratio (Ray / local) and the 1 → 2
   worker scaling. Ray's startup is timed apart (a cluster is started once and runs many builds). All
   outputs must be equal.
2. Every phase of a text build (extract, gopher_quality, dedup_exact, dedup_scholarly, dedup_minhash) at two
   scales (`--docs` and 4× as many), one task at a time: peak memory per task and bytes written
   between phases (the shuffle), extrapolated per billion tokens (tokens = characters / 4, as `inspect`).

Prints the figures and writes them into benchmarks/RESULTS.md (section "ray"), with the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

from results_md import write_section

# This file is named like the library it measures: keep its folder from shadowing `import ray`.
HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in (HERE, "")] + [HERE, str(Path(HERE).parent / "tests")]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from conftest import TOPICS, article, write_html_corpus  # noqa: E402
from ray_phases import PhaseCost, phase_costs  # noqa: E402

from geocorpus.build import run_build  # noqa: E402
from geocorpus.report import CHARS_PER_TOKEN  # noqa: E402

HTML_RECIPE = """\
name: ray-bench
output: out
sources:
  - local: {path: pages, files_per_shard: 50}
steps:
  - extract: {}
  - gopher_quality: {min_words: 50}
  - dedup_exact: {buckets: 4}
  - dedup_minhash: {buckets: 4}
"""
TEXT_RECIPE = """\
name: ray-phases
output: out
sources:
  - local: {path: docs.jsonl, rows_per_shard: ROWS}
steps:
  - extract: {}  # passes records that already have text
  - gopher_quality: {}
  - dedup_exact: {buckets: 4}
  - dedup_scholarly: {buckets: 4}
  - dedup_minhash: {buckets: 4}
"""


def read(directory: Path) -> pa.Table:
    return pa.concat_tables([pq.read_table(f) for f in sorted(directory.glob("*.parquet"))])


def executors(root: Path) -> tuple[dict[str, float], float]:
    """Seconds per (executor, workers) build, and the mean seconds to start a local Ray."""
    import ray

    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    seconds, startups, outputs = {}, [], []
    for workers in (1, 2):
        for executor in ("local", "ray"):
            output = root / f"out-{executor}-{workers}"
            if executor == "ray":
                temp = tempfile.mkdtemp(prefix="rb-", dir="/tmp")
                started = time.perf_counter()
                ray.init(num_cpus=workers, include_dashboard=False, _temp_dir=temp, logging_level="warning")
                startups.append(time.perf_counter() - started)
            times = []
            for _ in range(2):  # the first run also pays one-time imports and model loads in this process
                shutil.rmtree(output, ignore_errors=True)
                started = time.perf_counter()
                run_build(root / "recipe.yaml", output=output, workers=workers, executor=executor)
                times.append(time.perf_counter() - started)
            seconds[f"{executor} {workers}"] = min(times)
            if executor == "ray":
                ray.shutdown()
                shutil.rmtree(temp, ignore_errors=True)
            outputs.append(read(output / "data"))
    assert all(table.equals(outputs[0]) for table in outputs), "an executor changed the output"
    return seconds, sum(startups) / len(startups)


def write_docs(path: Path, count: int, seed: int = 3) -> int:
    """`count` JSONL documents, a tenth exact and a tenth near copies; returns their tokens."""
    rng = random.Random(seed)
    chars = 0
    originals: list[str] = []
    with path.open("w", encoding="utf-8") as out:
        for number in range(count):
            roll = rng.random()
            if originals and roll < 0.1:
                text = rng.choice(originals)
            elif originals and roll < 0.2:
                words = rng.choice(originals).split()
                for _ in range(3):
                    words[rng.randrange(len(words))] = rng.choice(["basalt", "karst", "loess"])
                text = " ".join(words)
            else:
                text = article(rng, rng.choice(sorted(TOPICS)), 300)
                originals.append(text)
            chars += len(text)
            out.write(json.dumps({"id": f"d{number}", "text": text, "title": f"Notes {number}", "kind": "web"}) + "\n")
    return chars // CHARS_PER_TOKEN


def phases(root: Path, docs: int, rows_per_shard: int) -> tuple[list[PhaseCost], int]:
    """Cost of each phase over `docs` documents; shards have a fixed size, so more data means more shards."""
    folder = root / f"phases-{docs}"
    folder.mkdir()
    tokens = write_docs(folder / "docs.jsonl", docs)
    (folder / "recipe.yaml").write_text(TEXT_RECIPE.replace("ROWS", str(rows_per_shard)))
    return phase_costs(folder / "recipe.yaml", folder / "out"), tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--docs", type=int, default=3000)
    args = parser.parse_args()
    rows = max(1, args.docs // 4)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_html_corpus(root / "pages", args.pages, duplicates=args.pages // 20)
        (root / "recipe.yaml").write_text(HTML_RECIPE)
        seconds, startup = executors(root)
        small, small_tokens = phases(root, args.docs, rows)
        large, large_tokens = phases(root, args.docs * 4, rows)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        "## ray",
        "",
        f"`python benchmarks/ray.py --pages {args.pages} --docs {args.docs}` on {machine}, "
        f"{time.strftime('%Y-%m-%d')}.",
        "",
        f"Executors: {args.pages} HTML pages (extract, gopher_quality, dedup_exact, dedup_minhash; 50 pages per",
        "shard), the same output from all runs; each build twice, the faster counted. Ray's startup is not in",
        f"the build times: starting a local Ray took {startup:.1f} s.",
        "",
        "| workers | local s | Ray s | Ray / local |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for workers in (1, 2):
        local, on_ray = seconds[f"local {workers}"], seconds[f"ray {workers}"]
        lines.append(f"| {workers} | {local:.2f} | {on_ray:.2f} | {on_ray / local:.2f} |")
    lines += [
        f"| 1 → 2 speed-up | {seconds['local 1'] / seconds['local 2']:.2f}× | "
        f"{seconds['ray 1'] / seconds['ray 2']:.2f}× | |",
        "",
        f"Phases: {args.docs:,} and {args.docs * 4:,} text documents ({small_tokens:,} and {large_tokens:,} tokens;",
        f"a tenth exact and a tenth near copies), {rows:,} rows per shard, 4 buckets; one task",
        "at a time in one worker. Peak = largest peak RSS of one task at the larger scale; work = its peak minus",
        "the RSS it started with (interpreter, libraries, cached models); growth = how `work` of a bucket or single",
        "task grows per billion tokens (slope between the two scales; a shard task's work is bounded by the shard",
        "size); shuffle = bytes the phase leaves for the next, per billion tokens. Bucket phases divide their growth",
        "by the number of buckets (the components rounds, labels and select are per partition too). An iterated",
        "phase is one row for all its rounds (rounds at the smaller → larger scale): its tasks of every round, its",
        "largest task, and the bytes all its rounds handed on.",
        "",
        "| stage | phase | tasks | peak MB | work MB | growth MB / 1B tokens | shuffle GB / 1B tokens |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    scale = 1e9 / (large_tokens - small_tokens)
    for low, high in zip(small, large, strict=True):
        # A shard task's work depends on the shard size only; differences between scales there are noise.
        slope = max(0.0, high.above_start_mb - low.above_start_mb) * scale
        growth = "per shard" if high.per == "shard" else f"{slope:,.0f}"
        shuffle = high.shuffle_bytes / large_tokens * 1e9 / 2**30
        phase = f"{high.phase} ({rounds_text(low.rounds, high.rounds)})" if high.rounds else high.phase
        lines.append(f"| {high.stage} | {phase} | {high.tasks} | {high.peak_mb:.0f} | {high.above_start_mb:.1f} "
                     f"| {growth} | {shuffle:.2f} |")
    lines.append("")
    print("\n".join(lines))
    write_section("ray", lines)


def rounds_text(small: int, large: int) -> str:
    """How many rounds an iterated phase ran at the two scales, e.g. "1 round", "3 rounds" or "3 → 4 rounds"."""
    return (f"{large} round{'s' if large != 1 else ''}" if small == large else f"{small} → {large} rounds")


if __name__ == "__main__":
    main()
