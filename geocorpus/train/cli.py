"""`geocorpus train RECIPE` and `geocorpus train merge`: thin click wrappers, heavy imports inside.

Exit codes as for `build`: 0 done, 1 training failed (rerun resumes), 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


class _RunByDefault(click.Group):
    """`geocorpus train RECIPE` means `geocorpus train run RECIPE`; `merge` stays a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_RunByDefault)
def train() -> None:
    """Train a LoRA/QLoRA adapter from a recipe (`geocorpus train RECIPE`), or merge one (`train merge`)."""


@train.command("run")
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (overrides the recipe's `output`).")
@click.option("--resume/--fresh", default=True,
              help="Resume an earlier run in the output directory (default), or discard it and start over.")
@click.option("--max-steps", type=click.IntRange(min=1), default=None,
              help="Cap every stage at N optimiser steps: a quick trial of the whole recipe.")
def run_command(recipe: Path, output: Path | None, resume: bool, max_steps: int | None) -> None:
    """Run the stages of RECIPE in order; writes OUTPUT/adapter, OUTPUT/train_log.jsonl, OUTPUT/run.json."""
    from geocorpus.recipe import RecipeError
    from geocorpus.train.base_model import BaseModelError
    from geocorpus.train.data_files import DatasetPathError
    from geocorpus.train.run import run_training

    try:
        result = run_training(recipe, output=output, fresh=not resume, max_steps=max_steps, console=err)
    except RecipeError as error:
        for problem in error.problems:
            err.print(f"[bold red]error:[/] {escape(problem.render(error.file))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (BaseModelError, DatasetPathError) as error:
        _fail(str(error))
    except ValueError as error:  # a stage without usable data or without a chat template for SFT
        _fail(str(error))
    except KeyboardInterrupt:
        _fail("interrupted. Checkpoints are kept: run the same command again to resume.", 130)
    for stage in result.stages:
        err.print(f"{stage['stage']}: {stage['steps']} steps, loss {stage['train_loss']:.4f}, "
                  f"{stage['examples']} examples → {stage['packed_rows']} rows", highlight=False)
    err.print(f"adapter: {result.adapter}" + (f"\nmerged: {result.merged}" if result.merged else ""),
              highlight=False)


@train.command("merge")
@click.option("--base", required=True, help="Base model: directory, .gguf file, pkg:NAME or Hub id.")
@click.option("--gguf-file", default=None, help="GGUF file name inside --base, when it holds several.")
@click.option("--adapter", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="LoRA adapter directory (OUT/adapter from `geocorpus train`).")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the merged model (must not exist or be empty).")
@click.option("--dtype", type=click.Choice(["bfloat16", "float16", "float32"]), default="bfloat16",
              show_default=True, help="Dtype of the merged weights (never 4-bit).")
def merge_command(base: str, gguf_file: str | None, adapter: Path, output: Path, dtype: str) -> None:
    """Merge ADAPTER into the un-quantised BASE and save a standalone model with the adapter's tokenizer."""
    from geocorpus.train.base_model import BaseModelError
    from geocorpus.train.merge import merge_adapter

    try:
        merged = merge_adapter(base, adapter, output, gguf_file=gguf_file, dtype=dtype)
    except (BaseModelError, FileExistsError) as error:
        _fail(str(error))
    err.print(f"merged: {merged}", highlight=False)
