"""Verification costs, side by side in one run: `rouge_dedup` against the plain Self-Instruct loop, and the sandbox.

    python benchmarks/generate_verify.py [--pairs 10000] [--naive 2000] [--sandbox-jobs 16]

1. ROUGE-L dedup: synthetic geoscience instructions (templates × terms, ~15% near copies). The naive loop
   is what Self-Instruct does — `rouge_score` against every kept instruction — timed on the first --naive
   pairs, as is ours (same survivors required), then ours alone on all --pairs.
2. Sandbox: --sandbox-jobs small code+assert jobs through `run_many` with 1 and 2 workers (latency of a run
   is mostly interpreter start-up plus namespace creation).
Figures go to RESULTS.md (section "generate_verify"), with the machine.
"""

from __future__ import annotations

import argparse
import platform
import random
import time
from datetime import date

from results_md import write_section
from rouge_score import rouge_scorer

from geocorpus.generate.verify import build_verifiers
from geocorpus.sandbox import Limits, run_many

TEMPLATES = ["Explain how {a} controls {b} in {c}.", "What is the relationship between {a} and {b} near {c}?",
             "Summarise the evidence for {a} from {b} data in {c}.", "Write a Python function that computes {a} "
             "from a {b} raster of {c}.", "List three factors that affect {a} and {b} across {c}.",
             "Describe the role of {a} in the formation of {b} in {c}."]
TERMS = ["fault slip rate", "groundwater recharge", "sediment flux", "crustal thickness", "permafrost thaw",
         "landslide susceptibility", "soil moisture", "glacier mass balance", "seismic anisotropy", "river incision",
         "heat flow", "magma ascent", "coastal erosion", "aquifer porosity", "dust deposition", "ocean acidity",
         "slope stability", "ore grade", "NDVI", "DEM", "InSAR", "GNSS", "LiDAR", "gravity anomaly"]
PLACES = ["the Tibetan Plateau", "the Andes", "the Sichuan Basin", "the North China Craton", "Iceland", "the Alps",
          "the Loess Plateau", "the Himalaya", "the Tarim Basin", "the East African Rift", "Patagonia", "Alaska"]


def instructions(count: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(count):
        if texts and rng.random() < 0.15:  # a near copy: one word dropped or swapped
            words = rng.choice(texts).split()
            words.pop(rng.randrange(len(words)))
            texts.append(" ".join(words))
        else:
            texts.append(rng.choice(TEMPLATES).format(a=rng.choice(TERMS), b=rng.choice(TERMS), c=rng.choice(PLACES)))
    return texts


def naive(texts: list[str], threshold: float) -> list[bool]:
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    kept: list[str] = []
    verdicts = []
    for text in texts:
        keep = all(scorer.score(k, text)["rougeL"].fmeasure < threshold for k in kept)
        verdicts.append(keep)
        if keep:
            kept.append(text)
    return verdicts


def ours(texts: list[str], threshold: float) -> tuple[list[bool], float]:
    (verifier,) = build_verifiers([{"rouge_dedup": {"threshold": threshold}}])
    pairs = [{"id": f"{i:08d}", "instruction": t} for i, t in enumerate(texts)]
    started = time.perf_counter()
    checks = verifier.verify(pairs)
    return [c.passed for c in checks], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--naive", type=int, default=2000)
    parser.add_argument("--sandbox-jobs", type=int, default=16)
    args = parser.parse_args()
    texts = instructions(args.pairs)
    subset = texts[: args.naive]
    started = time.perf_counter()
    expected = naive(subset, 0.7)
    naive_s = time.perf_counter() - started
    got, ours_subset_s = ours(subset, 0.7)
    assert got == expected, "rouge_dedup disagrees with the plain loop"
    full, ours_full_s = ours(texts, 0.7)
    jobs = [(f"def area(w, h):\n    return w * h\nvalue = {i}\n", f"assert area(2, {i}) == {2 * i}\n")
            for i in range(args.sandbox_jobs)]
    timings = {}
    for workers in (1, 2):
        started = time.perf_counter()
        results = run_many(jobs, limits=Limits(timeout_s=30), workers=workers)
        timings[workers] = time.perf_counter() - started
        assert all(r.passed for r in results), [r.stderr for r in results if not r.passed][:1]
    isolation = results[0].network_isolation
    section = "\n".join([
        "## generate_verify", "",
        f"`python benchmarks/generate_verify.py --pairs {args.pairs} --naive {args.naive} --sandbox-jobs "
        f"{args.sandbox_jobs}` on {platform.machine()}, {platform.processor() or 'cpu'}, {date.today()}, "
        f"Python {platform.python_version()}. Synthetic geoscience instructions, ~15% near copies; threshold 0.7.", "",
        "| what | pairs | seconds | pairs/s | kept |", "| --- | ---: | ---: | ---: | ---: |",
        f"| Self-Instruct loop (rouge_score vs every kept) | {len(subset)} | {naive_s:.2f} | "
        f"{len(subset) / naive_s:,.0f} | {sum(expected)} |",
        f"| `rouge_dedup` (prefix filter + rouge_score LCS) | {len(subset)} | {ours_subset_s:.2f} | "
        f"{len(subset) / ours_subset_s:,.0f} | {sum(got)} |",
        f"| `rouge_dedup` | {len(texts)} | {ours_full_s:.2f} | {len(texts) / ours_full_s:,.0f} | {sum(full)} |", "",
        f"Same survivors as the loop on the {len(subset)}-pair subset; speed-up there "
        f"{naive_s / ours_subset_s:.1f}x.", "",
        f"Sandbox (`run_many`, network isolation `{isolation}`): {args.sandbox_jobs} code+assert jobs in "
        f"{timings[1]:.2f} s with 1 worker ({timings[1] / args.sandbox_jobs * 1000:.0f} ms a run), "
        f"{timings[2]:.2f} s with 2 workers ({timings[1] / timings[2]:.2f}x).", ""])
    print(section)
    write_section("generate_verify", section.splitlines())


if __name__ == "__main__":
    main()
