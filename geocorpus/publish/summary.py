"""One pass over what will be published: the counts the card prints and the values the plots draw.

The card and the report read the same numbers from the same pass, so a figure never disagrees with a table.
Tokens are estimated as characters / 4, the rule `geocorpus inspect` uses: no tokenizer is downloaded to
describe a corpus, and the card says that it is an estimate.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from geocorpus.publish.source import Config, Source
from geocorpus.report import CHARS_PER_TOKEN

#: Scores drawn with their recipe threshold: (score key, step, parameter, "min" keeps above, "max" below).
THRESHOLDED_SCORES = (
    ("gopher_words", "gopher_quality", "min_words", "min"),
    ("lang_score", "langid", "min_score", "min"),
    ("geo_score", "geo_score", "min_score", "min"),
    ("code_max_line_length", "code_quality", "max_line_length", "max"),
)


@dataclass
class Group:
    """Documents and characters of one source (or task), with its licences."""

    documents: int = 0
    chars: int = 0
    licenses: Counter = field(default_factory=Counter)

    @property
    def tokens(self) -> int:
        return self.chars // CHARS_PER_TOKEN


@dataclass
class Summary:
    """Everything counted over the published configs (and, for the plots, the rejected documents)."""

    documents: int = 0
    chars: int = 0
    by_config: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    by_group: dict[str, Group] = field(default_factory=lambda: defaultdict(Group))
    licenses: Counter = field(default_factory=Counter)
    langs: Counter = field(default_factory=Counter)
    lengths: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    scores: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rejected_scores: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cluster_sizes: list[int] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return self.chars // CHARS_PER_TOKEN


def summarise(source: Source) -> Summary:
    """Count the published rows of every config of `source`."""
    summary = Summary()
    generation = source.kind == "generation"
    for config in source.configs:
        _count_config(summary, config, generation)
    if not generation:
        _count_rejected(summary, source.root / "rejected")
    return summary


def _count_config(summary: Summary, config: Config, generation: bool) -> None:
    text_columns = ["instruction", "input", "output"] if generation else ["text"]
    group_column, bucket_column = ("task", "task") if generation else ("source", "kind")
    score_column = [] if generation else ["scores"]
    columns = sorted({*text_columns, group_column, bucket_column, "license", "lang", *score_column})
    for batch in config.batches(columns):
        lengths = None
        for name in text_columns:
            part = pc.fill_null(pc.utf8_length(batch[name]), 0)
            lengths = part if lengths is None else pc.add(lengths, part)
        values = lengths.to_pylist()
        groups = batch[group_column].to_pylist()
        buckets = batch[bucket_column].to_pylist()
        licenses = [str(v or "unknown") for v in batch["license"].to_pylist()]
        langs = [str(v) if v else "unknown" for v in batch["lang"].to_pylist()]
        for row, length in enumerate(values):
            for group in (summary.by_group[str(groups[row])], summary.by_config[config.name]):
                group.documents += 1
                group.chars += length
                group.licenses[licenses[row]] += 1
            summary.lengths[str(buckets[row])].append(length)
        summary.documents += len(values)
        summary.chars += sum(values)
        summary.licenses.update(licenses)
        summary.langs.update(langs)
        if score_column:
            for text in batch["scores"].to_pylist():
                scores = json.loads(text or "{}")
                _collect(summary.scores, scores)
                if "dup_cluster_size" in scores:
                    summary.cluster_sizes.append(int(scores["dup_cluster_size"]))


def _count_rejected(summary: Summary, rejected: Path) -> None:
    """Scores of dropped documents: a threshold line only means something with both sides drawn."""
    for path in sorted(rejected.glob("*.parquet")):
        for batch in pq.ParquetFile(path).iter_batches(columns=["scores"]):
            for text in batch["scores"].to_pylist():
                _collect(summary.rejected_scores, json.loads(text or "{}"))


def _collect(target: dict[str, list[float]], scores: dict) -> None:
    for key, _step, _param, _side in THRESHOLDED_SCORES:
        if key in scores:
            target[key].append(float(scores[key]))
