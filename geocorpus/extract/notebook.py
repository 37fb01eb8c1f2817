"""Jupyter notebooks to markdown cells plus fenced code cells; outputs (plots, tables, logs) are dropped.

Outputs are data, not prose or code, and often huge (base64 images); the cells are what a model should
learn from. The code cells get the same GIS tags and syntax check as a script in the notebook's language.
"""

from __future__ import annotations

import json
from typing import Any

from geocorpus.extract.code import python_syntax_error
from geocorpus.extract.errors import ExtractionError
from geocorpus.gis_libs import detect_gis_libs


def extract_notebook(raw: bytes, path: str = "") -> tuple[str, dict[str, Any]]:
    """(markdown + fenced code, meta: language, cells, code_cells, gis_libs, syntax_ok for Python)."""
    try:
        notebook = json.loads(raw)
        cells = notebook["cells"]
        if not isinstance(cells, list):
            raise TypeError("'cells' is not a list")
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
        raise ExtractionError("bad_notebook", f"not an nbformat 4 notebook: {error}") from error
    metadata = notebook.get("metadata") or {}
    language = ((metadata.get("kernelspec") or {}).get("language")
                or (metadata.get("language_info") or {}).get("name") or "python").lower()
    parts, code = [], []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if not source.strip():
            continue
        if cell.get("cell_type") == "code":
            parts.append(f"```{language}\n{source.rstrip()}\n```")
            code.append(source)
        elif cell.get("cell_type") == "markdown":
            parts.append(source.strip())
    all_code = "\n\n".join(code)
    meta: dict[str, Any] = {"language": language, "cells": len(cells), "code_cells": len(code),
                            "gis_libs": detect_gis_libs(all_code, language)}
    if language == "python" and code:
        errors = [e for e in (python_syntax_error(c) for c in code) if e]
        meta["syntax_ok"] = not errors
        if errors:
            meta["syntax_error"] = errors[0]
    return "\n\n".join(parts), meta
