"""Requests/s of the OpenAI-compatible backend with concurrency, versus sending requests one after the other.

    python benchmarks/generate.py [--requests 256] [--latency 0.05] [--concurrency 1 4 16 64]

The loopback fake server (tests/openai_server.py) runs in its own process and answers every request after a
fixed latency, like a model server with a steady per-request time. Runs, one after the other in one process:
a plain sequential loop with the synchronous `openai.OpenAI` client (what a simple script does), then
`complete_all` with the openai backend at each concurrency (fresh cache each, so SQLite writes are included),
then the same requests again answered from the cache (a resumed run). Prints the figures and writes them into
benchmarks/RESULTS.md (section "generate"), with the machine. vLLM throughput on a GPU is not measured here.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_md import write_section

from geocorpus.generate.backends import Request, make_backend, parse_backend_spec
from geocorpus.generate.client import complete_all

HERE = Path(__file__).resolve().parent
SERVER = HERE.parent / "tests" / "openai_server.py"


def requests_for(count: int, tag: str) -> list[Request]:
    return [Request(messages=(("system", "Answer briefly."), ("user", f"{tag} question {i} about aquifers")),
                    max_tokens=32, temperature=0.0) for i in range(count)]


def sequential(base_url: str, requests: list[Request]) -> tuple[float, float]:
    """The baseline: one synchronous SDK call after another."""
    from openai import OpenAI

    client = OpenAI(base_url=base_url, api_key="not-needed", max_retries=0)
    started, cpu = time.perf_counter(), time.process_time()
    for request in requests:
        client.chat.completions.create(model="test-model", messages=request.chat(), max_tokens=request.max_tokens,
                                       temperature=request.temperature)
    return time.perf_counter() - started, time.process_time() - cpu


def concurrent(base_url: str, requests: list[Request], concurrency: int, cache: Path) -> tuple[float, float, int]:
    """(wall seconds, client CPU seconds, requests sent) of one `complete_all` call."""
    backend = make_backend(parse_backend_spec({"type": "openai", "model": "test-model", "base_url": base_url,
                                               "concurrency": concurrency, "max_retries": 0}))
    started, cpu = time.perf_counter(), time.process_time()
    completions, stats = complete_all(backend, requests, cache, progress=False)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert all(c.ok for c in completions), stats.failed
    return seconds, cpu, stats.requests_sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=256)
    parser.add_argument("--latency", type=float, default=0.05, help="server seconds per request")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--no-results", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()

    server = subprocess.Popen([sys.executable, str(SERVER), "--latency", str(args.latency)],
                              stdout=subprocess.PIPE, text=True)
    try:
        base_url = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as work:
            concurrent(base_url, requests_for(4, "warm-up"), 4, Path(work) / "warm")  # imports, first connect
            rows: list[tuple[str, int, float, float]] = []
            seconds, cpu = sequential(base_url, requests_for(args.requests, "sequential"))
            rows.append(("sequential loop, sync `openai.OpenAI`", 1, seconds, cpu))
            for concurrency in args.concurrency:
                cache = Path(work) / f"c{concurrency}"
                seconds, cpu, sent = concurrent(base_url, requests_for(args.requests, f"c{concurrency}"),
                                                concurrency, cache)
                assert sent == args.requests
                rows.append((f"geocorpus openai backend, concurrency {concurrency}", concurrency, seconds, cpu))
            cache = Path(work) / f"c{args.concurrency[-1]}"
            seconds, cpu, sent = concurrent(base_url, requests_for(args.requests, f"c{args.concurrency[-1]}"),
                                            args.concurrency[-1], cache)
            assert sent == 0
            rows.append(("rerun: all answered from the cache", 0, seconds, cpu))
    finally:
        server.terminate()
        server.wait()
    report(args, rows)


def report(args: argparse.Namespace, rows: list[tuple[str, int, float, float]]) -> None:
    load = os.getloadavg()[0]  # the machine is shared: say how busy it was
    machine = (f"{platform.machine()}, {os.cpu_count()} cores (load average {load:.1f}), "
               f"Python {platform.python_version()}")
    base = args.requests / rows[0][2]
    lines = ["## generate", "",
             f"`python benchmarks/generate.py --requests {args.requests} --latency {args.latency} --concurrency "
             f"{' '.join(map(str, args.concurrency))}` on {machine}, {time.strftime('%Y-%m-%d')}; one run, one "
             "after the other. The loopback OpenAI-compatible server (tests/openai_server.py, its own process, "
             f"Python `http.server`) answers each request after {args.latency * 1000:.0f} ms. Ideal = concurrency "
             "/ latency; the concurrent runs go through `complete_all`, SQLite cache writes included. "
             "Client CPU = CPU time of the client process per request (the SDK's request building, httpx, "
             "JSON, the cache): once concurrency hides the latency, throughput is bounded by the CPU the client "
             "gets.", "",
             "| run | seconds | requests/s | vs sequential | of ideal | client CPU ms/request |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for label, concurrency, seconds, cpu in rows:
        rate = args.requests / seconds
        ideal = f"{rate / (concurrency / args.latency):.0%}" if concurrency else "-"
        lines.append(f"| {label} | {seconds:.2f} | {rate:.0f} | {rate / base:.1f}× | {ideal} | "
                     f"{cpu / args.requests * 1000:.1f} |")
    lines.append("")
    print("\n".join(lines))
    if args.no_results:
        return
    write_section("generate", lines)


if __name__ == "__main__":
    main()
