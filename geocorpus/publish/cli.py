"""`geocorpus publish` and `geocorpus report`: commands only; the work is in the modules beside this one.

Exit codes as everywhere: 0 done, 1 the upload failed (run again: it resumes), 2 bad input (paths, options,
licence gate, credentials). Errors are one line on stderr; the licence gate adds its table below that line.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

_REPO_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"


def _fail(message: str, code: int = 2, details: str = "") -> NoReturn:
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    if details:
        err.print(details, markup=False, highlight=False, soft_wrap=True)
    sys.exit(code)


def _say(message: str) -> None:
    click.echo(message, err=True)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--repo-id", required=True, help="Hub dataset repository, ORG/NAME (created if missing).")
@click.option("--private", is_flag=True, help="Create the repository private (an existing one keeps its setting).")
@click.option("--revision", default=None, help="Branch to commit to (created from main if missing). Default: main.")
@click.option("--config", "configs", multiple=True,
              help="Publish only this config (literature, code, sft, eval); repeatable. Default: all.")
@click.option("--shard-size", default="500MB", show_default=True,
              help="Cut Parquet shards at this much data (in memory; files are smaller, zstd).")
@click.option("--dry-run", "dry_run", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write exactly what would be uploaded into this new directory; upload nothing.")
@click.option("--allow-license", "allow", multiple=True, help="Also allow this SPDX id past the gate; repeatable.")
@click.option("--override-license-gate", is_flag=True,
              help="Publish even rows whose licence the gate refuses (the card says so).")
@click.option("--endpoint", default=None, envvar="HF_ENDPOINT",
              help="Hub URL (default: HF_ENDPOINT or https://huggingface.co).")
@click.option("--no-figures", is_flag=True, help="Leave the figures out of the card (faster).")
def publish(directory: Path, repo_id: str, private: bool, revision: str | None, configs: tuple[str, ...],
            shard_size: str, dry_run: Path | None, allow: tuple[str, ...], override_license_gate: bool,
            endpoint: str | None, no_figures: bool) -> None:
    """Publish a built DIRECTORY as a Hugging Face dataset: Parquet shards per config, card, figures.

    A corpus is split into `literature` and `code`; a generation output into `sft` and `eval`. The token
    comes from HF_TOKEN or `hf auth login`.
    """
    import re

    from geocorpus.publish.layout import parse_size
    from geocorpus.publish.prepare import GateRefused, prepare
    from geocorpus.publish.source import SourceError, open_source

    if not re.match(_REPO_ID, repo_id):
        _fail(f"--repo-id {repo_id!r}: expected ORG/NAME (letters, digits, '.', '_', '-')")
    try:
        shard_bytes = parse_size(shard_size)
        source = open_source(directory, configs)
    except (ValueError, SourceError) as error:
        _fail(str(error))
    if dry_run is not None and dry_run.exists() and (not dry_run.is_dir() or any(dry_run.iterdir())):
        _fail(f"--dry-run {dry_run} exists and is not an empty directory; choose a new one")
    with tempfile.TemporaryDirectory(prefix="geocorpus-publish-") as staging:
        folder = dry_run if dry_run is not None else Path(staging)
        try:
            prepared = prepare(source, folder, repo_id, shard_bytes=shard_bytes, extra_allow=allow,
                               override=override_license_gate, figures=not no_figures)
        except GateRefused as refused:
            _fail(str(refused), 2, refused.gate.table())
        configs_text = ", ".join(f"{w.name} ({w.rows:,} rows, {len(w.files)} files)" for w in prepared.written)
        if dry_run is not None:
            _say(f"dry run: {configs_text} written to {dry_run}; nothing uploaded")
            return
        from geocorpus.publish.hub import UploadError, upload_folder

        message = f"Publish {source.recipe_name or directory.name} with geocorpus: {configs_text}"
        try:
            done = upload_folder(folder, repo_id, private=private, revision=revision, endpoint=endpoint,
                                 commit_message=message)
        except UploadError as error:
            _fail(str(error), error.code)
    _say(f"published {configs_text} to {done.repo_url} ({done.revision}): {done.commit_url}")


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=Path("report.html"),
              show_default=True, help="HTML file to write (self-contained: figures embedded).")
def report(directory: Path, output: Path) -> None:
    """Write a self-contained HTML report with figures about a built DIRECTORY."""
    from geocorpus.publish.plots import render_all
    from geocorpus.publish.report import write_report
    from geocorpus.publish.source import SourceError, open_source
    from geocorpus.publish.summary import summarise

    try:
        source = open_source(directory)
    except SourceError as error:
        _fail(str(error))
    if not output.parent.is_dir():
        _fail(f"--output {output}: directory {output.parent} does not exist")
    summary = summarise(source)
    figures = render_all(source, summary)
    write_report(source, summary, figures, output)
    _say(f"report with {len(figures)} figures written to {output}")
