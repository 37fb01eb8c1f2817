"""`geocorpus build` as a function: recipe → plan → output directory, usable from Python too."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from geocorpus.executors.select import choose, make_executor
from geocorpus.io.atomic import write_text
from geocorpus.io.storage import location
from geocorpus.pipeline.plan import Layout, make_plan
from geocorpus.pipeline.runner import BuildResult, prepare_output, run_plan
from geocorpus.recipe import load_recipe


def run_build(recipe_path: str | Path, *, output: str | Path | None = None, workers: int | None = None,
              fresh: bool = False, limit: int | None = None, console: Console | None = None,
              executor: str | None = None, address: str | None = None) -> BuildResult:
    """Validate everything first (a bad recipe writes nothing), then build into the output directory.

    `executor` ("local" or "ray") and `address` (a Ray cluster) override the recipe's `executor:` key.
    """
    recipe = load_recipe(recipe_path)
    root = location(output if output is not None else recipe.output)
    plan = make_plan(recipe, Layout(root), limit)
    config = choose(recipe.executor, executor, address)
    runner = make_executor(config, workers)  # Ray missing or unreachable: fail before writing anything
    try:
        layout = prepare_output(root, fresh)
        write_text(root / "recipe.yaml", recipe.text)
        return run_plan(plan, layout, runner, console)
    finally:
        runner.close()
