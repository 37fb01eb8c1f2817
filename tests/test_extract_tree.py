"""What only the file tree tells: a code file's package licence (LICENSE file or manifest field) and a LaTeX
project on disk read as one document."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_recipe
from test_extract_latex import DETAIL, MAIN, METHODS

from geocorpus.build import run_build
from geocorpus.document import Document
from geocorpus.extract.step import Extract
from geocorpus.sources.local import LocalSource

LICENSES = Path(__file__).resolve().parent / "data" / "extract" / "licenses"
MIT = """MIT License

Copyright (c) 2024 Geo Tools

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction.
"""
SCRIPT = "import rasterio\n\nwith rasterio.open('dem.tif') as src:\n    print(src.crs)\n"


def read_all(root: Path, **params) -> list[Document]:
    """The documents `local` yields for `root`, extracted in-process."""
    source = LocalSource(LocalSource.Params(path=str(root), **params), root.parent)
    extract = Extract(Extract.Params(isolate=False))
    docs = [doc for part in source.partitions() for doc in source.read(part)]
    return [doc if doc.rejection else extract.process(doc) for doc in docs]


def by_path(docs: list[Document]) -> dict[str, Document]:
    return {doc.meta["path"]: doc for doc in docs}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository: MIT at the top, a GPL-3.0 subpackage (COPYING text), an npm package, an R package, a
    pyproject with a PEP 639 expression next to a LICENSE file, and a file with its own Apache header."""
    root = tmp_path / "repo"
    (root / "src" / "gis").mkdir(parents=True)
    (root / "LICENSE").write_text(MIT)
    (root / "src" / "gis" / "dem.py").write_text(SCRIPT)
    (root / "src" / "gis" / "own.py").write_text("# SPDX-License-Identifier: Apache-2.0\n" + SCRIPT)
    (root / "gpl").mkdir()
    (root / "gpl" / "COPYING").write_text((LICENSES / "GPL-3.head").read_text())
    (root / "gpl" / "flow.py").write_text(SCRIPT)
    (root / "js").mkdir()
    (root / "js" / "package.json").write_text(json.dumps({"name": "ee-map", "license": "BSD-3-Clause"}))
    (root / "js" / "map.js").write_text("var image = ee.Image('USGS/SRTMGL1_003');\n")
    (root / "rpkg" / "R").mkdir(parents=True)
    (root / "rpkg" / "DESCRIPTION").write_text("Package: terrain\nLicense: GPL (>= 2)\nVersion: 0.1\n")
    (root / "rpkg" / "R" / "slope.R").write_text("library(terra)\nr <- rast('dem.tif')\n")
    (root / "py").mkdir()
    (root / "py" / "pyproject.toml").write_text('[project]\nname = "x"\nlicense = "MIT OR Apache-2.0"\n')
    (root / "py" / "LICENSE").write_text((LICENSES / "Apache-2.0.head").read_text())
    (root / "py" / "tool.py").write_text(SCRIPT)
    (root / "odd").mkdir()
    (root / "odd" / "LICENSE").write_text("All rights reserved. Ask us before you use this.\n")
    (root / "odd" / "secret.py").write_text(SCRIPT)
    (root / "README.md").write_text("Terrain tools.\n")
    return root


def test_code_licence_from_the_nearest_licence_file_or_manifest(repo: Path) -> None:
    docs = by_path(read_all(repo))
    licences = {path: (doc.license, doc.meta.get("package_license_file"), doc.meta.get("license_source"))
                for path, doc in docs.items() if not doc.rejection}  # LICENSE, package.json: no extractor
    assert licences == {
        "src/gis/dem.py": ("MIT", "LICENSE", "package"),
        "src/gis/own.py": ("Apache-2.0", "LICENSE", "header"),  # the header beats the repository's LICENSE
        "gpl/flow.py": ("GPL-3.0-only", "gpl/COPYING", "package"),  # nearest folder wins over the top MIT
        "js/map.js": ("BSD-3-Clause", "js/package.json", "package"),
        "rpkg/R/slope.R": ("GPL-2.0-or-later", "rpkg/DESCRIPTION", "package"),
        "py/tool.py": ("MIT OR Apache-2.0", "py/pyproject.toml", "package"),  # the declared expression first
        "odd/secret.py": ("unknown", "odd/LICENSE", None),  # unrecognised: not replaced by the parent's MIT
        "README.md": ("unknown", None, None),  # only code takes a package licence
    }
    assert docs["src/gis/own.py"].meta["stated_license"] == "Apache-2.0"
    assert "package_license" not in docs["odd/secret.py"].meta


def test_recipe_licence_wins_and_license_files_can_be_switched_off(repo: Path) -> None:
    recipe_wins = by_path(read_all(repo, license="CC-BY-4.0"))
    assert recipe_wins["src/gis/dem.py"].license == "CC-BY-4.0"
    assert recipe_wins["src/gis/dem.py"].meta["package_license"] == "MIT"  # recorded, not applied
    off = by_path(read_all(repo, license_files=False))
    assert off["src/gis/dem.py"].license == "unknown" and "package_license_file" not in off["src/gis/dem.py"].meta


def test_licence_files_are_looked_for_up_to_the_source_root_only(repo: Path) -> None:
    docs = by_path(read_all(repo / "src"))  # the repository's LICENSE lies above `path`
    assert docs["gis/dem.py"].license == "unknown"
    assert "package_license_file" not in docs["gis/dem.py"].meta


def write_project(folder: Path) -> None:
    (folder / "sections").mkdir(parents=True)
    (folder / "main.tex").write_text(MAIN)
    (folder / "sections" / "methods.tex").write_text(METHODS)
    (folder / "sections" / "detail.tex").write_text(DETAIL)
    (folder / "refs.bib").write_text("@article{scanlon2002, title={Choosing techniques}}\n")


def test_latex_project_on_disk_is_one_document(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    write_project(papers / "grace")
    (papers / "grace" / "response.tex").write_text(
        "\\documentclass{letter}\n\\begin{document}\nWe thank the reviewers for the careful reading.\n"
        "\\end{document}\n")
    (papers / "grace" / "main.pdf").write_bytes(b"%PDF-1.4 compiled copy, read on its own")
    (papers / "notes.tex").write_text("A loose fragment, no \\textbf{document} of its own.\n")
    docs = by_path(read_all(papers, latex_projects=True))
    assert set(docs) == {"grace/main.tex", "grace/response.tex", "grace/main.pdf", "notes.tex"}
    paper = docs["grace/main.tex"]
    assert (paper.rejection, paper.kind, paper.meta["format"], paper.meta["latex_project"]) == (
        None, "paper", "latex_project", "grace")
    assert "### Specific yield" in paper.text and "Details are in the supplement." in paper.text
    assert "We thank the reviewers" not in paper.text  # the other main file is its own document
    assert paper.meta["latex_files"] == 3 and paper.meta["unresolved_inputs"] == ["../../etc/passwd"]
    assert paper.title == "Recharge from GRACE"
    assert "We thank the reviewers" in docs["grace/response.tex"].text
    assert docs["notes.tex"].meta["format"] == "latex"  # outside any project: a file of its own, as before
    again = by_path(read_all(papers, latex_projects=True))
    assert again["grace/main.tex"].id == paper.id  # the packed tree is byte-stable


def test_latex_projects_off_keeps_one_document_per_file(tmp_path: Path) -> None:
    write_project(tmp_path / "grace")
    docs = by_path(read_all(tmp_path / "grace"))
    assert set(docs) == {"main.tex", "sections/methods.tex", "sections/detail.tex", "refs.bib"}
    assert docs["main.tex"].meta["unresolved_inputs"] == ["sections/methods", "../../etc/passwd"]


def test_build_with_latex_projects_and_package_licences(repo: Path, tmp_path: Path) -> None:
    write_project(repo / "paper")
    recipe = write_recipe(tmp_path / "recipe.yaml", """\
name: tree
output: out
sources:
  - local: {path: repo, latex_projects: true}
steps:
  - extract: {timeout_s: 30}
""")
    run_build(recipe, output=tmp_path / "out", workers=1)
    rows = [r for shard in sorted((tmp_path / "out" / "data").glob("*.parquet"))
            for r in pq.read_table(shard).to_pylist()]
    paths = {json.loads(r["meta"])["path"]: r for r in rows}
    assert paths["paper/main.tex"]["kind"] == "paper" and "paper/sections/methods.tex" not in paths
    assert paths["paper/main.tex"]["license"] == "unknown"  # a paper is not code: no package licence
    assert paths["src/gis/dem.py"]["license"] == "MIT"


def test_extract_by_hand_looks_for_the_licence_up_to_the_repository(repo: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`geocorpus extract FILE` inside a repository finds the repository's LICENSE above the file's folder,
    stops at the nearest licence file like `local`, and without a repository goes no higher than the cwd."""
    from geocorpus.extract.preview import extract_paths, licence_search_root

    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # not above the repository: only .git bounds the search
    (repo / ".git").mkdir()
    docs = list(extract_paths((repo / "src" / "gis" / "dem.py", repo / "odd" / "secret.py", repo / "src")))
    found = [(doc.meta["path"], doc.license, doc.meta.get("package_license_file")) for doc in docs]
    assert found == [("dem.py", "MIT", "LICENSE"), ("secret.py", "unknown", "LICENSE"),
                     ("gis/dem.py", "MIT", "LICENSE"), ("gis/own.py", "Apache-2.0", "LICENSE")]
    assert docs[1].meta.get("package_license") is None  # odd/LICENSE is unrecognised and nearest: no MIT
    (repo / ".git").rmdir()
    assert licence_search_root(repo / "src" / "gis" / "dem.py") == (repo / "src" / "gis").resolve()
    monkeypatch.chdir(repo)
    assert licence_search_root(repo / "src" / "gis" / "dem.py") == repo.resolve()
