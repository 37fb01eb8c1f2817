"""Where build outputs live: a local folder, a shared mount, or object storage (`s3://`, `gs://`, …).

Every location is a `UPath` (universal_pathlib over fsspec). A plain path stays a real `pathlib.Path`, so
local builds keep native calls (atomic `os.replace`, memory-mapped Arrow files); a URL goes through the
fsspec filesystem of its protocol, installed by the user (`s3fs`, `gcsfs`, …). Arrow and Parquet files
are opened through these helpers so no step has to know which kind of storage it reads.
"""

from __future__ import annotations

import os
import pathlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from upath import UPath

LOCAL_PROTOCOLS = ("", "file", "local")


class StorageError(Exception):
    """A storage URL whose filesystem cannot be used (package missing, unknown protocol)."""


def location(value: str | os.PathLike[str]) -> UPath:
    """A path or URL as a UPath; a URL's filesystem package missing is one clear error, not a traceback."""
    try:
        path = UPath(value)
        if not is_local(path):
            path.fs  # noqa: B018 - instantiating the filesystem is what tells whether its package is installed
    except (ImportError, ValueError) as error:
        protocol = str(value).split("://", 1)[0]
        raise StorageError(f"storage {str(value)!r}: {error}; install the fsspec filesystem for {protocol}:// "
                           f"(e.g. pip install s3fs or gcsfs)") from error
    return path


def is_local(path: UPath | pathlib.Path) -> bool:
    """True for paths on this machine's filesystem (plain paths and `file://` URLs)."""
    return isinstance(path, pathlib.Path) or path.protocol in LOCAL_PROTOCOLS


def native(path: UPath | pathlib.Path) -> str:
    """The operating-system path of a local location."""
    return str(path) if isinstance(path, pathlib.Path) else path.path


def forget_listings(path: UPath | pathlib.Path) -> None:
    """Drop cached folder listings of a remote filesystem: other processes wrote there since they were made."""
    if not is_local(path):
        path.fs.invalidate_cache()


def remove_tree(path: UPath | pathlib.Path) -> None:
    """Delete a folder (or prefix) and everything under it; a missing one is fine."""
    if is_local(path):
        shutil.rmtree(native(path), ignore_errors=True)
    elif path.exists():
        path.fs.rm(path.path, recursive=True)


def parquet_file(path: UPath | pathlib.Path) -> pq.ParquetFile:
    """A Parquet file opened for reading row groups and batches."""
    if is_local(path):
        return pq.ParquetFile(native(path))
    return pq.ParquetFile(path.path, filesystem=path.fs)


def read_parquet(path: UPath | pathlib.Path, **options: Any) -> pa.Table:
    """A whole Parquet file (or the rows passing `filters=`) as a table."""
    if is_local(path):
        return pq.read_table(native(path), **options)
    return pq.read_table(path.path, filesystem=path.fs, **options)


@contextmanager
def arrow_file(path: UPath | pathlib.Path, *, memory_map: bool = False) -> Iterator[pa.ipc.RecordBatchFileReader]:
    """An Arrow IPC file; memory-mapped on local disk when asked (its batches then live only in the block)."""
    if is_local(path):
        source = pa.memory_map(native(path)) if memory_map else pa.OSFile(native(path))
        with source:
            yield pa.ipc.open_file(source)
    else:
        with path.fs.open(path.path, "rb") as handle:
            yield pa.ipc.open_file(handle)
