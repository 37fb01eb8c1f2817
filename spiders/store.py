"""The crawl's output directory: durable appends that survive SIGKILL, and the index that makes resuming work.

Scrapy's JOBDIR is not enough on its own: its seen-requests file is buffered and requests in flight are
lost when the process is killed. So a crawl here never trusts its queue; it trusts what is on disk:

    documents.jsonl   one line per Document: {"key", "file", "document"} — the commit record
    files/ab/<id>.py  the raw bytes of a Document, for the `extract` step (written and renamed before its line)
    failures.jsonl    one line per failure: {"key", "url", "reason", "detail", "at"}
    done.jsonl        units (a package release, a paper) whose Documents are all stored
    crawl.json        how the last run ended (finished, limit, shutdown) and its counts

Each line is written with one `write` and fsynced; a torn last line (a kill in the middle of a write) is cut
off when the store is opened again. A rerun lists the source again and skips every key already stored, so
it ends with the same items as an uninterrupted crawl, none twice. One crawl at a time: a lock file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from geocorpus.document import Document, now_utc
from geocorpus.io.atomic import remove_leftovers
from geocorpus.io.records import record_to_document
from geocorpus.spiders.errors import TRANSIENT
from geocorpus.spiders.items import CrawlFailure

DOCUMENTS, FAILURES, DONE, SUMMARY = "documents.jsonl", "failures.jsonl", "done.jsonl", "crawl.json"


class StoreLocked(RuntimeError):
    """Another crawl is writing into the same directory."""


class CrawlStore:
    """Append-only, crash-safe writer of one crawl's output directory (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.keys: set[str] = set()
        self.units: set[str] = set()
        self.failed: set[tuple[str, str]] = set()
        self.new_documents = 0
        self.new_failures: Counter[str] = Counter()
        self._handles: dict[str, BinaryIO] = {}
        self._lock: BinaryIO | None = None

    def open(self) -> CrawlStore:
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = (self.root / ".lock").open("wb")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreLocked(f"another crawl is writing into {self.root}") from None
        remove_leftovers(self.root / "files")
        for name in (DOCUMENTS, FAILURES, DONE):
            _cut_torn_tail(self.root / name)
        self._forget_transient_failures()
        for line in _lines(self.root / DOCUMENTS):
            if line.get("file") is None or (self.root / line["file"]).is_file():
                self.keys.add(line["key"])
        self.units = {line["key"] for line in _lines(self.root / DONE)}
        self.failed = {(line["key"], line["reason"]) for line in _lines(self.root / FAILURES)}
        return self

    def _forget_transient_failures(self) -> None:
        """This run retries what was unreachable or timed out before; only its own outcome should count."""
        path = self.root / FAILURES
        lines = list(_lines(path))
        kept = [line for line in lines if line["reason"] not in TRANSIENT]
        if len(kept) < len(lines):
            _write_durably(path, b"".join((json.dumps(line, ensure_ascii=False) + "\n").encode() for line in kept))

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def has(self, key: str) -> bool:
        """True when this Document or unit is already stored: a resumed crawl need not fetch it again."""
        return key in self.keys or key in self.units

    @property
    def documents(self) -> int:
        return len(self.keys)

    def add_document(self, key: str, doc: Document) -> bool:
        """Store a Document (its raw bytes as a file); False when the key is already stored."""
        if key in self.keys:
            return False
        relative = None
        if doc.raw is not None:
            suffix = PurePosixPath(str(doc.meta.get("path") or "")).suffix.lower()[:12]
            relative = f"files/{doc.id[:2]}/{doc.id}{suffix}"
            _write_durably(self.root / relative, doc.raw)
        line = {"key": key, "file": relative, "document": json.loads(doc.to_json())}
        self._append(DOCUMENTS, line)
        self.keys.add(key)
        self.new_documents += 1
        return True

    def add_failure(self, failure: CrawlFailure) -> bool:
        """Record a failure once per (key, reason): a rerun that meets it again adds no second line."""
        if (failure.key, failure.reason) in self.failed or failure.key in self.keys:
            return False
        line = {"key": failure.key, "url": failure.url, "reason": failure.reason, "detail": failure.detail[:2000],
                "at": now_utc().isoformat()}
        self._append(FAILURES, line)
        self.failed.add((failure.key, failure.reason))
        self.new_failures[failure.reason] += 1
        return True

    def mark_done(self, key: str) -> None:
        if key not in self.units:
            self._append(DONE, {"key": key})
            self.units.add(key)

    def _append(self, name: str, line: dict[str, Any]) -> None:
        handle = self._handles.get(name)
        if handle is None:
            handle = self._handles[name] = (self.root / name).open("ab")
        handle.write((json.dumps(line, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def read_documents(root: Path, source: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
    """Stored Documents start..stop-1 (in storage order) with their raw bytes, labelled with `source`.

    A line whose file is missing or unreadable comes out rejected (`spider:missing_file`), never raised.
    """
    for number, line in enumerate(_lines(root / DOCUMENTS)):
        if number < start:
            continue
        if stop is not None and number >= stop:
            return
        doc = record_to_document(line["document"], source=source, locator=str(root / DOCUMENTS), row=number,
                                 default_kind="text", default_license="unknown")
        doc.source = source
        doc.meta["crawl_key"] = line["key"]
        if line.get("file"):
            try:
                doc.raw = (root / line["file"]).read_bytes()
            except OSError as error:
                doc.reject("spider:missing_file", f"{line['file']}: {error}")
        yield doc


def read_failures(root: Path) -> list[dict[str, Any]]:
    """Every recorded failure whose key was not stored or completed later (a retry that succeeded cancels it)."""
    stored = {line["key"] for line in _lines(root / DOCUMENTS)} | {line["key"] for line in _lines(root / DONE)}
    return [line for line in _lines(root / FAILURES) if line["key"] not in stored]


def count_documents(root: Path) -> int:
    return sum(1 for _ in _lines(root / DOCUMENTS))


def read_summary(root: Path) -> dict[str, Any] | None:
    try:
        return json.loads((root / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    """Parsed lines; a line that is not complete JSON (only possible as the torn last one) is skipped."""
    if not path.is_file():
        return
    with path.open("rb") as handle:
        for raw in handle:
            if raw.endswith(b"\n"):
                try:
                    yield json.loads(raw)
                except json.JSONDecodeError:
                    continue


def _cut_torn_tail(path: Path, block: int = 1 << 16) -> None:
    """Truncate a file to its last newline, so the next append starts a fresh, whole line."""
    if not path.is_file():
        return
    with path.open("r+b") as handle:
        end = handle.seek(0, os.SEEK_END)
        position = end
        while position > 0:
            start = max(0, position - block)
            handle.seek(start)
            chunk = handle.read(position - start)
            if position == end and chunk.endswith(b"\n"):
                return
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return
            position = start
        handle.truncate(0)


def _write_durably(final: Path, data: bytes) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, final)
