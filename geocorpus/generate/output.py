"""Writing generated pairs: one Parquet file per task, rejected pairs with their reason, and a dataset card.

Layout (what `datasets.load_dataset(OUT)` reads, through the `configs:` block of OUT/README.md):

    OUT/data/<task>/part-00000.parquet   accepted pairs (config `default`: all tasks; one config per task)
    OUT/rejected/<task>.parquet          failures: backend error, unparseable reply, failed verifier (config
                                         `rejected`), each with `stage`, `reason`, `detail` and the raw reply
    OUT/stats.json  OUT/recipe.yaml  OUT/_cache/ (the request cache: exact resume)

Accepted rows carry Alpaca columns (`instruction, input, output`) and chat `messages` side by side, plus
provenance (`source_id, source_url, license`); `meta` and `verification` are JSON strings, as in the corpus
Documents, so every task has the same schema and all tasks load as one dataset.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from geocorpus.io.atomic import atomic_path

MESSAGE = pa.struct([pa.field("role", pa.string()), pa.field("content", pa.string())])
PAIR_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("task", pa.string(), nullable=False),
    pa.field("type", pa.string(), nullable=False),
    pa.field("category", pa.string(), nullable=False),
    pa.field("instruction", pa.string(), nullable=False),
    pa.field("input", pa.string(), nullable=False),
    pa.field("output", pa.string(), nullable=False),
    pa.field("messages", pa.list_(MESSAGE), nullable=False),
    pa.field("lang", pa.string()),
    pa.field("source_id", pa.string()),
    pa.field("source_url", pa.string()),
    pa.field("license", pa.string()),
    pa.field("verification", pa.string(), nullable=False),
    pa.field("meta", pa.string(), nullable=False),
])
REJECTED_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("task", pa.string(), nullable=False),
    pa.field("stage", pa.string(), nullable=False),  # backend | parse | verify
    pa.field("reason", pa.string(), nullable=False),
    pa.field("detail", pa.string()),
    pa.field("source_id", pa.string()),
    pa.field("source_url", pa.string()),
    pa.field("lang", pa.string()),
    pa.field("prompt", pa.string()),
    pa.field("response", pa.string()),
    pa.field("instruction", pa.string()),
    pa.field("input", pa.string()),
    pa.field("output", pa.string()),
    pa.field("context", pa.string()),
    pa.field("verification", pa.string()),
    pa.field("meta", pa.string()),
])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def messages(pair: dict[str, Any], system: str | None = None) -> list[dict[str, str]]:
    """The pair as a chat: optional system, user = instruction (+ blank line + input), assistant = output."""
    user = f"{pair['instruction']}\n\n{pair['input']}" if pair["input"] else pair["instruction"]
    chat = [{"role": "system", "content": system}] if system else []
    return chat + [{"role": "user", "content": user}, {"role": "assistant", "content": pair["output"]}]


def pair_row(pair: dict[str, Any]) -> dict[str, Any]:
    row = {name: pair.get(name) for name in PAIR_SCHEMA.names}
    row["messages"] = messages(pair)
    row["verification"], row["meta"] = _json(pair.get("verification") or {}), _json(pair.get("meta") or {})
    return row


def rejected_row(*, id: str, task: str, stage: str, reason: str, detail: str = "", prompt: str = "",
                 response: str | None = None, pair: dict[str, Any] | None = None,
                 source: dict[str, Any] | None = None) -> dict[str, Any]:
    """A failure, with whatever exists of it: the prompt always, the reply when one came, the pair when parsed."""
    pair = pair or {}
    source = source or pair
    return {
        "id": id, "task": task, "stage": stage, "reason": reason, "detail": detail[:2000],
        "source_id": source.get("source_id"), "source_url": source.get("source_url"), "lang": source.get("lang"),
        "prompt": prompt, "response": response,
        "instruction": pair.get("instruction"), "input": pair.get("input"), "output": pair.get("output"),
        "context": pair.get("context"),
        "verification": _json(pair.get("verification") or {}), "meta": _json(pair.get("meta") or {}),
    }


def write_table(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """All rows as one Parquet file (zstd), renamed into place only when complete."""
    with atomic_path(path) as tmp:
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp, compression="zstd")


def data_path(root: Path, task: str) -> Path:
    return root / "data" / task / "part-00000.parquet"


def rejected_path(root: Path, task: str) -> Path:
    return root / "rejected" / f"{task}.parquet"


def _info(config: str, files: list[Path]) -> dict[str, Any]:
    """Row count and file bytes of a config. `datasets` keys its cache for README-configured folders on the
    card, not on the files (their patterns never change), so without these figures a rerun's new rows would
    be hidden behind the old cache; any change of the files changes their byte count or rows."""
    rows = sum(pq.ParquetFile(file).metadata.num_rows for file in files)
    size = sum(file.stat().st_size for file in files)
    return {"config_name": config, "splits": [{"name": "train", "num_examples": rows, "num_bytes": size}],
            "download_size": size}


def write_card(root: Path, name: str, task_names: list[str], stats: dict[str, Any]) -> None:
    """README.md whose `configs:` make `load_dataset(OUT)` read the accepted pairs (and only them)."""
    configs = [{"config_name": "default", "data_files": [{"split": "train", "path": "data/*/*.parquet"}]}]
    configs += [{"config_name": task, "data_files": [{"split": "train", "path": f"data/{task}/*.parquet"}]}
                for task in task_names]
    configs.append({"config_name": "rejected", "data_files": [{"split": "train", "path": "rejected/*.parquet"}]})
    infos = [_info("default", sorted((root / "data").glob("*/*.parquet")))]
    infos += [_info(task, sorted((root / "data" / task).glob("*.parquet"))) for task in task_names]
    infos.append(_info("rejected", sorted((root / "rejected").glob("*.parquet"))))
    header = yaml.safe_dump({"configs": configs, "dataset_info": infos}, sort_keys=False, allow_unicode=True)
    lines = [f"---\n{header}---", f"# {name}", "",
             "Instruction pairs and eval items generated by `geocorpus generate` from a geocorpus dataset. "
             "Every row names its source document (`source_id`, `source_url`, `license`) and carries its "
             "verification results. Counts:", "",
             "| task | pairs | rejected |", "|---|---:|---:|"]
    lines += [f"| {task} | {stats[task]['kept']} | {stats[task]['rejected']} |" for task in task_names]
    with atomic_path(root / "README.md") as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
