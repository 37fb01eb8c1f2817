"""Bytes of text and code files to str; binary data (a `.py` that is really a zip, say) is refused."""

from __future__ import annotations

from geocorpus.extract.encoding import decode_bytes
from geocorpus.extract.errors import ExtractionError

_CONTROL = {c for c in range(32)} - {9, 10, 12, 13}


def decode_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 (with or without BOM) first, then detection; binary data is refused."""
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractionError("binary", "NUL bytes: this is not a text file")
    text, encoding = decode_bytes(raw)
    sample = text[:8192]
    if sample and (sum(ord(c) in _CONTROL for c in sample) + sample.count("\ufffd")) / len(sample) > 0.01:
        raise ExtractionError("binary", "too many control characters for a text file")
    return text, encoding
