"""`geocorpus build` as a function: recipe → plan → output directory, usable from Python too."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from geocorpus.executors.local import LocalExecutor
from geocorpus.io.atomic import atomic_path
from geocorpus.pipeline.plan import Layout, make_plan
from geocorpus.pipeline.runner import BuildResult, prepare_output, run_plan
from geocorpus.recipe import load_recipe


def run_build(recipe_path: str | Path, *, output: str | Path | None = None, workers: int | None = None,
              fresh: bool = False, limit: int | None = None, console: Console | None = None) -> BuildResult:
    """Validate everything first (a bad recipe writes nothing), then build into the output directory."""
    recipe = load_recipe(recipe_path)
    root = Path(output if output is not None else recipe.output)
    plan = make_plan(recipe, Layout(root), limit)
    layout = prepare_output(root, fresh)
    with atomic_path(root / "recipe.yaml") as tmp:
        tmp.write_text(recipe.text, encoding="utf-8")
    executor = LocalExecutor(workers)
    try:
        return run_plan(plan, layout, executor, console)
    finally:
        executor.close()
