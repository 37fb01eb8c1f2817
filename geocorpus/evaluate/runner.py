"""Run a list of evaluation tasks on a model (and on its base, side by side) and keep the results safe.

Order of work: every task file is read and checked first (a bad file fails in a second, not after the model
has loaded), then the model is loaded once; with `--compare-base` the adapter is switched off for the base
rows (`LocalLM.adapter(False)`), so base and tuned share one load and differ only by the adapter.
results.json is rewritten atomically after each (task, model); a rerun with the same settings reuses the
finished entries and evaluates only what is missing.
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from geocorpus import __version__
from geocorpus.evaluate.code_items import ItemSet, load_codegen, load_summaries
from geocorpus.evaluate.duplicates import duplicate_groups
from geocorpus.evaluate.lm import Advance, LocalLM
from geocorpus.evaluate.mcq import MCQOptions, chance_level, evaluate_mcq
from geocorpus.evaluate.mcq_items import MCQSet, load_mcq
from geocorpus.evaluate.results import deltas
from geocorpus.evaluate.summary import Judge
from geocorpus.evaluate.task_spec import TaskSpec
from geocorpus.io.atomic import write_json

TASK_DEFAULTS: dict[str, object] = {"style": "cloze", "mode": "loglik", "max_new_tokens": 256, "n": 1, "k": [1],
                                    "temperature": 0.0}
_EXAMPLES = 20  # rejected items / duplicate groups listed in results.json (all are counted)


@dataclass(frozen=True)
class EvalSettings:
    """Everything about the model side of a run; recorded in results.json and compared on resume."""

    model: str
    gguf_file: str | None = None
    adapter: str | None = None
    compare_base: bool = False
    batch_size: int = 8
    limit: int | None = None
    device: str | None = None
    dtype: str = "auto"
    seed: int = 0
    sandbox_timeout_s: float = 10.0
    workers: int = 2

    @property
    def labels(self) -> list[str]:
        if not self.adapter:
            return ["model"]
        return ["base", "tuned"] if self.compare_base else ["tuned"]


@dataclass
class LoadedTask:
    spec: TaskSpec
    items: list[Any]
    info: dict[str, Any] = field(default_factory=dict)


def load_task(spec: TaskSpec, limit: int | None) -> LoadedTask:
    """Read and check one task's file; EvalFileError (one line) when it is unusable."""
    loaded: MCQSet | ItemSet
    if spec.kind == "mcq":
        loaded = load_mcq(spec.path)
    elif spec.kind == "summary":
        loaded = load_summaries(spec.path)
    else:
        loaded = load_codegen(spec.path)
    items = loaded.items[:limit] if limit else loaded.items
    info: dict[str, Any] = {"kind": spec.kind, "path": str(spec.path), "items": len(items),
                            "items_in_file": len(loaded.items), "rejected": len(loaded.rejected),
                            "rejected_by_reason": dict(Counter(r["reason"] for r in loaded.rejected)),
                            "rejected_examples": loaded.rejected[:_EXAMPLES]}
    if isinstance(loaded, MCQSet):
        groups = duplicate_groups(items)
        info |= {"format": loaded.format, "not_multiple_choice": dict(loaded.not_multiple_choice),
                 "chance": chance_level(items),
                 "duplicates": {"groups": len(groups), "repeated_items": sum(len(g) - 1 for g in groups),
                                "examples": groups[:_EXAMPLES]}}
    return LoadedTask(spec, items, info)


def load_model(settings: EvalSettings) -> LocalLM:
    """The model (with its adapter when given) through the trainer's loader, so specs mean the same thing."""
    from geocorpus.train.base_model import load_base_model, load_with_adapter

    common = {"gguf_file": settings.gguf_file, "dtype": settings.dtype, "device": settings.device}
    if settings.adapter:
        model, tokenizer = load_with_adapter(settings.model, settings.adapter, **common)
    else:
        model, tokenizer = load_base_model(settings.model, **common)
    return LocalLM(model, tokenizer, batch_size=settings.batch_size)


def run_evaluation(settings: EvalSettings, tasks: list[LoadedTask], output: Path, *, judge: Judge | None = None,
                   lm: LocalLM | None = None, console: Console | None = None,
                   fresh: bool = False) -> dict[str, Any]:
    """Evaluate every task on every model label and return (and write) the results document."""
    console = console or Console(stderr=True)
    started = time.perf_counter()
    results = _start(settings, tasks, output, fresh)
    pending = [(t, label) for t in tasks for label in settings.labels
               if label not in results["tasks"][t.spec.name].get("results", {})]
    if pending and lm is None:
        with console.status(f"loading {settings.model}" + (f" + {settings.adapter}" if settings.adapter else "")):
            load_started = time.perf_counter()
            lm = load_model(settings)
            results["timings"]["load_s"] = round(time.perf_counter() - load_started, 3)
    with _bars(console) as bars:
        for task, label in pending:
            assert lm is not None
            with lm.adapter(label != "base"):
                outcome = _evaluate(task, lm, settings, judge, bars(f"{task.spec.name} · {label}"))
            entry = results["tasks"][task.spec.name]
            entry.setdefault("results", {})[label] = outcome
            entry["delta"] = deltas(entry["results"])
            results["timings"]["total_s"] = round(time.perf_counter() - started, 3)
            write_json(output, results)
    results["timings"]["total_s"] = round(time.perf_counter() - started, 3)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(output, results)
    return results


def _evaluate(task: LoadedTask, lm: LocalLM, settings: EvalSettings, judge: Judge | None,
              progress: Callable[[str, int], Advance]) -> dict[str, Any]:
    spec = task.spec
    if spec.kind == "mcq":
        options = MCQOptions(style=spec.style or "cloze", mode=spec.mode or "loglik",
                             max_new_tokens=min(spec.max_new_tokens or 32, 64))
        return evaluate_mcq(lm, task.items, options, progress)
    if spec.kind == "summary":
        from geocorpus.evaluate.summary import evaluate_summaries

        def summarise(prompts: Any, advance: Advance | None) -> list[str]:
            replies = lm.generate([lm.chat_prompt(p) for p in prompts], max_new_tokens=spec.max_new_tokens or 128,
                                  seed=settings.seed, advance=advance)
            return [r[0] for r in replies]

        return evaluate_summaries(task.items, summarise, judge=judge, progress=progress)
    from geocorpus.evaluate.codegen import evaluate_codegen
    from geocorpus.sandbox import Limits

    def sample(prompts: Any, n: int, advance: Advance | None) -> list[list[str]]:
        return lm.generate([lm.chat_prompt(p) for p in prompts], n=n, temperature=spec.temperature or 0.0,
                           top_p=0.95, max_new_tokens=spec.max_new_tokens or 512, seed=settings.seed,
                           advance=advance)

    return evaluate_codegen(task.items, sample, n=spec.n or 1, ks=spec.k or [1], workers=settings.workers,
                            limits=Limits(timeout_s=settings.sandbox_timeout_s), progress=progress)


def _start(settings: EvalSettings, tasks: list[LoadedTask], output: Path, fresh: bool) -> dict[str, Any]:
    """A new results document, or the previous one when it was made with the same settings (resume)."""
    run = asdict(settings)
    previous = _read_previous(output) if not fresh else None
    same_run = previous is not None and previous.get("config", {}).get("run") == run
    results: dict[str, Any] = {
        "geocorpus_version": __version__,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"model": settings.model, "run": run, "machine": _machine()},
        "models": settings.labels,
        "tasks": {},
        "timings": {},
    }
    for task in tasks:
        spec = task.spec.model_dump(mode="json")
        entry = {"spec": spec, **task.info, "results": {}}
        old = previous["tasks"].get(task.spec.name) if same_run and previous else None
        if old and old.get("spec") == spec:
            entry["results"] = {k: v for k, v in old.get("results", {}).items() if k in settings.labels}
            entry["delta"] = deltas(entry["results"])
        results["tasks"][task.spec.name] = entry
    return results


def _read_previous(output: Path) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(output.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("tasks"), dict) else None


def _machine() -> dict[str, Any]:
    import os

    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cpus": os.cpu_count()}
    try:
        import torch
        import transformers

        info |= {"torch": torch.__version__, "transformers": transformers.__version__,
                 "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    except ImportError:
        pass
    return info


@contextmanager
def _bars(console: Console) -> Iterator[Callable[[str], Callable[[str, int], Advance]]]:
    """`bars(label)(phase, total)` → an advance(n) callback driving one rich progress bar."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=False) as progress:
        def for_label(label: str) -> Callable[[str, int], Advance]:
            def start(phase: str, total: int) -> Advance:
                bar = progress.add_task(f"{label} · {phase}", total=total)
                return lambda n: progress.advance(bar, n)
            return start
        yield for_label
