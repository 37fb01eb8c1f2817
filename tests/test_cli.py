"""The `geocorpus` command as users run it: steps, extract, inspect, --help, and a guarded output dir."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_html_corpus, write_recipe
from pypdf import PdfReader

from geocorpus.build import run_build
from geocorpus.cli import main
from geocorpus.pipeline import registry
from geocorpus.pipeline.runner import OutputDirError

TESTS = Path(__file__).resolve().parent

SMALL_RECIPE = """\
name: small
output: out
sources:
  - local: {path: pages, license: CC-BY-4.0}
  - local: {path: notes, license: CC0-1.0}
steps:
  - extract: {}
"""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geocorpus.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def text_layer(text: str) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1")


def make_pdf(pages: list[bytes], title: str | None = None) -> bytes:
    """A minimal PDF 1.4: one page per content stream, a Helvetica font, and a correct xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
            b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages)),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    info = b""
    if title:
        objects.append(b"<< /Title (%s) >>" % title.encode("latin-1"))
        info = b" /Info %d 0 R" % len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


# ---------------------------------------------------------------------------------------------- steps


def test_steps_lists_every_step_and_source_with_params_and_defaults(tmp_path: Path) -> None:
    result = cli("steps", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "min_words: int = 50" in result.stdout
    assert "path: str = required" in result.stdout
    # `  name  summary` headers, each followed by its indented parameter rows
    entries: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            entries[line.split()[0]] = rows = []
        elif line.startswith("      "):
            rows.append(line.strip())
    # what this process registered, less steps that test modules register for themselves
    expected = {name: cls for name, cls in {**registry.sources(), **registry.steps()}.items()
                if not Path(sys.modules[cls.__module__].__file__ or "").resolve().is_relative_to(TESTS)}
    assert set(entries) == set(expected)
    assert result.stdout.index("Sources:") < result.stdout.index("  local  ") < result.stdout.index("Steps:")
    for name, cls in expected.items():
        listed = {row.split(":", 1)[0]: row for row in entries[name]}
        assert set(listed) == set(cls.Params.model_fields) or (not cls.Params.model_fields and
                                                               entries[name] == ["(no parameters)"])
        for field, info in cls.Params.model_fields.items():
            default = "required" if info.is_required() else json.dumps(info.default)
            assert f" = {default}" in listed[field], listed[field]
            if info.description:
                assert info.description in listed[field]


# ---------------------------------------------------------------------------------------------- extract


@pytest.fixture
def mixed_files(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    (page,) = write_html_corpus(folder, 1)
    page.rename(folder / "page.html")
    (folder / "notes.txt").write_text("Basalt is an extrusive igneous rock.\nIt forms when lava cools fast.\n",
                                      encoding="utf-8")
    (folder / "slope.py").write_text("import math\n\n\ndef slope(dx, dy):\n    return math.atan2(dy, dx)\n",
                                     encoding="utf-8")
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Gravity anomalies\n", "Bouguer correction."]},
            {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["g = 9.81\n", "print(g)"],
             "outputs": [{"output_type": "stream", "name": "stdout", "text": ["OUTPUT_NOT_KEPT\n"]}]},
        ],
    }
    (folder / "gravity.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "junk.py").write_bytes(bytes(range(256)) * 8)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R\ngarbage\n")
    return folder


GOOD = {"page.html": "web", "notes.txt": "text", "slope.py": "code", "gravity.ipynb": "code"}
BAD = {"empty.txt": "extract:empty_file", "junk.py": "extract:binary", "corrupt.pdf": "extract:corrupt_pdf"}


def test_extract_prints_documents_and_rejections(mixed_files: Path) -> None:
    names = [*GOOD, *BAD]
    runs = [cli("extract", *names, cwd=mixed_files) for _ in range(2)]
    for result in runs:
        assert result.returncode == 0, result.stderr
    docs = [json.loads(line) for line in runs[0].stdout.splitlines()]
    assert [Path(d["meta"]["path"]).name for d in docs] == list(GOOD)
    for doc in docs:
        assert doc["kind"] == GOOD[doc["meta"]["path"]]
        assert doc["text"].strip()
        assert len(doc["id"]) == 32
    by_name = {d["meta"]["path"]: d for d in docs}
    assert "Basalt is an extrusive igneous rock." in by_name["notes.txt"]["text"]
    assert "def slope(dx, dy):" in by_name["slope.py"]["text"]
    notebook = by_name["gravity.ipynb"]["text"]
    assert "# Gravity anomalies" in notebook and "```python\ng = 9.81\nprint(g)\n```" in notebook
    assert "OUTPUT_NOT_KEPT" not in notebook
    page = by_name["page.html"]
    assert page["title"] and "notes 0" in page["text"] and "Site footer" not in page["text"]
    # ids are stable: the same files give the same ids in another process
    assert [json.loads(line)["id"] for line in runs[1].stdout.splitlines()] == [d["id"] for d in docs]
    rejected = [line for line in runs[0].stderr.splitlines() if line.startswith("rejected ")]
    assert len(rejected) == len(BAD), runs[0].stderr
    for line, (name, reason) in zip(rejected, BAD.items(), strict=True):
        assert line.startswith(f"rejected {name}: {reason}"), line


def test_extract_directory_and_forced_kind(mixed_files: Path) -> None:
    result = cli("extract", ".", "--kind", "paper", cwd=mixed_files)
    assert result.returncode == 0
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(d["meta"]["path"] for d in docs) == sorted(GOOD)
    assert {d["kind"] for d in docs} == {"paper"}
    assert result.stderr.count("rejected ") == len(BAD)


def test_extract_pdf_text_layer_and_scanned_pdf(tmp_path: Path) -> None:
    primer = make_pdf([text_layer("Subduction zones recycle oceanic lithosphere"),
                       text_layer("Mid-ocean ridges create new crust")], title="Plate Tectonics Primer")
    scan = make_pdf([b"72 72 m 500 700 l S", b"0 0 1 rg 100 100 200 200 re f"])  # drawings, no text
    for data in (primer, scan):  # the hand-made files are valid PDFs
        assert len(PdfReader(io.BytesIO(data), strict=True).pages) == 2
    (tmp_path / "primer.pdf").write_bytes(primer)
    (tmp_path / "scan.pdf").write_bytes(scan)
    result = cli("extract", "primer.pdf", "scan.pdf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (doc,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert doc["kind"] == "paper"
    assert doc["text"] == "Subduction zones recycle oceanic lithosphere\n\nMid-ocean ridges create new crust"
    assert doc["title"] == "Plate Tectonics Primer"
    assert doc["meta"]["pages"] == 2 and doc["meta"]["format"] == "pdf"
    assert "rejected scan.pdf: extract:needs_ocr (no text layer on any of 2 pages)" in result.stderr


def test_extract_missing_path_exits_2(tmp_path: Path) -> None:
    result = cli("extract", "nope.html", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file or directory: nope.html" in result.stderr


def test_extract_rejection_lines_are_verbatim_one_line(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-directory-name-" * 3) / "another-level"
    deep.mkdir(parents=True)
    (deep / "notes[draft].txt").write_bytes(b"")
    result = cli("extract", str(deep), cwd=tmp_path.parent)
    shown = (deep / "notes[draft].txt").relative_to(tmp_path.parent)  # paths print relative to the cwd
    assert f"rejected {shown}: extract:empty_file" in result.stderr.splitlines()[0]


# ---------------------------------------------------------------------------------------------- inspect


@pytest.fixture
def small_build(tmp_path: Path) -> Path:
    write_html_corpus(tmp_path / "pages", 3)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("Gneiss is a banded metamorphic rock.\n", encoding="utf-8")
    (tmp_path / "notes" / "empty.txt").write_bytes(b"")
    write_recipe(tmp_path / "recipe.yaml", SMALL_RECIPE)
    (tmp_path / "out").mkdir()  # an existing empty directory is fine to build into
    run_build(tmp_path / "recipe.yaml", output=tmp_path / "out", workers=1)
    assert (tmp_path / "out" / ".geocorpus").is_file()
    return tmp_path / "out"


def test_inspect_summarises_a_build(small_build: Path) -> None:
    result = cli("inspect", "out", "--samples", "2", cwd=small_build.parent)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "4 documents, 2 shards" in out
    for table in ("by source", "by kind", "by license", "by lang"):
        assert table in out
    kind_table = out[out.index("by kind"):out.index("by license")]
    assert "web" in kind_table and "text" in kind_table
    license_table = out[out.index("by license"):out.index("by lang")]
    assert "CC-BY-4.0" in license_table and "CC0-1.0" in license_table
    assert "rejected: extract:empty_file=1" in out
    rows = pq.read_table(small_build / "data" / "part-00000.parquet").to_pylist()
    for row in rows[:2]:
        assert row["id"] in out and row["title"] in out
    assert rows[2]["id"] not in out  # only two samples


def test_inspect_non_build_directory_exits_2(tmp_path: Path) -> None:
    (tmp_path / "stuff").mkdir()
    result = cli("inspect", "stuff", cwd=tmp_path)
    assert result.returncode == 2
    assert "has no data/ directory" in result.stderr and "geocorpus build" in result.stderr
    missing = cli("inspect", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


# ---------------------------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["build", "inspect", "extract", "steps"])
def test_help_mentions_every_option(tmp_path: Path, command: str) -> None:
    result = cli(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert f"Usage: python -m geocorpus.cli {command}" in result.stdout
    params = main.commands[command].params
    for param in params:
        if param.param_type_name == "option":
            for opt in param.opts:
                assert opt in result.stdout, f"{command} --help does not mention {opt}"
        else:
            assert param.name.upper() in result.stdout
    assert "--help" in result.stdout


def test_top_level_help_and_version(tmp_path: Path) -> None:
    result = cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("build", "inspect", "extract", "steps"):
        assert command in result.stdout
    version = cli("--version", cwd=tmp_path)
    assert version.returncode == 0 and "geocorpus, version 0.1.0" in version.stdout


# ---------------------------------------------------------------------------------------------- build output


def foreign_directory(tmp_path: Path) -> tuple[Path, dict]:
    write_html_corpus(tmp_path / "pages", 2)
    write_recipe(tmp_path / "recipe.yaml", "name: t\noutput: out\nsources:\n  - local: {path: pages}\n"
                                           "steps:\n  - extract: {}\n")
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "thesis.tex").write_text("precious", encoding="utf-8")
    (mine / "sub" / "data.parquet").write_bytes(b"not ours")
    return mine, contents(mine)


def contents(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


def test_build_refuses_foreign_non_empty_output(tmp_path: Path) -> None:
    mine, before = foreign_directory(tmp_path)
    result = cli("build", "recipe.yaml", "--output", "mine", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "non-empty directory not made by geocorpus" in result.stderr
    assert "Traceback" not in result.stderr
    assert contents(mine) == before


def test_fresh_build_refuses_foreign_non_empty_output(tmp_path: Path) -> None:
    mine, before = foreign_directory(tmp_path)
    with pytest.raises(OutputDirError, match="not made by geocorpus"):
        run_build(tmp_path / "recipe.yaml", output=mine, workers=1, fresh=True)
    assert contents(mine) == before


def test_build_output_that_is_a_file_exits_2(tmp_path: Path) -> None:
    write_html_corpus(tmp_path / "pages", 1)
    write_recipe(tmp_path / "recipe.yaml", "name: t\noutput: out\nsources:\n  - local: {path: pages}\n"
                                           "steps:\n  - extract: {}\n")
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    result = cli("build", "recipe.yaml", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "exists and is not a directory" in result.stderr
    assert (tmp_path / "out").read_text(encoding="utf-8") == "a file"


def test_rebuild_from_the_recipe_copy_in_the_output(tmp_path: Path) -> None:
    pages = tmp_path / "pages"  # absolute: the copy in out/ must find it too
    write_html_corpus(pages, 2)
    write_recipe(tmp_path / "recipe.yaml", f"name: t\noutput: out\nsources:\n  - local: {{path: {pages}}}\n"
                                           "steps:\n  - extract: {}\n")
    out = tmp_path / "out"
    run_build(tmp_path / "recipe.yaml", output=out, workers=1)
    try:
        run_build(out / "recipe.yaml", output=out, workers=1)  # resume from the saved copy
        run_build(out / "recipe.yaml", output=out, workers=1, fresh=True)
    finally:
        assert (out / "recipe.yaml").is_file(), "the recipe being run was deleted"
