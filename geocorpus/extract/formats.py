"""File formats we know how to extract, by file suffix: the one table sources and extractors share."""

from __future__ import annotations

from pathlib import PurePath

# suffix -> (format, kind). Code formats are named by language.
SUFFIXES: dict[str, tuple[str, str]] = {
    ".html": ("html", "web"),
    ".htm": ("html", "web"),
    ".xhtml": ("html", "web"),
    ".pdf": ("pdf", "paper"),
    ".txt": ("text", "text"),
    ".md": ("text", "text"),
    ".rst": ("text", "text"),
    ".tex": ("text", "paper"),
    ".py": ("python", "code"),
    ".ipynb": ("notebook", "code"),
    ".js": ("javascript", "code"),
    ".ts": ("typescript", "code"),
    ".r": ("r", "code"),
    ".sql": ("sql", "code"),
    ".sh": ("shell", "code"),
    ".bash": ("shell", "code"),
    ".c": ("c", "code"),
    ".cpp": ("cpp", "code"),
    ".h": ("c", "code"),
    ".java": ("java", "code"),
    ".go": ("go", "code"),
    ".rs": ("rust", "code"),
    ".jl": ("julia", "code"),
    ".m": ("matlab", "code"),
    ".f90": ("fortran", "code"),
    ".yaml": ("yaml", "code"),
    ".yml": ("yaml", "code"),
}


def detect(path: str | PurePath) -> tuple[str, str] | None:
    """(format, kind) for a file name, or None when we cannot extract it."""
    return SUFFIXES.get(PurePath(path).suffix.lower())
