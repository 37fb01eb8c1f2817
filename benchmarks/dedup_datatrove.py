"""datatrove's MinHash pipeline (Signature → Buckets → Cluster → Filter) over JSONL files; run in its own venv.

    python dedup_datatrove.py INPUT_DIR WORK_DIR WORKERS BANDS ROWS

datatrove's English word tokenizer needs spaCy; a regex word tokenizer (the same words geocorpus uses for
prose) is passed instead, which only makes datatrove faster. Writes WORK_DIR/clusters.json {id: cluster}.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.word_tokenizers import WordTokenizer

WORD = re.compile(r"[^\W_]+")


class RegexWords(WordTokenizer):
    def word_tokenize(self, text: str) -> list[str]:
        return WORD.findall(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return [text]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))]


def main() -> None:
    source, work, workers, bands, rows = sys.argv[1], Path(sys.argv[2]), *map(int, sys.argv[3:6])
    tasks = len(list(Path(source).glob("*.jsonl")))
    config = MinhashConfig(n_grams=5, num_buckets=bands, hashes_per_bucket=rows)
    logs = str(work / "logs")
    reader = JsonlReader(source, text_key="text", id_key="id")
    stages = [
        LocalPipelineExecutor([reader, MinhashDedupSignature(str(work / "sigs"), config=config, language=RegexWords())],
                              tasks=tasks, workers=workers, logging_dir=f"{logs}/1"),
        LocalPipelineExecutor([MinhashDedupBuckets(str(work / "sigs"), str(work / "buckets"), config=config)],
                              tasks=bands, workers=workers, logging_dir=f"{logs}/2"),
        LocalPipelineExecutor([MinhashDedupCluster(str(work / "buckets"), str(work / "remove"), config=config,
                                                   save_cluster_id=True)], tasks=1, logging_dir=f"{logs}/3"),
        LocalPipelineExecutor([reader, MinhashDedupFilter(str(work / "remove"), load_cluster_ids=True,
                                                          exclusion_writer=JsonlWriter(str(work / "removed"))),
                               JsonlWriter(str(work / "kept"))], tasks=tasks, workers=workers, logging_dir=f"{logs}/4"),
    ]
    for stage in stages:
        stage.run()
    clusters = {}
    for path in sorted((work / "kept").glob("*")) + sorted((work / "removed").glob("*")):
        with gzip.open(path, "rt") as handle:
            for line in handle:
                doc = json.loads(line)
                cluster = doc["metadata"].get("minhash_cluster_id", -1)
                clusters[doc["id"]] = f"c{cluster}" if cluster != -1 else f"d{doc['id']}"
    (work / "clusters.json").write_text(json.dumps(clusters))


if __name__ == "__main__":
    main()
