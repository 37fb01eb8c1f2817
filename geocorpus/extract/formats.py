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
    ".tex": ("latex", "paper"),
    ".tar.gz": ("eprint", "paper"),  # arXiv e-prints: a tar of LaTeX sources, a gzipped .tex, or a PDF
    ".tgz": ("eprint", "paper"),
    ".tar": ("eprint", "paper"),
    ".gz": ("eprint", "paper"),
    ".py": ("python", "code"),
    ".ipynb": ("notebook", "code"),
    ".js": ("javascript", "code"),
    ".ts": ("typescript", "code"),
    ".r": ("r", "code"),
    ".sql": ("sql", "code"),
    ".sh": ("shell", "code"),
    ".bash": ("shell", "code"),
    ".mjs": ("javascript", "code"),
    ".psql": ("sql", "code"),
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
    """(format, kind) for a file name, or None when we cannot extract it. Double suffixes (.tar.gz) first."""
    suffixes = [s.lower() for s in PurePath(path).suffixes]
    return SUFFIXES.get("".join(suffixes[-2:])) or SUFFIXES.get(suffixes[-1] if suffixes else "")
