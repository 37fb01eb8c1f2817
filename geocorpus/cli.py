"""The `geocorpus` command: build, inspect, extract, steps.

Exit codes: 0 done, 1 the build failed (rerun resumes), 2 bad input (recipe, paths, options), 130
interrupted. Errors are one line each on stderr: what, where, how to fix.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from geocorpus import __version__
from geocorpus.classify.cli import classifier
from geocorpus.evaluate.cli import eval_command
from geocorpus.generate.cli import generate
from geocorpus.publish.cli import publish, report
from geocorpus.sources.crawl_cli import crawl
from geocorpus.train.cli import train

err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geocorpus")
def main() -> None:
    """Build LLM training data for the geosciences from a recipe (see README)."""


@main.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--output", "-o", default=None, metavar="DIR|URL",
              help="Output directory or fsspec URL, e.g. s3://bucket/corpus (overrides the recipe's `output`).")
@click.option("--workers", "-w", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores). Output does not depend on it.")
@click.option("--fresh", is_flag=True, help="Discard earlier progress in the output directory and start over.")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Read at most N documents (raw files or records) from the sources: a quick trial.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default=None,
              help="Where tasks run (overrides the recipe's `executor.type`; default local). Same output.")
@click.option("--address", default=None, metavar="ADDRESS",
              help="Ray cluster to join: auto, HOST:6379 or ray://HOST:10001 (implies --executor ray).")
def build(recipe: Path, output: str | None, workers: int | None, fresh: bool, limit: int | None,
          executor: str | None, address: str | None) -> None:
    """Run RECIPE: sources → steps → OUTPUT/data (Parquet), OUTPUT/rejected, OUTPUT/stats.json.

    A build that is killed can be run again with the same command: finished shard tasks are kept and
    the result is the same as an uninterrupted build.
    """
    from geocorpus.build import run_build
    from geocorpus.executors.base import ExecutorUnavailable, TaskFailed
    from geocorpus.io.storage import StorageError
    from geocorpus.pipeline.runner import OutputDirError
    from geocorpus.recipe import RecipeError

    try:
        result = run_build(recipe, output=output, workers=workers, fresh=fresh, limit=limit, console=err,
                           executor=executor, address=address)
    except RecipeError as error:
        for problem in error.problems:
            err.print(f"[bold red]error:[/] {escape(problem.render(error.file))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (OutputDirError, ExecutorUnavailable, StorageError) as error:
        _fail(str(error))
    except TaskFailed as error:
        _fail(f"{error}. Finished shards are kept: run the same command again to resume.", 1)
    except KeyboardInterrupt:
        _fail("interrupted. Finished shards are kept: run the same command again to resume.", 130)
    from geocorpus.report import print_build

    print_build(result, err)


@main.command()
@click.argument("directory", metavar="DIRECTORY|URL")
@click.option("--samples", "-n", type=click.IntRange(min=0), default=3, help="Sample rows to show.")
def inspect(directory: str, samples: int) -> None:
    """Summarise a built DIRECTORY (or s3://… URL): counts by source, kind, licence and language, tokens, samples."""
    from geocorpus.io.storage import StorageError, location
    from geocorpus.report import inspect_output

    try:
        inspect_output(location(directory), Console(), samples)
    except (FileNotFoundError, StorageError) as error:
        _fail(str(error))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--kind", type=str, default=None, help="Force the document kind (paper, web, code, ...).")
def extract(paths: tuple[Path, ...], kind: str | None) -> None:
    """Extract PATHS (files or directories) and print one Document per line as JSON.

    Rejected files are reported on stderr with their reason: this is how to debug extraction.
    """
    from geocorpus.extract.preview import extract_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or directory: {', '.join(missing)}")
    for doc in extract_paths(paths, kind):
        if doc.rejection:
            reason, detail = doc.rejection
            line = f"rejected {doc.url}: {reason}" + (f" ({detail})" if detail else "")
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(doc.to_json())


@main.command()
def steps() -> None:
    """List every recipe source and step with its parameters and defaults."""
    from geocorpus.report import registry_text

    click.echo(registry_text())


main.add_command(classifier)
main.add_command(crawl)
main.add_command(train)
main.add_command(eval_command)
main.add_command(generate)
main.add_command(publish)
main.add_command(report)

if __name__ == "__main__":
    main()
