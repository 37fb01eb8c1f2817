"""The crawl store: torn lines are cut, keys are never stored twice, one writer at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from geocorpus.document import Document
from geocorpus.spiders.items import CrawlFailure
from geocorpus.spiders.store import CrawlStore, StoreLocked, read_documents, read_failures


def _doc(key: str, raw: bytes) -> Document:
    return Document(id=key.replace(":", "-"), text="", kind="code", source="pypi_gis", license="MIT", raw=raw,
                    meta={"path": "a.py", "format": "python"})


def test_a_torn_last_line_is_cut_and_the_key_stored_again(tmp_path: Path) -> None:
    store = CrawlStore(tmp_path).open()
    assert store.add_document("k:1", _doc("k:1", b"one = 1\n"))
    assert not store.add_document("k:1", _doc("k:1", b"one = 1\n")), "a key is stored once"
    store.close()
    with (tmp_path / "documents.jsonl").open("ab") as handle:
        handle.write(b'{"key": "k:2", "file": null, "docu')  # what a SIGKILL mid-write leaves
    store = CrawlStore(tmp_path).open()
    assert store.keys == {"k:1"}
    assert store.add_document("k:2", _doc("k:2", b"two = 2\n"))
    store.close()
    docs = list(read_documents(tmp_path, "spider:pypi_gis"))
    assert [(d.meta["crawl_key"], d.raw, d.source) for d in docs] == [
        ("k:1", b"one = 1\n", "spider:pypi_gis"), ("k:2", b"two = 2\n", "spider:pypi_gis")]


def test_a_document_whose_file_was_lost_is_fetched_again(tmp_path: Path) -> None:
    store = CrawlStore(tmp_path).open()
    store.add_document("k:1", _doc("k:1", b"x"))
    store.close()
    for path in (tmp_path / "files").rglob("*.py"):
        path.unlink()
    assert not CrawlStore(tmp_path).open().has("k:1")


def test_failures_are_recorded_once_and_cancelled_by_a_later_success(tmp_path: Path) -> None:
    store = CrawlStore(tmp_path).open()
    failure = CrawlFailure(key="k:1", url="http://x/1", reason="http_503", detail="")
    assert store.add_failure(failure)
    assert not store.add_failure(failure)
    store.add_failure(CrawlFailure(key="k:2", url="http://x/2", reason="timeout"))
    store.add_document("k:1", _doc("k:1", b"x"))
    store.close()
    assert [(f["key"], f["reason"]) for f in read_failures(tmp_path)] == [("k:2", "timeout")]


def test_one_crawl_at_a_time(tmp_path: Path) -> None:
    first = CrawlStore(tmp_path).open()
    with pytest.raises(StoreLocked):
        CrawlStore(tmp_path).open()
    first.close()
    CrawlStore(tmp_path).open().close()
