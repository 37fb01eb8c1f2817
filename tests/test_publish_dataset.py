"""`geocorpus publish --dry-run`: Hub layout that `datasets` loads, a card whose numbers are stats.json's, the
licence gate refusing and explaining, and generation outputs published as sft/eval."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner
from publish_corpus import build_corpus, write_generation_output

from geocorpus.cli import main
from geocorpus.publish.card import validate_card


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def published(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dry run with the gate overridden (the corpus holds a non-commercial and an unlicensed note)."""
    out = tmp_path_factory.mktemp("dry") / "repo"
    result = CliRunner().invoke(main, ["publish", str(corpus), "--repo-id", "geo/test", "--dry-run", str(out),
                                       "--override-license-gate"])
    assert result.exit_code == 0, result.output
    return out


def _front_matter(card: str) -> dict:
    return yaml.safe_load(card.split("---\n")[1])


def test_gate_refuses_with_one_line_and_the_table(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    result = CliRunner().invoke(main, ["publish", str(corpus), "--repo-id", "geo/test", "--dry-run", str(out)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("error: licence gate: 3 rows have licences not on the recipe") or \
        lines[0].startswith("error: licence gate: 3 rows have licences not on the default")
    assert "CC-BY-NC-4.0 (2)" in lines[0] and "unknown (1)" in lines[0] and "--override-license-gate" in lines[0]
    table = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert table["CC-BY-NC-4.0"] == ["2", "REFUSED"] and table["unknown"] == ["1", "REFUSED"]
    assert table["MIT"] == ["12", "ok"] and table["CC-BY-4.0"] == ["10", "ok"]
    assert not out.exists() or not any(out.iterdir())  # a refused corpus writes nothing


def test_allow_license_and_config_selection_pass_the_gate(corpus: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    code_only = runner.invoke(main, ["publish", str(corpus), "--repo-id", "geo/test", "--dry-run",
                                     str(tmp_path / "code"), "--config", "code", "--no-figures"])
    assert code_only.exit_code == 0, code_only.output
    assert [p.name for p in (tmp_path / "code" / "data").iterdir()] == ["code"]
    still_unknown = runner.invoke(main, ["publish", str(corpus), "--repo-id", "geo/test", "--dry-run",
                                         str(tmp_path / "nc"), "--allow-license", "CC-BY-NC-4.0", "--no-figures"])
    assert still_unknown.exit_code == 2 and "unknown (1)" in still_unknown.output
    assert "CC-BY-NC-4.0" not in still_unknown.output.splitlines()[0]


def test_every_config_loads_with_datasets(corpus: Path, published: Path) -> None:
    rows = pq.read_table(corpus / "data", columns=["kind", "id"]).to_pylist()
    expected = {"literature": [r["id"] for r in rows if r["kind"] != "code"],
                "code": [r["id"] for r in rows if r["kind"] == "code"]}
    meta = _front_matter((published / "README.md").read_text(encoding="utf-8"))
    assert [c["config_name"] for c in meta["configs"]] == ["literature", "code"]
    for name, ids in expected.items():
        files = sorted((published / "data" / name).glob("*.parquet"))
        assert [f.name for f in files] == ["train-00000-of-00001.parquet"]
        loaded = datasets.load_dataset(str(published), name, split="train")
        assert loaded["id"] == ids  # every row, in build order
        assert set(loaded.column_names) >= {"text", "kind", "source", "url", "license", "meta", "scores"}
    assert datasets.load_dataset(str(published), split="train").num_rows == len(expected["literature"])


def test_card_validates_and_its_numbers_are_stats_json(corpus: Path, published: Path) -> None:
    card = (published / "README.md").read_text(encoding="utf-8")
    assert validate_card(card) == []
    stats = json.loads((corpus / "stats.json").read_text(encoding="utf-8"))
    table = {}
    for line in card.splitlines():
        if match := re.match(r"^\| (src|\d+) \| `([^`]+)` \| .* \| ([\d,]+) \| ([\d,]+) \| (.*) \|$", line):
            dropped = {} if match.group(5) == "-" else {
                k: int(v.replace(",", "")) for k, v in (p.split(": ") for p in match.group(5).split(", "))}
            table[match.group(2)] = (int(match.group(3).replace(",", "")), int(match.group(4).replace(",", "")),
                                     dropped)
    assert len(table) == len(stats["steps"])
    for step in stats["steps"]:
        reasons = {reason.split(":", 1)[1]: n for reason, n in step["dropped"].items()}
        assert table[step["step"]] == (step["in"], step["out"], reasons)
    dedup = sum(sum(s["dropped"].values()) for s in stats["steps"] if s["step"].startswith("dedup"))
    assert f"**Deduplicated**: {dedup:,} documents" in card and dedup >= 2  # the two copies of one note
    assert f"In total {stats['documents']:,} documents kept and {stats['rejected']:,} rejected" in card
    sources = Counter(r["source"] for r in pq.read_table(corpus / "data", columns=["source"]).to_pylist())
    for source, n in sources.items():
        assert re.search(rf"^\| {re.escape(source)} \| {n} \| ", card, re.M), source
    assert f"**{stats['documents']} rows**" in card
    assert "not* checked against evaluation sets" in card  # no decontaminate step in this recipe


def test_card_metadata_licences_override_and_citations(published: Path) -> None:
    card = (published / "README.md").read_text(encoding="utf-8")
    meta = _front_matter(card)
    assert meta["license"] == "other" and meta["license_link"] == "LICENSES.md"  # `unknown` has no Hub id
    assert "| unknown | 1 |" in (published / "LICENSES.md").read_text(encoding="utf-8")
    assert meta["language"] == ["en", "code"] and meta["size_categories"] == ["n<1K"]
    assert "Licence gate overridden" in card and "CC-BY-NC-4.0 (2 rows)" in card
    for doi in ("10.1145/3616855.3635772", "10.1016/j.jag.2025.104456", "10.1080/17538947.2025.2449708"):
        assert doi in card
    for figure in re.findall(r"!\[[^]]*\]\(([^)]+)\)", card):
        assert (published / figure).is_file()


def test_validate_card_reports_what_is_wrong(published: Path) -> None:
    card = (published / "README.md").read_text(encoding="utf-8")
    broken = card.replace("- en\n", "- english\n", 1).replace("license: other", "license: CC-BY-NC-4.0", 1)
    problems = validate_card(broken)
    assert "language 'english' is not a known language code" in problems
    assert "license 'CC-BY-NC-4.0' is not a Hub licence id" in problems
    assert validate_card("---\nlicense: [mit\n---\nbody")[0].startswith("front matter does not parse")


def test_shard_size_cuts_shards_that_load_back(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    result = CliRunner().invoke(main, ["publish", str(corpus), "--repo-id", "geo/test", "--dry-run", str(out),
                                       "--config", "code", "--shard-size", "16KB", "--no-figures"])
    assert result.exit_code == 0, result.output
    files = sorted((out / "data" / "code").glob("*.parquet"))
    assert len(files) > 1
    assert [f.name for f in files] == [f"train-{i:05d}-of-{len(files):05d}.parquet" for i in range(len(files))]
    assert datasets.load_dataset(str(out), "code", split="train").num_rows == 19


@pytest.mark.parametrize("args, message", [
    (["--repo-id", "no-namespace"], "expected ORG/NAME"),
    (["--repo-id", "geo/x", "--shard-size", "lots"], "--shard-size 'lots'"),
    (["--repo-id", "geo/x", "--config", "images"], "--config images"),
])
def test_bad_options_exit_2_with_one_line(corpus: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["publish", str(corpus), *args, "--dry-run", "unused"])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_generation_output_is_published_as_sft_and_eval(tmp_path: Path) -> None:
    source = write_generation_output(tmp_path / "gen")
    out = tmp_path / "repo"
    result = CliRunner().invoke(main, ["publish", str(source), "--repo-id", "geo/sft", "--dry-run", str(out)])
    assert result.exit_code == 0, result.output
    meta = _front_matter((out / "README.md").read_text(encoding="utf-8"))
    assert {c["config_name"]: c["data_files"][0]["split"] for c in meta["configs"]} == {"sft": "train",
                                                                                        "eval": "test"}
    assert meta["license"] == "cc-by-4.0" and "multiple-choice" in meta["task_categories"]
    sft = datasets.load_dataset(str(out), "sft", split="train")
    assert sft.num_rows == 3 and sft[0]["messages"][1]["content"] == "About 112 mm a year."
    assert datasets.load_dataset(str(out), "eval", split="test")["task"] == ["mcq", "mcq"]
