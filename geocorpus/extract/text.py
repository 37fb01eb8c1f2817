"""Bytes of text and code files to str, and Jupyter notebooks to their cells (outputs stripped)."""

from __future__ import annotations

import json
from typing import Any

from geocorpus.extract.errors import ExtractionError

_CONTROL = {c for c in range(32)} - {9, 10, 12, 13}


def decode_text(raw: bytes) -> tuple[str, str]:
    """(text, encoding). UTF-8 (with or without BOM) first, then cp1252; binary data is refused."""
    if b"\x00" in raw[:8192]:
        raise ExtractionError("binary", "NUL bytes: this is not a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text, encoding = raw.decode("latin-1"), "latin-1"
    sample = text[:8192]
    if sample and sum(ord(c) in _CONTROL for c in sample) / len(sample) > 0.01:
        raise ExtractionError("binary", "too many control characters for a text file")
    return text, encoding


def extract_notebook(raw: bytes) -> tuple[str, dict[str, Any]]:
    """Markdown cells as text, code cells fenced with the kernel's language; outputs dropped."""
    try:
        notebook = json.loads(raw)
        cells = notebook["cells"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
        raise ExtractionError("bad_notebook", f"not an nbformat 4 notebook: {error}") from error
    language = notebook.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    parts = []
    for cell in cells:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not source.strip():
            continue
        if cell.get("cell_type") == "code":
            parts.append(f"```{language}\n{source.rstrip()}\n```")
        elif cell.get("cell_type") == "markdown":
            parts.append(source.strip())
    return "\n\n".join(parts), {"language": language, "cells": len(cells)}
