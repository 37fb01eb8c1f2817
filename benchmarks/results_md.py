"""The one writer of benchmarks/RESULTS.md: each benchmark owns a `## name` section and replaces only that.

Benchmarks run at the same time on a shared machine; reading, splicing and writing one section keeps the
others' figures, wherever they stand in the file.
"""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def write_section(name: str, lines: list[str]) -> None:
    """Replace (or append) the section that starts with the heading `## name` by `lines` (heading included)."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n\n"
    start = text.find(f"## {name}\n")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + text[end + 1:] if end >= 0 else text[:start]
    RESULTS.write_text(text.rstrip() + "\n\n" + "\n".join(lines).rstrip() + "\n", encoding="utf-8")
