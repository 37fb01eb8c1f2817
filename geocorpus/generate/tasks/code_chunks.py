"""Cutting source files into self-contained snippets: one function or class each (Python), blocks otherwise.

GeoCode-SFT's "structured traversal" works unit by unit: a function is what a problem, a summary or a test is
about. Python is parsed with `ast`, and every snippet carries the module's imports, so a model (and the
sandbox) sees which library `rasterio.open` belongs to. A script with no functions is one snippet (cut at
`max_lines`); other languages, and Python that does not parse, are cut at blank lines into blocks of at
most `max_lines`. The GIS calls a snippet makes (`rasterio.open`, `gpd.sjoin`, …) are listed for API Q&A.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from geocorpus.gis_libs import LIBRARIES


@dataclass(frozen=True)
class Snippet:
    code: str
    name: str  # function/class name, or "module" / "block-N"
    calls: list[str] = field(default_factory=list)  # dotted calls on imported GIS modules, in order of appearance


def split_code(text: str, language: str, gis_libs: list[str], max_lines: int, min_lines: int) -> list[Snippet]:
    """Snippets of a source file, in file order; those under `min_lines` lines are left out."""
    snippets: list[Snippet] | None = None
    if language == "python":
        snippets = _python_snippets(text, gis_libs, max_lines)
    if snippets is None:
        snippets = [Snippet(block, f"block-{n}") for n, block in enumerate(_blocks(text, max_lines))]
    return [s for s in snippets if len(s.code.strip().splitlines()) >= min_lines]


def _python_snippets(text: str, gis_libs: list[str], max_lines: int) -> list[Snippet] | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    lines = text.splitlines()
    imports = [ast.get_source_segment(text, node) or "" for node in tree.body
               if isinstance(node, ast.Import | ast.ImportFrom)]
    aliases = _gis_aliases(tree, gis_libs)
    header = "\n".join(imports)
    units = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
    snippets = []
    for node in units:
        start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
        body = "\n".join(lines[start:node.end_lineno][:max_lines])
        code = f"{header}\n\n\n{body}" if header else body
        snippets.append(Snippet(code, node.name, _calls(node, aliases)))
    if not snippets:
        code = "\n".join(lines[:max_lines])
        snippets.append(Snippet(code, "module", _calls(tree, aliases)))
    return snippets


def _gis_aliases(tree: ast.Module, gis_libs: list[str]) -> dict[str, str]:
    """Local name → dotted module for imports of the file's GIS libraries (`gpd` → `geopandas`)."""
    roots = {name for name, tag in LIBRARIES.items() if tag in gis_libs}
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in roots:
                    local = alias.asname or alias.name.split(".")[0]
                    aliases[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in roots:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _calls(node: ast.AST, aliases: dict[str, str]) -> list[str]:
    """`rasterio.open`, `geopandas.sjoin`, … called in `node`, first appearance first."""
    found: dict[str, None] = {}
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        parts: list[str] = []
        target = call.func
        while isinstance(target, ast.Attribute):
            parts.append(target.attr)
            target = target.value
        if isinstance(target, ast.Name) and target.id in aliases:
            found[".".join([aliases[target.id], *reversed(parts)])] = None
    return list(found)


_BLANK_LINES = re.compile(r"\n\s*\n")


def _blocks(text: str, max_lines: int) -> list[str]:
    """Runs of blank-line-separated paragraphs up to `max_lines` lines each."""
    blocks: list[str] = []
    current: list[str] = []
    for paragraph in _BLANK_LINES.split(text):
        lines = paragraph.strip("\n").splitlines()
        if not lines:
            continue
        if current and len(current) + len(lines) > max_lines:
            blocks.append("\n".join(current))
            current = []
        current += lines[:max_lines] + [""]
    if current:
        blocks.append("\n".join(current).rstrip())
    return [b.rstrip() for b in blocks]
