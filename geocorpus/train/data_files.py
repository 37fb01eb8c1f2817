"""Open any dataset a user points a training stage at, as a `datasets.Dataset`.

Accepted: a built corpus or generation output directory (its `data/**/*.parquet`, never `rejected/`), any
directory of Parquet or JSONL files, a single .parquet/.jsonl/.json/.csv file, or a `datasets` directory
written by `save_to_disk`. The `datasets` library does the reading (memory-mapped Arrow, no copy in RAM).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasets import Dataset

FILE_FORMATS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".csv": "csv"}
SKIPPED_DIRS = {"rejected", "_cache", ".cache", "checkpoints"}


class DatasetPathError(ValueError):
    """A dataset path that holds nothing readable; the message says what was looked for."""


def open_dataset(path: Path, limit: int | None = None) -> Dataset:
    """Read `path` into one Dataset (all files concatenated in sorted order, so row order is stable)."""
    from datasets import load_dataset, load_from_disk

    path = Path(path)
    if path.is_dir() and ((path / "dataset_info.json").is_file() or (path / "state.json").is_file()
                          or (path / "dataset_dict.json").is_file()):
        dataset = load_from_disk(str(path))
        if hasattr(dataset, "keys"):  # a DatasetDict: train on its train split
            if "train" not in dataset:
                raise DatasetPathError(f"{path}: a DatasetDict without a 'train' split ({', '.join(dataset)})")
            dataset = dataset["train"]
    else:
        builder, files = _data_files(path)
        try:
            dataset = load_dataset(builder, data_files=[str(f) for f in files], split="train")
        except Exception as error:  # datasets wraps Arrow cast/parse errors in several types; report one line
            cause = error.__cause__ or error
            raise DatasetPathError(f"{path}: cannot read its {builder} files as one table "
                                   f"({type(cause).__name__}: {str(cause).splitlines()[0][:200]})") from error
    if limit is not None and limit < len(dataset):
        dataset = dataset.select(range(limit))
    return dataset


def _data_files(path: Path) -> tuple[str, list[Path]]:
    if path.is_file():
        builder = FILE_FORMATS.get(path.suffix.lower())
        if builder is None:
            raise DatasetPathError(f"{path}: unsupported file type (use .parquet, .jsonl, .json or .csv)")
        return builder, [path]
    if not path.is_dir():
        raise DatasetPathError(f"{path}: no such file or directory")
    root = path / "data" if (path / "data").is_dir() else path
    for suffix in (".parquet", ".jsonl"):
        files = sorted(f for f in root.rglob(f"*{suffix}") if not SKIPPED_DIRS & set(f.relative_to(root).parts))
        if suffix == ".parquet" and files:
            files = _with_rows(path, files)
        if files:
            return FILE_FORMATS[suffix], files
    raise DatasetPathError(f"{path}: no .parquet or .jsonl files (looked in {root}, skipping rejected/)")


def _with_rows(path: Path, files: list[Path]) -> list[Path]:
    """Drop zero-row Parquet files: a generation task that kept no pairs writes one, and `datasets` cannot read
    it (ArrowInvalid: BatchSize must be greater than 0). Only the footer is read."""
    import pyarrow.parquet as pq

    kept = [f for f in files if pq.ParquetFile(f).metadata.num_rows > 0]
    if not kept:
        raise DatasetPathError(f"{path}: its {len(files)} Parquet file(s) hold no rows (a generation run that "
                               "kept no pairs?); remove it from the stage's datasets or generate more")
    return kept
