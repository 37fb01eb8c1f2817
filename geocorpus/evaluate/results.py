"""results.json (per task, per model: metrics, counts, timings, per-item detail) and the side-by-side table.

The file is rewritten atomically after every (task, model) evaluation, so a killed run keeps what it
finished and a rerun with the same settings picks up from there (see runner.py).
"""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

# Metrics where lower is better; the delta column colours them the other way round.
LOWER_IS_BETTER = {"unparsed_gen", "judge_failed"}


def deltas(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    """tuned - base for every metric both models have (empty unless both were evaluated)."""
    if "base" not in results or "tuned" not in results:
        return {}
    base, tuned = results["base"]["metrics"], results["tuned"]["metrics"]
    return {name: tuned[name] - base[name] for name in base
            if _number(base.get(name)) and _number(tuned.get(name))}


def table(results: dict[str, Any]) -> Table:
    """One row per task and metric, one column per model, plus Δ (tuned - base) when both ran."""
    models = results.get("models", [])
    compare = models == ["base", "tuned"]
    view = Table(title=f"geocorpus eval · {results['config']['model']}", show_lines=False)
    view.add_column("task")
    view.add_column("metric")
    view.add_column("items", justify="right")
    for model in models:
        view.add_column(model, justify="right")
    if compare:
        view.add_column("Δ", justify="right")
    for name, task in results.get("tasks", {}).items():
        runs = task.get("results", {})
        metrics = list(dict.fromkeys(m for model in models for m in runs.get(model, {}).get("metrics", {})))
        for row, metric in enumerate(metrics):
            cells = [_fmt(runs.get(model, {}).get("metrics", {}).get(metric)) for model in models]
            if compare:
                cells.append(_delta(metric, task.get("delta", {}).get(metric)))
            view.add_row(name if row == 0 else "", metric, str(task.get("items", "")) if row == 0 else "", *cells)
        if metrics:
            view.add_section()
    return view


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: Any) -> str:
    if not _number(value):
        return "–"
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def _delta(metric: str, value: Any) -> str:
    if not _number(value):
        return ""
    better = value < 0 if metric in LOWER_IS_BETTER else value > 0
    colour = "green" if better else "red" if value else "dim"
    return f"[{colour}]{value:+.4f}[/]"
