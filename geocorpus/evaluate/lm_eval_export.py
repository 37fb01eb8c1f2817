"""Export a multiple-choice eval set as an lm-evaluation-harness task (YAML + JSON lines data file).

The task uses lm-eval's documented local-file form (`dataset_path: json`, `dataset_kwargs.data_files`) and
the same prompts as `geocorpus eval` (see mcq.py), so `lm_eval --include_path DIR --tasks NAME` reproduces our
acc/acc_norm: `doc_to_text` is the context, `doc_to_choice` the option texts (or letters), `doc_to_target` the
answer index, `target_delimiter` the space our English continuations start with (Chinese ones have none).
Items of both languages in one set become two tasks (`NAME_en`, `NAME_zh`) because the delimiter is per task.
The data path is absolute: lm-eval resolves `data_files` against the working directory, not the YAML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from geocorpus.evaluate.mcq import Style
from geocorpus.evaluate.mcq_items import LETTERS, MCQItem, load_mcq
from geocorpus.io.atomic import atomic_path

_TEXT = {("cloze", "en"): "Question: {{question}}\nAnswer:",
         ("cloze", "zh"): "问题：{{question}}\n答案：",
         ("letters", "en"): "{{question}}\n{{listed}}\nAnswer:",
         ("letters", "zh"): "{{question}}\n{{listed}}\n答案："}


def task_name(path: Path) -> str:
    """A task name lm-eval accepts: lower-case letters, digits and underscores, prefixed `geocorpus_`."""
    stem = re.sub(r"[^0-9a-z]+", "_", (path.stem if path.is_file() else path.name).casefold()).strip("_")
    return f"geocorpus_{stem or 'eval'}"


def export_lm_eval(evalset: Path, out_dir: Path, *, style: Style = "cloze", name: str | None = None) -> list[Path]:
    """Write `NAME.yaml` + `NAME.jsonl` (one pair per language present) under out_dir; returns the YAML paths."""
    loaded = load_mcq(evalset)
    base = name or task_name(evalset)
    by_lang: dict[str, list[MCQItem]] = {}
    for item in loaded.items:
        by_lang.setdefault(item.lang, []).append(item)
    written = []
    for lang, items in sorted(by_lang.items()):
        task = base if len(by_lang) == 1 else f"{base}_{lang}"
        data = (out_dir / f"{task}.jsonl").resolve()
        with atomic_path(data) as tmp:
            tmp.write_text("".join(json.dumps(_doc(i), ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        config = task_config(task, data, style, lang)
        target = out_dir / f"{task}.yaml"
        with atomic_path(target) as tmp:
            tmp.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
        written.append(target)
    return written


def task_config(task: str, data: Path, style: Style, lang: str) -> dict[str, Any]:
    """The lm-eval TaskConfig mapping for one task."""
    return {
        "task": task,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(data)}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_text": _TEXT[(style, lang)],
        "doc_to_choice": "choices" if style == "cloze" else "letters",
        "doc_to_target": "answer",
        "target_delimiter": " " if lang == "en" else "",
        "metric_list": [{"metric": m, "aggregation": "mean", "higher_is_better": True} for m in ("acc", "acc_norm")],
        "metadata": {"version": 1.0, "source": "geocorpus eval export-lm-eval", "style": style},
    }


def _doc(item: MCQItem) -> dict[str, Any]:
    letters = list(LETTERS[: len(item.options)])
    listed = "\n".join(f"{letter}. {option}" for letter, option in zip(letters, item.options, strict=True))
    return {"id": item.item_id, "question": item.stem, "choices": list(item.options), "letters": letters,
            "listed": listed, "answer": item.answer}
