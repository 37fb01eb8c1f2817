"""`geocorpus generate RECIPE` (run a generation recipe) and `geocorpus generate export OUT` (other formats).

`generate` is a click group whose default command is `run`, so the common case needs no subcommand word:
`geocorpus generate recipes/geosignal_sft.yaml` is `geocorpus generate run recipes/geosignal_sft.yaml`.
Exit codes as for `build`: 0 done, 1 the run failed (rerun resumes from the request cache), 2 bad input, 130
interrupted.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


class _DefaultRun(click.Group):
    """A group that reads `generate RECIPE ...` as `generate run RECIPE ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultRun)
def generate() -> None:
    """Generate instruction pairs and eval sets from a built dataset with an LLM (see docs/generate.md).

    \b
    geocorpus generate RECIPE [-o OUT] [--limit N] [--fresh]
    geocorpus generate export OUT --format alpaca|geocode|geobench-csv|geobench-json -o FILE
    """


@generate.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (overrides the recipe's `generate.output`).")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Read at most N input documents: a quick trial (its requests are cached for the full run).")
@click.option("--fresh", is_flag=True, help="Discard earlier outputs and the request cache, and start over.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars.")
def run(recipe: Path, output: Path | None, limit: int | None, fresh: bool, quiet: bool) -> None:
    """Run RECIPE: OUT/data/<task>/*.parquet, OUT/rejected/, OUT/stats.json, OUT/README.md.

    A run that is killed can be run again with the same command: every answer already received is read
    from OUT/_cache and is not requested again.
    """
    from geocorpus.generate.inputs import InputError
    from geocorpus.generate.runner import BackendStartError, run_generate
    from geocorpus.pipeline.runner import OutputDirError
    from geocorpus.recipe import RecipeError

    try:
        result = run_generate(recipe, output=output, limit=limit, fresh=fresh, console=err, progress=not quiet)
    except RecipeError as error:
        for problem in error.problems:
            err.print(f"[bold red]error:[/] {escape(problem.render(error.file))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (OutputDirError, InputError, BackendStartError) as error:
        _fail(str(error))
    except KeyboardInterrupt:
        _fail("interrupted. Answers received so far are cached: run the same command again to resume.", 130)
    totals = result.stats["totals"]
    backend_failures = Counter({reason: n for task in result.stats["tasks"].values()
                                for reason, n in task["failed"].items() if reason.startswith("backend:")})
    if totals["requests"] and backend_failures.total() == totals["requests"]:
        _fail(f"every request failed at the backend ({', '.join(f'{r} x{n}' for r, n in backend_failures.items())}"
              f"); is {result.stats['backend']} reachable? Rerun the same command to retry them.", 1)
    err.print(f"wrote {totals['kept']} pairs ({totals['rejected']} rejected, {totals['requests']} requests) to "
              f"{result.output} in {result.seconds:.1f} s; see stats.json", highlight=False, soft_wrap=True)


@generate.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", required=True,
              type=click.Choice(["alpaca", "geocode", "geobench-csv", "geobench-json"]),
              help="alpaca: instruction/input/output; geocode: Instruction/Input/Output (GeoCode-SFT); "
                   "geobench-csv: question,A..D(E),answer (JiuZhou's GeoBench); geobench-json: K2's NPEE layout.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (.jsonl for JSON lines with alpaca/geocode; otherwise one JSON array).")
@click.option("--task", "-t", "task_names", multiple=True, help="Only these tasks (repeatable; default: all).")
def export(directory: Path, fmt: str, output: Path, task_names: tuple[str, ...]) -> None:
    """Write the accepted pairs of a generate output DIRECTORY in another format."""
    from geocorpus.generate.export import ExportError, export_pairs

    try:
        count = export_pairs(directory, fmt, output, list(task_names))
    except ExportError as error:
        _fail(str(error))
    err.print(f"wrote {count} records to {output}", highlight=False)
