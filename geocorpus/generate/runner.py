"""`geocorpus generate` as a function: recipe → requests → cached completions → pairs → verifiers → Parquet.

Task by task: units from the input documents, one request each, `complete_all` (which sends only what the
request cache has no answer for — the exact resume after a crash), parsing, the verifiers in recipe order,
then the task's outputs are written whole (derived from the cache, so rewriting them is cheap and a rerun
gives the same files). Nothing fails silently: a backend error, a reply cut at max_tokens, an unparseable reply
or a failed verifier becomes a rejected row with its reason, and stats.json counts every one.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from geocorpus.document import Document, stable_id
from geocorpus.generate.backends import Backend, Completion, Request, make_backend
from geocorpus.generate.client import complete_all
from geocorpus.generate.config import GenerateRecipe, TaskEntry, load_generate_recipe
from geocorpus.generate.inputs import input_files, read_documents
from geocorpus.generate.output import (
    PAIR_SCHEMA,
    REJECTED_SCHEMA,
    data_path,
    pair_row,
    rejected_path,
    rejected_row,
    write_card,
    write_table,
)
from geocorpus.generate.tasks.base import Unit
from geocorpus.generate.tasks.reply import Unparseable, parse_object
from geocorpus.io.atomic import atomic_path, remove_leftovers, write_json
from geocorpus.pipeline.runner import prepare_output

CACHE_DIR = "_cache"


@dataclass
class GenerateResult:
    output: Path
    stats: dict[str, Any]
    seconds: float


def run_generate(recipe_path: str | Path, *, output: str | Path | None = None, limit: int | None = None,
                 fresh: bool = False, console: Console | None = None, progress: bool = True,
                 backend: Backend | None = None) -> GenerateResult:
    """Validate the recipe and the input first (a bad recipe sends nothing), then run every task in order.

    `backend` replaces the recipe's (for callers holding a loaded model); it is not closed here.
    """
    started = time.perf_counter()
    console = console or Console(stderr=True, quiet=True)
    recipe = load_generate_recipe(recipe_path)
    input_files(recipe.input)  # an input naming nothing is a usage error, found before any request
    root = Path(output if output is not None else recipe.output)
    owned = backend is None
    backend = backend or _start_backend(recipe)  # a backend that cannot start leaves no output behind
    try:
        prepare_output(root, fresh)
    except Exception:
        if owned:
            backend.close()
        raise
    with atomic_path(root / "recipe.yaml") as tmp:
        tmp.write_text(recipe.text, encoding="utf-8")
    _forget_other_tasks(root, [entry.task.name for entry in recipe.tasks])
    stats: dict[str, Any] = {}
    input_counts: Counter[str] = Counter()
    try:
        for entry in recipe.tasks:
            console.print(f"[bold]{entry.task.name}[/]: building requests", highlight=False)
            counts: Counter[str] = Counter()
            stats[entry.task.name] = _run_task(entry, recipe, backend, root, limit, counts, console, progress)
            input_counts = input_counts or counts
    finally:
        if owned:
            backend.close()
    names = [entry.task.name for entry in recipe.tasks]
    summary = {"recipe": recipe.name, "backend": backend.identity, "seed": recipe.seed,
               "input": dict(sorted(input_counts.items())), "tasks": stats,
               "totals": {key: sum(s[key] for s in stats.values()) for key in ("requests", "pairs", "kept",
                                                                                 "rejected")},
               "seconds": round(time.perf_counter() - started, 3)}
    write_json(root / "stats.json", summary)
    write_card(root, recipe.name, names, stats)
    return GenerateResult(root, summary, time.perf_counter() - started)


class BackendStartError(Exception):
    """The recipe's backend cannot start (model files missing, optional package not installed): exit 2."""


def _start_backend(recipe: GenerateRecipe) -> Backend:
    try:
        return make_backend(recipe.backend)
    except (OSError, ImportError, ValueError) as error:
        raise BackendStartError(f"{recipe.path.name}: generate.backend ({recipe.backend.type}) cannot start: "
                                f"{type(error).__name__}: {error}") from error


def _run_task(entry: TaskEntry, recipe: GenerateRecipe, backend: Backend, root: Path, limit: int | None,
              counts: Counter[str], console: Console, progress: bool) -> dict[str, Any]:
    task = entry.task
    units = _units(entry, recipe, limit, counts)
    requests = [task.request(unit) for unit in units]
    price = getattr(recipe.backend, "price", None)
    completions, usage = complete_all(backend, requests, root / CACHE_DIR, progress=progress, price=price)
    failed: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    for unit, request, completion in zip(units, requests, completions, strict=True):
        prompt = request.messages[-1][1]
        produced, failure = _pairs(entry, unit, request, completion)
        if failure is not None:
            stage, reason, detail = failure
            failed[reason] += 1
            rejected.append(rejected_row(id=stable_id(task.name, unit.id), task=task.name, stage=stage,
                                         reason=reason, detail=detail, prompt=prompt, response=completion.text,
                                         source=_source(unit)))
        for pair in produced:
            pair["_prompt"], pair["_response"] = prompt, completion.text
        pairs += produced
    generated = len(pairs)
    pairs, verification = _verify(entry, pairs, failed, rejected, console)
    pairs = task.finish(pairs)
    write_table(data_path(root, task.name), [pair_row(p) for p in pairs], PAIR_SCHEMA)
    write_table(rejected_path(root, task.name), rejected, REJECTED_SCHEMA)
    console.print(f"[bold]{task.name}[/]: {len(units)} requests ({usage.cached} cached), {generated} pairs, "
                  f"{len(pairs)} kept, {len(rejected)} rejected", highlight=False)
    return {"family": task.family, "passages": len(units), "requests": len(requests), "cached": usage.cached,
            "sent": usage.requests_sent, "failed": dict(sorted(failed.items())), "pairs": generated,
            "verification": verification, "kept": len(pairs), "rejected": len(rejected),
            "usage": usage.to_json()}


def _verify(entry: TaskEntry, pairs: list[dict[str, Any]], failed: Counter[str], rejected: list[dict[str, Any]],
            console: Console) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """The task's verifiers in order, each on the pairs that passed the ones before; failures become rejected rows."""
    from geocorpus.generate.verify import build_verifiers

    verification: dict[str, dict[str, int]] = {}
    for verifier in build_verifiers(entry.verify):
        with console.status(f"{entry.task.name}: verifying {len(pairs)} pairs with {verifier.name}"):
            checks = verifier.verify(pairs)
        survivors = []
        for pair, check in zip(pairs, checks, strict=True):
            pair["verification"][verifier.name] = {"passed": check.passed, "reason": check.reason, **check.details}
            if check.passed:
                survivors.append(pair)
                continue
            reason = f"{verifier.name}:{check.reason}"
            failed[reason] += 1
            rejected.append(rejected_row(id=pair["id"], task=entry.task.name, stage="verify", reason=reason,
                                         detail=json.dumps(check.details, ensure_ascii=False, default=str),
                                         prompt=pair["_prompt"], response=pair["_response"], pair=pair))
        verification[verifier.name] = {"checked": len(pairs), "passed": len(survivors)}
        pairs = survivors
    return pairs, verification


def _units(entry: TaskEntry, recipe: GenerateRecipe, limit: int | None, counts: Counter[str]) -> list[Unit]:
    """The task's units over all input documents, capped at `max_requests` by a seeded sample."""
    task = entry.task
    units: list[Unit] = []
    for doc in read_documents(recipe.input, limit, counts):
        if doc.kind in task.accepted_kinds:
            units += [replace(unit, doc=_light(doc)) for unit in task.units(doc)]
    cap = task.params.max_requests
    if cap is not None and len(units) > cap:
        rng = random.Random(stable_id(str(recipe.seed), task.name, "max_requests"))
        keep = set(rng.sample(range(len(units)), cap))
        units = [unit for index, unit in enumerate(units) if index in keep]
    return units


def _light(doc: Document) -> Document:
    """The provenance of a document without its text: units keep only what pairs cite."""
    return replace(doc, text="", meta={})


def _pairs(entry: TaskEntry, unit: Unit, request: Request,
           completion: Completion) -> tuple[list[dict[str, Any]], tuple[str, str, str] | None]:
    """Pairs from one completion, or the failure as (stage, reason, detail).

    A reply cut at `max_tokens` is never parsed: its JSON can close early while the last field is cut
    mid-sentence, and a pair that looks whole would hide the cut. It is a `parse` failure, not a `backend` one:
    the answer is cached and a rerun gives the same reply; what helps is a larger `max_tokens`.
    """
    if not completion.ok or completion.text is None:
        return [], ("backend", f"backend:{completion.error or 'unknown'}", completion.error or "")
    if completion.truncated:
        return [], ("parse", "truncated", f"finish_reason=length: the reply reached max_tokens={request.max_tokens}"
                    f" ({completion.completion_tokens} completion tokens); raise the task's max_tokens")
    try:
        pairs = entry.task.pairs(parse_object(completion.text), unit)
    except Unparseable as error:
        return [], ("parse", "unparseable", error.detail)
    except Exception as error:  # a task bug on one odd reply must not stop the run; it is recorded
        return [], ("parse", "task_error", f"{type(error).__name__}: {error}")
    if not pairs:
        return [], ("parse", "unparseable", "the reply gave no pair")
    return pairs, None


def _source(unit: Unit) -> dict[str, Any]:
    return {"source_id": unit.doc.id, "source_url": unit.doc.url, "lang": unit.lang}


def _forget_other_tasks(root: Path, names: list[str]) -> None:
    """Outputs of tasks no longer in the recipe go, so the directory always matches stats.json."""
    for folder in (root / "data").glob("*") if (root / "data").is_dir() else []:
        if folder.is_dir() and folder.name not in names:
            shutil.rmtree(folder)
    for file in (root / "rejected").glob("*.parquet") if (root / "rejected").is_dir() else []:
        if file.stem not in names:
            file.unlink()
    remove_leftovers(root / "data")
    remove_leftovers(root / "rejected")
