"""Write-then-rename: a file under its final name is always complete, whatever kill came before."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TMP_MARK = ".tmp-"


@contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling path; rename it to `final` only if the block succeeds."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}{TMP_MARK}{uuid.uuid4().hex[:8]}")
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, value: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(value, indent=1, sort_keys=True, default=str), encoding="utf-8")


def remove_leftovers(directory: Path) -> None:
    """Delete temporary files a killed run left behind (they are never read)."""
    if directory.is_dir():
        for leftover in directory.rglob(f".*{TMP_MARK}*"):
            leftover.unlink(missing_ok=True)
