"""Engine overhead: a geocorpus build of N HTML pages versus bare trafilatura on the same files, one run.

    python benchmarks/engine.py [--pages 2000]

Prints the figures and writes them into benchmarks/RESULTS.md (section "engine"), with the machine.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import trafilatura
from results_md import write_section

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import write_html_corpus

from geocorpus.build import run_build

RECIPE = """\
name: engine-bench
output: out
sources:
  - local: {path: pages, files_per_shard: 100}
steps:
  - extract: {}
  - gopher_quality: {min_words: 50}
  - dedup_exact: {}
"""


def bare(pages: list[Path]) -> float:
    started = time.perf_counter()
    for page in pages:
        trafilatura.bare_extraction(page.read_bytes(), with_metadata=True, include_tables=True,
                                    include_comments=False)
    return time.perf_counter() - started


def build(root: Path, workers: int) -> float:
    output = root / f"out-{workers}"
    started = time.perf_counter()
    run_build(root / "recipe.yaml", output=output, workers=workers)
    elapsed = time.perf_counter() - started
    shutil.rmtree(output)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pages = write_html_corpus(root / "pages", args.pages, duplicates=args.pages // 20)
        (root / "recipe.yaml").write_text(RECIPE)
        bare_s = bare(pages)
        one = build(root, 1)
        two = build(root, 2)
    machine = f"{platform.machine()}, {platform.processor() or 'cpu'}, {__import__('os').cpu_count()} cores, " \
              f"Python {platform.python_version()}"
    lines = [
        "## engine",
        "",
        f"`python benchmarks/engine.py --pages {args.pages}` on {machine}, {time.strftime('%Y-%m-%d')}.",
        "Bare = trafilatura.bare_extraction over the same files in one loop; the build also runs",
        "gopher_quality and dedup_exact and writes Parquet shards, rejected/, markers and stats.",
        "",
        "| run | seconds | pages/s | vs bare |",
        "| --- | ---: | ---: | ---: |",
        f"| bare trafilatura, 1 process | {bare_s:.2f} | {args.pages / bare_s:.0f} | 1.00 |",
        f"| geocorpus build, 1 worker | {one:.2f} | {args.pages / one:.0f} | {one / bare_s:.2f} |",
        f"| geocorpus build, 2 workers | {two:.2f} | {args.pages / two:.0f} | {two / bare_s:.2f} |",
        "",
    ]
    print("\n".join(lines))
    write_section("engine", lines)


if __name__ == "__main__":
    main()
