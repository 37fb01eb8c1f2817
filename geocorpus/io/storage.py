"""Where build outputs live: a local folder, a shared mount, or object storage (`s3://`, `gs://`, …).

A URL is a `UPath` (universal_pathlib over fsspec) going through the fsspec filesystem of its protocol,
installed by the user (`s3fs`, `gcsfs`, …). A plain path stays a `pathlib.Path`: local builds keep native
calls (atomic `os.replace`, memory-mapped Arrow files) and never import fsspec (~0.1 s in every worker).
Arrow and Parquet files are opened through these helpers so no step has to know which storage it reads.
"""

from __future__ import annotations

import os
import pathlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from typing import TypeAlias

    from upath import UPath

    StoragePath: TypeAlias = pathlib.Path | UPath  # a local path or a URL's UPath

LOCAL_PROTOCOLS = ("", "file", "local")


class StorageError(Exception):
    """A storage URL whose filesystem cannot be used (package missing, unknown protocol)."""


def path_of(value: str | os.PathLike[str]) -> StoragePath:
    """A plain path as a `pathlib.Path`, a URL (`s3://…`, `file://…`) as a `UPath`."""
    text = os.fspath(value)
    if "://" not in text:
        return pathlib.Path(text)
    from upath import UPath

    return UPath(text)


def location(value: str | os.PathLike[str]) -> StoragePath:
    """`path_of`, checked: a URL's filesystem package missing is one clear error, not a traceback."""
    try:
        path = path_of(value)
        if not is_local(path):
            path.fs  # noqa: B018 - instantiating the filesystem is what tells whether its package is installed
    except (ImportError, ValueError) as error:
        protocol = str(value).split("://", 1)[0]
        raise StorageError(f"storage {str(value)!r}: {error}; install the fsspec filesystem for {protocol}:// "
                           f"(e.g. pip install s3fs or gcsfs)") from error
    return path


def is_local(path: StoragePath) -> bool:
    """True for paths on this machine's filesystem (plain paths and `file://` URLs)."""
    return isinstance(path, pathlib.Path) or path.protocol in LOCAL_PROTOCOLS


def native(path: StoragePath) -> str:
    """The operating-system path of a local location."""
    return str(path) if isinstance(path, pathlib.Path) else path.path


def forget_listings(path: StoragePath) -> None:
    """Drop cached folder listings of a remote filesystem: other processes wrote there since they were made."""
    if not is_local(path):
        path.fs.invalidate_cache()


def remove_tree(path: StoragePath) -> None:
    """Delete a folder (or prefix) and everything under it; a missing one is fine."""
    if is_local(path):
        shutil.rmtree(native(path), ignore_errors=True)
    elif path.exists():
        path.fs.rm(path.path, recursive=True)


def parquet_file(path: StoragePath) -> pq.ParquetFile:
    """A Parquet file opened for reading row groups and batches."""
    if is_local(path):
        return pq.ParquetFile(native(path))
    return pq.ParquetFile(path.path, filesystem=path.fs)


def read_parquet(path: StoragePath, **options: Any) -> pa.Table:
    """A whole Parquet file (or the rows passing `filters=`) as a table."""
    if is_local(path):
        return pq.read_table(native(path), **options)
    return pq.read_table(path.path, filesystem=path.fs, **options)


@contextmanager
def arrow_file(path: StoragePath, *, memory_map: bool = False) -> Iterator[pa.ipc.RecordBatchFileReader]:
    """An Arrow IPC file; memory-mapped on local disk when asked (its batches then live only in the block)."""
    if is_local(path):
        source = pa.memory_map(native(path)) if memory_map else pa.OSFile(native(path))
        with source:
            yield pa.ipc.open_file(source)
    else:
        with path.fs.open(path.path, "rb") as handle:
            yield pa.ipc.open_file(handle)
