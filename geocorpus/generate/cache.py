"""The on-disk request cache that makes generation resumable: one row per (backend identity, request).

Why SQLite in WAL mode rather than append-only JSONL: every answer is one committed transaction, so a process
killed at any instant leaves either the whole row or nothing — SQLite never reads back half a transaction, and
the WAL is replayed on the next open. With `synchronous=NORMAL` a commit survives the process being killed
(the WAL frames are in the OS page cache); only a power loss may roll back the last few commits, never corrupt
the file. A JSONL log would need our own torn-tail detection, a compaction step for retried failures and a
full scan per lookup; SQLite gives keyed upserts and concurrent readers for free, and it is in the stdlib.

The key is `sha256(identity + "\\n" + canonical JSON of the request)`; the identity names the backend type, model
and server (never a credential), so changing the model or any sampling parameter misses the cache. Failures
are rows too (`ok = 0` with their reason and attempt count), so they are reported — and retried on the next run
unless the caller says not to — rather than silently lost or cached as empty answers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

from geocorpus.generate.backends.base import Completion, Request

FILE_NAME = "requests.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    identity TEXT NOT NULL,
    request TEXT NOT NULL,
    ok INTEGER NOT NULL,
    text TEXT,
    error TEXT,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    finish_reason TEXT,
    attempts INTEGER NOT NULL,
    updated REAL NOT NULL
)
"""


def canonical_request(request: Request) -> str:
    """The request as sorted, compact JSON: the same request always gives the same bytes."""
    return json.dumps(request.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(identity: str, request: Request) -> str:
    return hashlib.sha256(f"{identity}\n{canonical_request(request)}".encode()).hexdigest()


class RequestCache:
    """Completions by request key in `cache_dir/requests.sqlite`; safe to share between threads."""

    def __init__(self, cache_dir: Path) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        self.path = cache_dir / FILE_NAME
        self._lock = threading.Lock()
        # isolation_level=None: we commit explicitly, one transaction per answer.
        self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get_many(self, keys: list[str]) -> dict[str, Completion]:
        """Cached completions (successes and failures) for those keys that have one, marked `cached=True`."""
        found: dict[str, Completion] = {}
        with self._lock:
            for start in range(0, len(keys), 500):  # stay under SQLite's bound-variable limit
                chunk = keys[start:start + 500]
                rows = self._db.execute(
                    "SELECT key, ok, text, error, prompt_tokens, completion_tokens, finish_reason FROM completions"
                    f" WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for key, ok, text, error, prompt_tokens, completion_tokens, finish in rows:
                    found[key] = Completion(text=text if ok else None, error=None if ok else error,
                                            prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                                            finish_reason=finish, cached=True)
        return found

    def put(self, key: str, identity: str, request: Request, completion: Completion) -> None:
        """Store an answer at once (its own committed transaction); a failure never replaces a success."""
        with self._lock:
            self._db.execute(
                "INSERT INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) "
                "ON CONFLICT(key) DO UPDATE SET ok = excluded.ok, text = excluded.text, error = excluded.error, "
                "prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens, "
                "finish_reason = excluded.finish_reason, attempts = completions.attempts + 1, "
                "updated = excluded.updated WHERE completions.ok = 0",
                (key, identity, canonical_request(request), int(completion.ok), completion.text, completion.error,
                 completion.prompt_tokens, completion.completion_tokens, completion.finish_reason, time.time()))

    def failures(self) -> dict[str, int]:
        """Cached failures by reason — what a rerun would retry."""
        with self._lock:
            rows = self._db.execute("SELECT error, COUNT(*) FROM completions WHERE ok = 0 GROUP BY error")
            return {error: count for error, count in rows}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> RequestCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
