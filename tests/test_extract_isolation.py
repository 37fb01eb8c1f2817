"""The killable worker: time and memory limits per document, recovery, and the extract step around it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from geocorpus.document import Document
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.isolation import IsolatedWorker
from geocorpus.extract.step import Extract, ExtractParams

SAMPLES = Path(__file__).resolve().parent.parent / "recipes" / "samples" / "geocode_pt"


@pytest.fixture(scope="module")
def worker() -> IsolatedWorker:
    started = IsolatedWorker(timeout_s=2.0, max_memory_mb=768)
    yield started
    started.close()


def test_hanging_extractor_times_out_and_worker_recovers(worker: IsolatedWorker) -> None:
    assert worker.call("builtins:len", b"abc") == 3
    begun = time.monotonic()
    with pytest.raises(ExtractionError) as caught:
        worker.call("time:sleep", 60)  # a stand-in for a PDF that makes the parser loop forever
    assert caught.value.reason == "timeout" and time.monotonic() - begun < 10
    assert worker.call("builtins:len", b"abcd") == 4  # a fresh child takes over


def test_memory_cap_rejects_a_runaway_allocation(worker: IsolatedWorker) -> None:
    with pytest.raises(ExtractionError) as caught:
        worker.call("builtins:bytearray", 4 * 1024**3)
    assert caught.value.reason == "memory"
    assert worker.call("builtins:len", b"ok") == 2


def test_a_crashing_extractor_is_reported_not_raised(worker: IsolatedWorker) -> None:
    with pytest.raises(ExtractionError) as caught:
        worker.call("os:abort")
    assert caught.value.reason == "crashed" and "SIGABRT" in str(caught.value)
    with pytest.raises(ExtractionError) as caught:
        worker.call("json:loads", "{")
    assert caught.value.reason == "error" and "JSONDecodeError" in str(caught.value)
    assert worker.call("builtins:len", b"x") == 1


def raw_doc(path: Path, fmt: str, kind: str) -> Document:
    return Document(id=path.name, text="", kind=kind, source="t", url=path.name, raw=path.read_bytes(),
                    meta={"path": path.name, "format": fmt})


def test_extract_step_in_worker_matches_in_process_and_keeps_manifest_licence() -> None:
    files = [(SAMPLES / "web" / "fieldwiki_Seismology_101.html", "html", "web"),
             (SAMPLES / "papers" / "grace_wells_recharge_case_study.pdf", "pdf", "paper"),
             (SAMPLES / "code" / "sf_terra_soil_moisture.R", "r", "code")]
    isolated, inline = Extract(ExtractParams()), Extract(ExtractParams(isolate=False))
    try:
        for path, fmt, kind in files:
            a, b = isolated.process(raw_doc(path, fmt, kind)), inline.process(raw_doc(path, fmt, kind))
            assert a.rejection is None and (a.text, a.meta, a.title) == (b.text, b.meta, b.title)
    finally:
        isolated.close()
    page = raw_doc(files[0][0], "html", "web")
    assert inline.process(page).license == "CC-BY-4.0" and page.lang == "en"
    assert page.meta["stated_license"] == "CC-BY-4.0"
    page = raw_doc(files[0][0], "html", "web")
    page.license = "CC-BY-SA-4.0"  # what the manifest said
    assert inline.process(page).license == "CC-BY-SA-4.0"


def test_extract_step_rejects_on_timeout() -> None:
    step = Extract(ExtractParams(timeout_s=0.001))
    try:
        doc = step.process(raw_doc(SAMPLES / "papers" / "grace_wells_recharge_case_study.pdf", "pdf", "paper"))
    finally:
        step.close()
    assert doc.rejection == ("extract:timeout", "extraction took longer than timeout_s=0.001")
