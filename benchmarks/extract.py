"""Extraction benchmark: quality and speed of `extract` against bare trafilatura / pypdf, in one run.

    python benchmarks/extract.py [--news DIR] [--pdfs DIR] [--repeat N] [--write]

--news: a folder with html/NAME.html and txt/NAME.txt (ground-truth main text), e.g. tests/data of the
newspaper4k sdist (MIT): 23 real news pages in 10 languages. --pdfs: extra real PDFs (e.g. resources/ of the
pypdf sdist). Without them the shipped samples are used. Figures are ratios taken in the same run, because
the machine is shared; --write puts them into the `## extract` section of benchmarks/RESULTS.md.

Every variant is timed twice per call: wall clock, and CPU time of the processes doing the work (this one,
plus the isolation worker, read from Linux's /proc/PID/schedstat). On a loaded machine the wall clock of the
isolated worker also counts the wait for the scheduler to wake the child; CPU time is what a core pays.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import trafilatura
from pypdf import PdfReader
from results_md import write_section

from geocorpus.document import Document
from geocorpus.extract.dispatch import extract_raw
from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.formats import detect
from geocorpus.extract.step import Extract, ExtractParams

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "recipes" / "samples" / "geocode_pt"
# Words, and single characters of scripts written without spaces (CJK, Thai, Burmese), as F1 tokens.
TOKEN = re.compile(r"[\u0e00-\u0e7f\u1000-\u109f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+")


def token_f1(found: str, truth: str) -> float:
    a, b = Counter(TOKEN.findall(found.lower())), Counter(TOKEN.findall(truth.lower()))
    overlap = sum((a & b).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(a.values()), overlap / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def children_cpu_seconds() -> float:
    """CPU seconds used so far by this process's children (the isolation worker), from /proc; 0 elsewhere."""
    total = 0
    for children in Path("/proc/self/task").glob("*/children"):
        for pid in children.read_text().split():
            for task in Path(f"/proc/{pid}/task").glob("*/schedstat"):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += int(task.read_text().split()[0])
    return total / 1e9


def cpu_seconds() -> float:
    return time.process_time() + children_cpu_seconds()


def timed(functions: dict[str, Callable[[bytes], object]], files: list[bytes],
          repeat: int) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds per variant over all files, medians of `repeat` passes. The variants take turns
    file by file, so a burst of load from other processes hits all of them alike; each is called once on the
    first file before the clock starts, so no variant pays the libraries' lazy set-up alone."""
    for function in functions.values():
        function(files[0])
    passes: dict[str, list[tuple[float, float]]] = {label: [] for label in functions}
    for _ in range(repeat):
        wall, cpu = dict.fromkeys(functions, 0.0), dict.fromkeys(functions, 0.0)
        for data in files:
            for label, function in functions.items():
                started, cpu_started = time.perf_counter(), cpu_seconds()
                function(data)
                wall[label] += time.perf_counter() - started
                cpu[label] += cpu_seconds() - cpu_started
        for label in functions:
            passes[label].append((wall[label], cpu[label]))
    return {label: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for label, values in passes.items()}


def step_runner(fmt: str, isolate: bool) -> tuple[Callable[[bytes], object], Extract]:
    step = Extract(ExtractParams(isolate=isolate))

    def run(data: bytes) -> object:
        return step.process(Document(id="b", text="", kind="web", source="b", raw=data,
                                     meta={"format": fmt, "path": f"x.{fmt}"}))
    return run, step


def bare_pypdf(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def speed_rows(name: str, fmt: str, files: list[bytes], bare: list[tuple[str, Callable[[bytes], object]]],
               repeat: int, like_for_like: str | None = None) -> list[str]:
    """Table rows for one format. Ratios are against plain `bare` and against `like_for_like`, the bare
    library call that produces what extract produces (the same when not given)."""
    isolated, step = step_runner(fmt, True)
    inline, _ = step_runner(fmt, False)
    megabytes = sum(len(f) for f in files) / 1e6
    runs = bare + [("extract, in-process", inline), ("extract, isolated", isolated)]
    seconds = timed(dict(runs), files, repeat)
    step.close()
    base = seconds["bare"] if bare else seconds["extract, in-process"]
    same = seconds[like_for_like] if like_for_like else base
    return [f"| {name}: {label} | {len(files) / wall:.1f} | {megabytes / wall:.2f} | {len(files) / cpu:.1f} | "
            f"{megabytes / cpu:.2f} | {wall / base[0]:.2f} | {cpu / base[1]:.2f} | {cpu / same[1]:.2f} |"
            for label, (wall, cpu) in seconds.items()]


def html_quality(news: Path) -> tuple[list[tuple[str, float, float]], list[bytes]]:
    rows, pages = [], []
    for html in sorted((news / "html").glob("*.html")):
        truth = news / "txt" / f"{html.stem}.txt"
        if not truth.is_file():
            continue
        raw, expected = html.read_bytes(), truth.read_text(encoding="utf-8")
        ours, _meta = extract_raw(raw, "html", None, html.name, {"html_mode": "precision"})
        rows.append((html.stem, token_f1(trafilatura.extract(raw) or "", expected), token_f1(ours, expected)))
        pages.append(raw)
    return rows, pages


def _page_number_lines(text: str) -> int:
    return len(re.findall(r"^\s*\d{1,4}\s*$", text, re.M))


def pdf_cleanup(pdfs: list[Path]) -> list[tuple[str, int, int, int, int, int, int, int]]:
    """Per PDF: hyphen-broken words and repeated edge lines left, raw pypdf vs extract."""
    rows = []
    for path in pdfs:
        data = path.read_bytes()
        try:
            reader = PdfReader(path)
            raw_pages = [page.extract_text() or "" for page in reader.pages]
            ours, _meta = extract_raw(data, "pdf", None, path.name, {})
        except (ExtractionError, Exception):
            continue
        if len(raw_pages) < 2:
            continue
        edges = Counter(line.strip() for page in raw_pages for line in
                        page.strip().splitlines()[:2] + page.strip().splitlines()[-2:] if line.strip())
        repeated = {line for line, n in edges.items() if n >= max(2, len(raw_pages) // 2)}
        raw_text = "\n".join(raw_pages)
        rows.append((path.name, len(raw_pages),
                     len(re.findall(r"[a-z]-\n[a-z]", raw_text)), len(re.findall(r"[a-z]-\n[a-z]", ours)),
                     sum(raw_text.count(line) for line in repeated), sum(ours.count(line) for line in repeated),
                     _page_number_lines(raw_text), _page_number_lines(ours)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news", type=Path, help="folder with html/*.html and txt/*.txt ground truth")
    parser.add_argument("--pdfs", type=Path, help="folder of extra real PDFs")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the figures into benchmarks/RESULTS.md")
    args = parser.parse_args()

    lines = [f"`python benchmarks/extract.py {'--news DIR ' if args.news else ''}{'--pdfs DIR ' if args.pdfs else ''}"
             f"--repeat {args.repeat}` on {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
             f"Python {platform.python_version()}, trafilatura {trafilatura.__version__}, {date.today()}.", ""]
    pages = [p.read_bytes() for p in sorted((SAMPLES / "web").glob("*.html"))]
    if args.news:
        quality, news_pages = html_quality(args.news)
        pages += news_pages
        bare_f1 = statistics.fmean(r[1] for r in quality)
        ours_f1 = statistics.fmean(r[2] for r in quality)
        lines += [f"**HTML main-text token-F1** on {len(quality)} real news pages with ground truth (newspaper4k "
                  "test data, 10 languages; CJK/Thai scored per character):", "",
                  "| extractor | mean F1 | pages better / worse than bare |", "| --- | ---: | ---: |",
                  f"| bare `trafilatura.extract` | {bare_f1:.3f} | |",
                  f"| geocorpus `extract` (markdown, html_mode=precision) | {ours_f1:.3f} | "
                  f"{sum(r[2] > r[1] + 0.005 for r in quality)} / {sum(r[2] < r[1] - 0.005 for r in quality)} |", ""]
    pdfs = [SAMPLES / "papers" / "grace_wells_recharge_case_study.pdf"]
    if args.pdfs:
        pdfs += sorted(args.pdfs.rglob("*.pdf"))
    cleanup = pdf_cleanup(pdfs)
    lines += ["**PDF cleanup vs raw pypdf** (multi-page PDFs that both read): hyphen-broken words and "
              "header/footer lines repeated across pages, left in the text:", "",
              "| PDF | pages | broken words raw → ours | repeated edge lines raw → ours "
              "| page-number lines raw → ours |",
              "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]} → {r[3]} | {r[4]} → {r[5]} | {r[6]} → {r[7]} |" for r in cleanup]
    pdf_files = [p.read_bytes() for p in pdfs if p.name in {r[0] for r in cleanup}]
    code_files = [p.read_bytes() for p in sorted((SAMPLES / "code").iterdir()) if detect(p)[0] == "python"]
    # "same output": the one trafilatura call that yields what extract keeps (Markdown with formatting and
    # tables, metadata with the same date search, precision mode, no comments)
    html_bare = [("bare", lambda d: trafilatura.extract(d)),
                 ("bare + metadata", lambda d: trafilatura.extract(d, with_metadata=True)),
                 ("bare, same output", lambda d: trafilatura.extract(
                     d, output_format="markdown", with_metadata=True, favor_precision=True, include_comments=False,
                     date_extraction_params={"extensive_search": False, "original_date": True}))]
    rows = (speed_rows("HTML", "html", pages, html_bare, args.repeat, like_for_like="bare, same output")
            + speed_rows("PDF", "pdf", pdf_files, [("bare", bare_pypdf)], args.repeat)
            + speed_rows("Python code", "python", code_files, [], args.repeat))
    lines += ["", f"**Speed**, median of {args.repeat} interleaved passes ({len(pages)} pages, "
              f"{len(pdf_files)} PDFs, {len(code_files)} scripts); isolated = in the killable worker with "
              "time/memory limits. Wall = elapsed time; CPU = CPU time of this process and the worker (what one core "
              "pays; the wall clock of the worker also counts waiting for the scheduler on a loaded machine). "
              "\"Like-for-like\" = the bare library call with the same output (for PDF, pypdf's text of every "
              "page is that call; for code, extract in-process):", "",
              "| run | docs/s (wall) | MB/s (wall) | docs per CPU-s | MB per CPU-s | wall vs bare | CPU vs bare "
              "| CPU vs like-for-like |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += rows
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section("extract", ["## extract", "", *lines])


if __name__ == "__main__":
    main()
