"""`complete_all`: answer a list of requests through a backend with exact resume from the on-disk cache.

Users of generation tools lose work on crashes; here every answer is committed to the cache the moment it
arrives, and a rerun sends only what has no successful answer yet. Identical requests in one call are sent once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from geocorpus.generate.backends.base import Backend, Completion, Request
from geocorpus.generate.cache import RequestCache, request_key
from geocorpus.generate.usage import Price, UsageStats

log = logging.getLogger(__name__)


def complete_all(backend: Backend, requests: Sequence[Request], cache_dir: Path, *, progress: bool = True,
                 price: Price | None = None, retry_failed: bool = True) -> tuple[list[Completion], UsageStats]:
    """Completions for `requests`, in order, sending only those without a successful cached answer.

    Cached failures are sent again unless `retry_failed` is False (then they are returned as they are).
    Returned completions carry `cached=True` when they came from the cache.
    """
    started = time.monotonic()
    keys = [request_key(backend.identity, r) for r in requests]
    stats = UsageStats(requests=len(requests))
    with RequestCache(Path(cache_dir)) as cache:
        known = cache.get_many(sorted(set(keys)))
        done = {k: c for k, c in known.items() if c.ok or not retry_failed}
        pending: dict[str, Request] = {}
        for key, request in zip(keys, requests, strict=True):
            if key not in done:
                pending.setdefault(key, request)
        stats.cached = sum(key in done for key in keys)
        pending_keys = list(pending)
        fresh: dict[str, Completion] = {}

        with _progress(progress, len(pending_keys), backend.identity) as advance:
            def on_done(index: int, completion: Completion) -> None:
                key = pending_keys[index]
                cache.put(key, backend.identity, pending[key], completion)
                fresh[key] = completion
                advance()

            answers = backend.complete([pending[k] for k in pending_keys], on_done) if pending_keys else []
        for key, completion in zip(pending_keys, answers, strict=True):
            if key not in fresh:  # a backend that did not call on_done for it: store it now
                cache.put(key, backend.identity, pending[key], completion)
                fresh[key] = completion

    for completion in fresh.values():
        stats.requests_sent += 1
        stats.prompt_tokens += completion.prompt_tokens
        stats.completion_tokens += completion.completion_tokens
        if completion.ok:
            stats.succeeded += 1
        else:
            stats.failed[completion.error or "unknown"] += 1
    if price is not None:
        stats.cost = price.cost(stats.prompt_tokens, stats.completion_tokens)
    stats.seconds = time.monotonic() - started
    if stats.failed:
        log.warning("%d of %d requests failed: %s", sum(stats.failed.values()), stats.requests_sent,
                    dict(stats.failed))
    return [fresh[k] if k in fresh else done[k] for k in keys], stats


class _progress:
    """A rich progress bar over the requests actually sent (or nothing when disabled or nothing to send)."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        self._bar = Progress(TextColumn("[bold]generate[/] {task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), transient=True) if enabled and total else None
        self._total = total
        self._label = label

    def __enter__(self) -> Callable[[], None]:
        if self._bar is None:
            return lambda: None
        self._bar.start()
        task = self._bar.add_task(self._label, total=self._total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
