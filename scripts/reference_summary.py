"""Print the numbers of a reference run (scripts/reference_run.sh) as Markdown: what each stage produced.

The README's "Reference run" table is this script's output, so the figures there are the run's own files read
back — build stats.json, each generation's stats.json, the training log and the eval results.json — never
typed in by hand. Missing files (a stage that has not run yet) are shown as such.

    python scripts/reference_summary.py runs/reference
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

#: per-step losses of a few-step run jump with each batch: the first and last few are averaged
LOSS_WINDOW = 3


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


def _fmt(value: Any, digits: int = 3) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return "–" if value is None else str(value)


def timings(run: Path) -> list[str]:
    path = run / "timings.tsv"
    rows = [line.split("\t") for line in path.read_text().splitlines() if line] if path.is_file() else []
    total = sum(float(seconds) for _, seconds in rows)
    lines = ["| stage | wall time (s) |", "| --- | ---: |", *(f"| {name} | {seconds} |" for name, seconds in rows)]
    return [*lines, f"| **total** | **{total:.1f}** |"]


def build(run: Path) -> list[str]:
    stats = _load(run / "corpus" / "stats.json")
    if stats is None:
        return ["build: not run"]
    read = sum(step["in"] for step in stats["steps"] if step["position"] == 0)
    return [f"build: {read} documents read, {stats['documents']} kept, {stats['rejected']} rejected "
            f"(by filters, licence gate and dedup; reasons in corpus/stats.json)"]


def generation(run: Path, folder: str) -> list[str]:
    stats = _load(run / folder / "stats.json")
    if stats is None:
        return [f"{folder}: not run"]
    lines = ["| task | requests | replies unparseable | pairs | passed verification (kept) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, task in stats["tasks"].items():
        unparseable = task.get("failed", {}).get("unparseable", 0)
        lines.append(f"| {name} | {task['requests']} | {unparseable} | {task['pairs']} | {task['kept']} |")
    return lines


def training(run: Path) -> list[str]:
    path = run / "train" / "train_log.jsonl"
    if not path.is_file():
        return ["train: not run"]
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    lines = [f"| stage | examples | packed rows | steps | loss, first → last {LOSS_WINDOW} steps (mean) | "
             "trainable tokens/s | peak RSS (GB) |",
             "| --- | ---: | ---: | ---: | --- | ---: | ---: |"]
    for stage in dict.fromkeys(r["stage"] for r in records):
        mine = [r for r in records if r["stage"] == stage]
        start = next((r for r in mine if r["event"] == "start"), {})
        losses = [r["loss"] for r in mine if r["event"] == "log" and r.get("loss") is not None]
        end = next((r for r in reversed(mine) if r["event"] == "end"), {})
        peak = end.get("peak_memory_bytes")
        lines.append(f"| {stage} | {_fmt(start.get('examples'))} | {_fmt(start.get('packed_rows'))} | "
                     f"{_fmt(end.get('step'))} | {_fmt(_mean(losses[:LOSS_WINDOW]))} → "
                     f"{_fmt(_mean(losses[-LOSS_WINDOW:]))} | {_fmt(end.get('trainable_tokens_per_s'), 1)} | "
                     f"{_fmt(peak / 1e9 if peak else None, 2)} |")
    return lines


def evaluation(run: Path) -> list[str]:
    results = _load(run / "eval" / "results.json")
    if results is None:
        return ["eval: not run"]
    lines = ["| task | items | chance | metric | base | tuned | Δ |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for name, task in results["tasks"].items():
        runs = task.get("results", {})
        base, tuned = runs.get("base", {}).get("metrics", {}), runs.get("tuned", {}).get("metrics", {})
        for metric in base:
            if metric.endswith("_dedup") or not isinstance(base[metric], int | float):
                continue
            lines.append(f"| {name} | {task.get('items')} | {_fmt(task.get('chance'))} | {metric} | "
                         f"{_fmt(base[metric])} | {_fmt(tuned.get(metric))} | "
                         f"{_fmt(task.get('delta', {}).get(metric))} |")
    return lines


def summary(run: Path) -> str:
    machine = (run / "machine.txt").read_text().strip().splitlines() if (run / "machine.txt").is_file() else []
    parts = [["Machine: " + "; ".join(machine)], timings(run), build(run),
             ["Generated SFT pairs (sft/stats.json):"], generation(run, "sft"),
             ["Generated eval items (eval_gen/stats.json):"], generation(run, "eval_gen"),
             ["Training (train/train_log.jsonl):"], training(run),
             ["Evaluation, base vs tuned (eval/results.json):"], evaluation(run)]
    return "\n\n".join("\n".join(part) for part in parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="the reference run's output directory")
    print(summary(parser.parse_args().run), end="")


if __name__ == "__main__":
    main()
