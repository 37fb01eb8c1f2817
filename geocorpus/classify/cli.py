"""`geocorpus classifier train|score`: build the geoscience classifier from your own texts, and check it.

Errors are one line on stderr and exit code 2, like the rest of the `geocorpus` command.
"""

from __future__ import annotations

import json
import sys
from itertools import chain
from pathlib import Path
from typing import NoReturn

import click


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group()
def classifier() -> None:
    """Train (`train`) and check (`score`) fastText geoscience classifiers."""


@classifier.command()
@click.option("--positive", "-p", "positive", multiple=True, required=True,
              help="Geoscience texts: a file, directory, glob, JSONL/Parquet, or a saved `datasets` dir (repeat).")
@click.option("--negative", "-n", "negative", multiple=True, required=True, help="General texts (same forms).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Model file to write (.ftz when quantised).")
@click.option("--text-field", default="text", show_default=True, help="Field holding the text in JSONL/Parquet.")
@click.option("--test-fraction", type=click.FloatRange(0, 0.9), default=0.2, show_default=True,
              help="Share of documents held out for the printed precision/recall/F1/AUC.")
@click.option("--epoch", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--dim", type=click.IntRange(min=2), default=32, show_default=True)
@click.option("--lr", type=click.FloatRange(min=0.001), default=0.5, show_default=True)
@click.option("--word-ngrams", type=click.IntRange(1, 5), default=2, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--passage-words", type=click.IntRange(min=10), default=200, show_default=True,
              help="Training texts are cut into passages of a sentence to twice this many words.")
@click.option("--no-quantize", is_flag=True, help="Keep the full-size model (.bin) instead of quantising.")
def train(positive: tuple[str, ...], negative: tuple[str, ...], output: Path, text_field: str,
          test_fraction: float, epoch: int, dim: int, lr: float, word_ngrams: int, seed: int,
          passage_words: int, no_quantize: bool) -> None:
    """Train a geoscience-vs-general fastText classifier and print its held-out quality."""
    from geocorpus.classify.fasttext import Hyper
    from geocorpus.classify.inputs import InputError, read_texts
    from geocorpus.classify.training import train_classifier

    hyper = Hyper(epoch=epoch, lr=lr, dim=dim, wordNgrams=word_ngrams, seed=seed, quantize=not no_quantize)
    try:
        pos = list(chain.from_iterable(read_texts(spec, text_field) for spec in positive))
        neg = list(chain.from_iterable(read_texts(spec, text_field) for spec in negative))
        if not pos or not neg:
            _fail("no texts read from " + ("--positive" if not pos else "--negative"))
        click.echo(f"read {len(pos)} positive and {len(neg)} negative texts", err=True)
        report = train_classifier(pos, neg, output, hyper, test_fraction, passage_words)
    except (InputError, ValueError) as error:
        _fail(str(error))
    click.echo(f"model: {output} ({output.stat().st_size / 1e6:.2f} MB)")
    click.echo(report.line() if report else "held-out: none (test fraction 0 or one class too small)")


@classifier.command()
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--model", "-m", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Model file (default: the shipped geoscience model).")
@click.option("--text-field", default="text", show_default=True,
              help="JSON lines: the field to score; other lines are scored as plain text.")
def score(file: Path, model: Path | None, text_field: str) -> None:
    """Print P(geoscience) for each line of FILE (JSONL or plain text; `-` reads stdin), one per line."""
    from geocorpus.classify.fasttext import GEO_MODEL, geo_scores, load

    try:
        loaded = load(str(model or GEO_MODEL))
    except (FileNotFoundError, ValueError) as error:
        _fail(str(error))
    if str(file) != "-" and not file.is_file():
        _fail(f"no such file: {file}")
    stream = sys.stdin if str(file) == "-" else file.open(encoding="utf-8", errors="replace")
    with stream:
        for line in stream:
            click.echo(f"{geo_scores(loaded, [_text(line, text_field)])[0]:.4f}")


def _text(line: str, field: str) -> str:
    """The text of one input line: a JSON object's field, or the line itself."""
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            record = json.loads(stripped)
        except json.JSONDecodeError:
            return stripped
        if isinstance(record, dict) and isinstance(record.get(field), str):
            return record[field]
    return stripped
