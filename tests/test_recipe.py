"""Recipe validation: every mistake names its key path and YAML line, and a bad recipe writes nothing.

Checked twice: through `load_recipe` (the problems themselves) and through the real `geocorpus build`
command in a subprocess (exit code 2, one `file:LINE: key.path: message` line per problem, no output).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import write_html_corpus, write_recipe

from geocorpus.pipeline import registry
from geocorpus.recipe import Problem, RecipeError, load_recipe

VALID = """\
name: valid
output: out
sources:
  - local: {path: pages, license: CC-BY-4.0}
steps:
  - extract: {}
  - gopher_quality:
      min_words: 20
  - dedup_exact: {}
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` (the recipes below are written for this)."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the recipe text")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "geocorpus.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else b"<dir>" for p in root.rglob("*")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A recipe directory with a few HTML pages next to it."""
    write_html_corpus(tmp_path / "pages", 4)
    return tmp_path


# (case id, recipe text, expected key path, text marking the expected line or None, words the message has)
BAD_RECIPES = [
    ("misspelled-top-level-key",
     "name: t\noutput: out\nouptut: other\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n",
     "ouptut", "ouptut:", ["unknown key", "did you mean 'output'"]),
    ("misspelled-step-param",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n"
     "  - gopher_quality: {min_wrods: 50}\n",
     "steps[1].gopher_quality.min_wrods", "min_wrods", ["unknown key", "did you mean 'min_words'"]),
    ("misspelled-step-param-block-style",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n"
     "  - gopher_quality:\n      kinds: [web]\n      min_wrods: 50\n",
     "steps[1].gopher_quality.min_wrods", "min_wrods", ["did you mean 'min_words'"]),
    ("unknown-step",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n  - gopher_qualty: {}\n",
     "steps[1].gopher_qualty", "gopher_qualty", ["unknown step", "did you mean 'gopher_quality'", "geocorpus steps"]),
    ("unknown-source",
     "name: t\noutput: out\nsources:\n  - locl: {path: pages}\nsteps:\n  - extract: {}\n",
     "sources[0].locl", "locl", ["unknown source", "did you mean 'local'"]),
    ("wrong-type",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n"
     "  - gopher_quality: {min_words: lots}\n",
     "steps[1].gopher_quality.min_words", "min_words: lots", ["integer", "'lots'"]),
    ("out-of-range",
     "name: t\noutput: out\nsources:\n  - local: {path: pages, files_per_shard: 0}\nsteps:\n  - extract: {}\n",
     "sources[0].local.files_per_shard", "files_per_shard", ["greater than or equal to 1"]),
    ("missing-sources",
     "name: t\noutput: out\nsteps:\n  - extract: {}\n",
     "sources", None, ["required key is missing"]),
    ("empty-sources",
     "name: t\noutput: out\nsources: []\nsteps:\n  - extract: {}\n",
     "sources", "sources:", ["at least 1 item"]),
    ("missing-name",
     "output: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n",
     "name", None, ["required key is missing"]),
    ("missing-source-path",
     "name: t\noutput: out\nsources:\n  - local: {path: does/not/exist}\nsteps:\n  - extract: {}\n",
     "sources[0].local.path", "does/not/exist", ["no such file or directory", "does/not/exist"]),
    ("missing-manifest",
     "name: t\noutput: out\nsources:\n  - local: {path: pages, manifest: nope.jsonl}\nsteps:\n  - extract: {}\n",
     "sources[0].local.manifest", "nope.jsonl", ["no such file", "nope.jsonl"]),
    ("step-item-with-two-keys",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n"
     "  - {gopher_quality: {}, dedup_exact: {}}\n",
     "steps[1]", "dedup_exact", ["one key"]),
    ("raw-files-without-extract",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - gopher_quality: {}\n",
     "steps[0].gopher_quality", "gopher_quality", ["yields raw files", "extract"]),
    ("raw-files-global-step-before-extract",
     "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - dedup_exact: {}\n  - extract: {}\n",
     "steps[0].dedup_exact", "dedup_exact", ["yields raw files", "before 'dedup_exact'"]),
]


def expect_problem(error: RecipeError, path: str, line: int | None, words: list[str]) -> Problem:
    rendered = [p.render(error.file) for p in error.problems]
    matching = [p for p in error.problems if p.render(error.file).split(": ", 2)[1] == path]
    assert matching, f"no problem at {path!r} in {rendered}"
    problem = matching[0]
    assert problem.line == line, rendered
    for word in words:
        assert word in problem.message, rendered
    return problem


@pytest.mark.parametrize(("text", "path", "marker", "words"),
                         [case[1:] for case in BAD_RECIPES], ids=[case[0] for case in BAD_RECIPES])
def test_load_recipe_names_key_path_line_and_fix(project: Path, text: str, path: str, marker: str | None,
                                                 words: list[str]) -> None:
    recipe = write_recipe(project / "recipe.yaml", text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(recipe)
    line = line_of(text, marker) if marker else None
    problem = expect_problem(caught.value, path, line, words)
    where = f"{recipe}:{line}" if line else str(recipe)
    assert problem.render(str(recipe)).startswith(f"{where}: {path}: ")


def test_raw_files_with_no_steps_at_all(project: Path) -> None:
    recipe = write_recipe(project / "recipe.yaml", "name: t\noutput: out\nsources:\n  - local: {path: pages}\n")
    with pytest.raises(RecipeError) as caught:
        load_recipe(recipe)
    expect_problem(caught.value, "steps", None, ["yields raw files", "add `- extract: {}`"])


def test_every_step_problem_is_reported_at_once(project: Path) -> None:
    text = ("name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {min_chrs: 3}\n"
            "  - gopher_quality: {min_words: lots}\n  - dedup_exct: {}\n")
    with pytest.raises(RecipeError) as caught:
        load_recipe(write_recipe(project / "recipe.yaml", text))
    assert len(caught.value.problems) == 3
    expect_problem(caught.value, "steps[0].extract.min_chrs", 6, ["did you mean 'min_chars'"])
    expect_problem(caught.value, "steps[1].gopher_quality.min_words", 7, ["'lots'"])
    expect_problem(caught.value, "steps[2].dedup_exct", 8, ["did you mean 'dedup_exact'"])


def test_top_level_and_step_problems_are_reported_together(project: Path) -> None:
    text = ("name: t\noutput: out\nouptut: x\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n"
            "  - gopher_quality: {min_wrods: 50}\n")
    with pytest.raises(RecipeError) as caught:
        load_recipe(write_recipe(project / "recipe.yaml", text))
    expect_problem(caught.value, "ouptut", 3, ["did you mean 'output'"])
    expect_problem(caught.value, "steps[1].gopher_quality.min_wrods", 8, ["did you mean 'min_words'"])


@pytest.mark.parametrize(("text", "line", "words"), [
    ("name: t\noutput: out\nsources:\n  - local: {path: pages\n  - x: [\n", 5, ["not valid YAML"]),
    ("name: t\n\toutput: out\n", 2, ["not valid YAML"]),
    ("- just\n- a list\n", 1, ["a recipe is a mapping"]),
    ("", 1, ["a recipe is a mapping"]),
], ids=["unclosed-flow-mapping", "tab-indent", "list-not-mapping", "empty-file"])
def test_unparsable_recipes(project: Path, text: str, line: int, words: list[str]) -> None:
    recipe = write_recipe(project / "recipe.yaml", text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(recipe)
    (problem,) = caught.value.problems
    assert problem.line == line
    assert all(word in problem.message for word in words), problem.message
    assert problem.render(str(recipe)).startswith(f"{recipe}:{line}: ")


def test_unreadable_recipe(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="cannot read the recipe"):
        load_recipe(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RecipeError, match="cannot read the recipe"):
        load_recipe(tmp_path / "latin1.yaml")


def test_valid_recipe_fills_defaults(project: Path) -> None:
    recipe = load_recipe(write_recipe(project / "recipe.yaml", VALID))
    assert recipe.name == "valid" and recipe.output == "out"
    assert [s.name for s in recipe.sources] == ["local"]
    assert [s.name for s in recipe.steps] == ["extract", "gopher_quality", "dedup_exact"]
    assert [s.line for s in recipe.steps] == [6, 7, 9]
    source = recipe.sources[0].params
    assert (source.path, source.license, source.glob, source.files_per_shard, source.manifest) == \
        ("pages", "CC-BY-4.0", "**/*", 128, None)
    extract, gopher, dedup = (s.params for s in recipe.steps)
    assert extract.min_chars == 1
    assert gopher.min_words == 20  # given
    assert (gopher.max_words, gopher.min_stop_words, gopher.kinds) == (100_000, 2, ["web", "paper", "book", "text"])
    assert dedup.buckets == 16


def test_null_params_mean_defaults(project: Path) -> None:
    text = "name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract:\n  - dedup_exact:\n"
    recipe = load_recipe(write_recipe(project / "recipe.yaml", text))
    assert [s.name for s in recipe.steps] == ["extract", "dedup_exact"]
    assert all(s.params == registry.steps()[s.name].Params() for s in recipe.steps)


def test_input_paths_resolve_relative_to_recipe_not_cwd(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_recipe(project / "recipe.yaml", VALID)
    elsewhere = project / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert not Path("pages").exists()  # `pages` only exists next to the recipe
    recipe = load_recipe(Path("..") / "recipe.yaml")
    assert recipe.base_dir == project.resolve()
    assert recipe.path == (project / "recipe.yaml").resolve()


# ---------------------------------------------------------------------------------------------- CLI


CLI_CASES = [case for case in BAD_RECIPES if case[0] in {
    "misspelled-top-level-key", "misspelled-step-param", "unknown-step", "wrong-type", "missing-sources",
    "missing-name", "missing-source-path", "step-item-with-two-keys", "raw-files-without-extract"}]


@pytest.mark.parametrize(("text", "path", "marker", "words"),
                         [case[1:] for case in CLI_CASES], ids=[case[0] for case in CLI_CASES])
def test_cli_rejects_bad_recipe_and_writes_nothing(project: Path, text: str, path: str, marker: str | None,
                                                    words: list[str]) -> None:
    write_recipe(project / "recipe.yaml", text)
    cwd = project / "cwd"
    cwd.mkdir()
    before = snapshot(project)
    result = cli("build", str(project / "recipe.yaml"), "--workers", "1", cwd=cwd)
    assert result.returncode == 2, result.stderr
    where = f"recipe.yaml:{line_of(text, marker)}: " if marker else "recipe.yaml: "
    lines = [line for line in result.stderr.splitlines() if f" {path}: " in line]
    assert lines, result.stderr
    assert where in lines[0], result.stderr
    assert all(word in lines[0] for word in words), result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(project) == before, "a rejected recipe wrote files"
    assert not (project / "out").exists() and not (cwd / "out").exists()


def test_cli_invalid_yaml(project: Path) -> None:
    write_recipe(project / "recipe.yaml", "name: t\noutput: out\nsources:\n  - local: {path: pages\n  - x: [\n")
    before = snapshot(project)
    result = cli("build", "recipe.yaml", "--output", "built", cwd=project)
    assert result.returncode == 2
    assert "recipe.yaml:5: not valid YAML" in result.stderr
    assert snapshot(project) == before


def test_cli_missing_recipe_file(project: Path) -> None:
    result = cli("build", "nope.yaml", cwd=project)
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr and "cannot read the recipe" in result.stderr


def test_cli_resolves_inputs_relative_to_recipe_from_another_cwd(project: Path) -> None:
    (project / "meta").mkdir()
    (project / "meta" / "manifest.jsonl").write_text(
        '{"path": "../pages/page-0002.html", "license": "CC0-1.0", "url": "https://example.org/p2"}\n',
        encoding="utf-8")  # manifest paths are relative to the manifest
    write_recipe(project / "recipe.yaml", "name: t\noutput: out\nsources:\n"
                 "  - local: {path: pages, manifest: meta/manifest.jsonl, license: MIT}\nsteps:\n  - extract: {}\n")
    elsewhere = project / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    result = cli("build", "../../recipe.yaml", "--output", "built", "--workers", "1", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    rows = pq.read_table(elsewhere / "built" / "data").to_pylist()
    assert len(rows) == 4
    assert {row["license"] for row in rows} == {"MIT", "CC0-1.0"}
    assert "https://example.org/p2" in {row["url"] for row in rows}
    assert (elsewhere / "built" / "recipe.yaml").read_text() == (project / "recipe.yaml").read_text()


def test_input_file_params_resolve_from_the_recipe_and_must_exist(project: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "evals").mkdir()
    (project / "evals" / "geocode.jsonl").write_text('{"Instruction": "q", "Input": "", "Output": "a"}\n')
    text = ("name: t\noutput: out\nsources:\n  - local: {path: pages}\nsteps:\n  - extract: {}\n"
            "  - decontaminate: {eval_sets: [evals/geocode.jsonl]}\n")
    monkeypatch.chdir(project.parent)  # not the recipe's folder
    recipe = load_recipe(write_recipe(project / "recipe.yaml", text))
    assert recipe.steps[1].params.eval_sets == [str((project / "evals" / "geocode.jsonl").resolve())]
    with pytest.raises(RecipeError) as caught:
        load_recipe(write_recipe(project / "recipe.yaml", text.replace("geocode.jsonl", "missing.jsonl")))
    rendered = str(caught.value)
    assert "recipe.yaml:7: steps[1].decontaminate.eval_sets[0]: " in rendered and "no such file" in rendered
