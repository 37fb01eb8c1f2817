"""The child side of `isolation.IsolatedWorker`: `python -m geocorpus.extract.worker MAX_MEMORY_MB`.

It caps its own address space first, imports the extractors (so their import time never counts against a
document's deadline), says "ready", then answers (target, args) requests until its stdin closes.
"""

from __future__ import annotations

import importlib
import resource
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

from geocorpus.extract.errors import ExtractionError
from geocorpus.extract.isolation import receive, send


@cache
def resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def answer(target: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        return ("ok", resolve(target)(*args))
    except ExtractionError as error:
        return ("error", error.reason, str(error))
    except MemoryError:
        return ("error", "memory", "the document needed more memory than max_memory_mb allows")
    except RecursionError:
        return ("error", "too_deep", "the document is nested too deeply to parse")
    except Exception as error:
        return ("error", "error", f"{type(error).__name__}: {error}")


def main() -> None:
    limit = int(sys.argv[1]) * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    resolve("geocorpus.extract.dispatch:extract_raw")
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print() in a library must not corrupt the protocol stream
    send(out, "ready")
    fd = sys.stdin.buffer.fileno()
    while True:
        try:
            target, args = receive(fd, None)
        except EOFError:
            return
        try:
            send(out, answer(target, args))
        except MemoryError:
            send(out, ("error", "memory", "the result needed more memory than max_memory_mb allows"))


if __name__ == "__main__":
    main()
