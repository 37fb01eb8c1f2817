"""Write-then-rename: a file under its final name is always complete, whatever kill came before.

Local files are written under a temporary sibling name and renamed (`os.replace` is atomic). Object stores
have no rename, but an object only appears when its upload completes: there the file is opened with
fsspec's `autocommit=False`, committed on success and discarded (multipart upload aborted) on an error.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import pyarrow as pa

from geocorpus.io.storage import is_local, native

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

TMP_MARK = ".tmp-"


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling path of a local file; rename it to `final` only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}{TMP_MARK}{uuid.uuid4().hex[:8]}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_write(final: StoragePath) -> Iterator[IO[bytes] | pa.NativeFile]:
    """A binary file that appears under `final`, on any storage, only if the block succeeds.

    A local file is Arrow's own (`OSFile`): Parquet and Arrow writers then write without Python in between.
    """
    if is_local(final):
        with atomic_path(Path(native(final))) as tmp, pa.OSFile(str(tmp), "wb") as handle:
            yield handle
        return
    handle = final.fs.open(final.path, "wb", autocommit=False)
    try:
        with handle:
            yield handle
    except BaseException:
        handle.discard()
        raise
    handle.commit()


def write_text(path: StoragePath, text: str) -> None:
    with atomic_write(path) as handle:
        handle.write(text.encode("utf-8"))


def write_json(path: StoragePath, value: Any) -> None:
    write_text(path, json.dumps(value, indent=1, sort_keys=True, default=str))


def remove_leftovers(directory: StoragePath) -> None:
    """Delete temporary files a killed run left behind (they are never read)."""
    if directory.is_dir():
        for leftover in directory.rglob(f".*{TMP_MARK}*"):
            leftover.unlink(missing_ok=True)
