"""The one writer of benchmarks/RESULTS.md: each benchmark owns a `## name` section and replaces only that.

Benchmarks run at the same time on a shared machine; reading, splicing and writing one section keeps the
others' figures. The section is replaced where it stands (a new one is appended), so a rerun changes only its
own lines in the diff. Headings are matched whole and at the start of a line: `## dedup` is not
`## dedup components`.
"""

from __future__ import annotations

import re
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")
_ANY_SECTION = re.compile(r"^## ", re.M)


def write_section(name: str, lines: list[str]) -> None:
    """Replace (or append) the section that starts with the heading `## name` by `lines` (heading included)."""
    if not lines or lines[0] != f"## {name}":
        raise ValueError(f"the section's first line must be its heading '## {name}'")
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    section = "\n".join(lines).rstrip() + "\n"
    own = re.compile(rf"^## {re.escape(name)}[ \t]*$", re.M).search(text)
    if own is None:
        text = text.rstrip() + "\n\n" + section
    else:
        following = _ANY_SECTION.search(text, own.end())
        rest = "\n" + text[following.start():] if following else ""
        text = text[:own.start()] + section + rest
    RESULTS.write_text(text, encoding="utf-8")
