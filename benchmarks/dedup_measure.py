"""Wall time and peak memory of a command and all its child processes, sampled from /proc.

Pools of worker processes hold memory side by side, so the peak is of the sum over the process tree
(sampled every 50 ms), not of the largest single process.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float  # of the sum over the process tree
    largest_process_mb: float  # peak of any one process (main or a worker)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(status.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss_mb(pids: list[int]) -> list[float]:
    """Resident memory of each process still alive."""
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sizes


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None, log: Path | None = None) -> Measured:
    """Run `command` to completion; raise if it fails (its output is in `log`)."""
    log = log or cwd / "command.log"
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out,
                                   stderr=subprocess.STDOUT)
        peak = largest = 0.0
        while process.poll() is None:
            sizes = _rss_mb(_tree(process.pid))
            peak, largest = max(peak, sum(sizes)), max([largest, *sizes])
            time.sleep(0.05)
        seconds = time.perf_counter() - started
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}); see {log}")
    return Measured(seconds, peak, largest)
