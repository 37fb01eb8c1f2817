"""text-dedup's MinHash (`text_dedup.minhash`) over a saved `datasets` directory; run in its own venv.

    python dedup_textdedup.py DATASET_DIR WORK_DIR WORKERS BANDS ROWS

Runs text-dedup's own command (`--debug` makes it save its union-find) and writes WORK_DIR/clusters.json.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

from text_dedup.minhash import main as minhash


def run() -> None:
    dataset, work, workers, bands, rows = sys.argv[1], Path(sys.argv[2]), *sys.argv[3:6]
    output = work / "output"
    args = ["--path", dataset, "--local", "--output", str(output), "--column", "text", "--idx_column", "id",
            "--cache_dir", str(work / "cache"), "--num_perm", str(int(bands) * int(rows)), "--threshold", "0.8",
            "--b", bands, "--r", rows, "--ngram", "5", "--min_length", "0", "--hash_func", "xxh3",
            "--num_proc", workers, "--debug"]
    try:
        minhash(args, standalone_mode=False)
    finally:
        union_find = pickle.loads((output / "uf.pkl").read_bytes())
        clusters = {str(doc): str(union_find.find(doc)) for doc in union_find.parent}
        (work / "clusters.json").write_text(json.dumps(clusters))


if __name__ == "__main__":
    run()
