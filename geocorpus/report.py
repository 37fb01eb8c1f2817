"""What people read in the terminal: the build summary, `inspect`, and the `steps` listing."""

from __future__ import annotations

import json
import sys
from collections import Counter
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin

import pyarrow.compute as pc
from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from geocorpus.io.storage import parquet_file, read_parquet
from geocorpus.pipeline import registry
from geocorpus.pipeline.runner import BuildResult
from geocorpus.pipeline.step import InputFile

if TYPE_CHECKING:
    from geocorpus.io.storage import StoragePath

CHARS_PER_TOKEN = 4  # a common rule of thumb for English prose and code with BPE tokenizers


def print_build(result: BuildResult, console: Console) -> None:
    table = Table(title="geocorpus build", title_justify="left")
    for column in ("#", "step", "in", "out", "dropped (by reason)", "seconds"):
        table.add_column(column, justify="right" if column in {"#", "in", "out", "seconds"} else "left",
                         overflow="fold")
    for counter in result.counters:
        position, name = counter.label.split(":", 1)
        dropped = ", ".join(f"{reason}={n}" for reason, n in counter.dropped.most_common()) or "-"
        table.add_row(str(int(position)) if int(position) else "src", name, str(counter.docs_in),
                      str(counter.docs_out), dropped, f"{counter.seconds:.2f}")
    console.print(table)
    for source in result.unreachable:
        console.print(f"[yellow]warning:[/] source {escape(source['source'])} was unreachable: "
                      f"{escape(source['error'])}", soft_wrap=True)
    console.print(f"{result.documents} documents in {result.output / 'data'}, {result.rejected} rejected "
                  f"(see {result.output / 'rejected'}), {result.seconds:.1f}s; stats in "
                  f"{result.output / 'stats.json'}", markup=False, highlight=False, soft_wrap=True)


def inspect_output(directory: StoragePath, console: Console, samples: int) -> None:
    if not directory.exists():
        raise FileNotFoundError(f"{directory} does not exist: give the --output of a `geocorpus build`")
    data = directory / "data"
    if not data.is_dir():
        raise FileNotFoundError(f"{directory} has no data/ directory: is it a `geocorpus build` output?")
    shards = sorted(data.glob("*.parquet"), key=lambda path: path.name)
    counts: dict[str, Counter] = {key: Counter() for key in ("source", "kind", "license", "lang")}
    documents = chars = 0
    for shard in shards:
        for batch in parquet_file(shard).iter_batches(columns=["source", "kind", "license", "lang", "text"]):
            documents += batch.num_rows
            chars += pc.sum(pc.utf8_length(batch["text"])).as_py() or 0
            for key, counter in counts.items():
                counter.update(str(v) for v in batch[key].to_pylist())
    console.print(f"[bold]{escape(str(directory))}[/]: {documents} documents, {len(shards)} shards, "
                  f"{chars:,} characters ≈ {chars // CHARS_PER_TOKEN:,} tokens (chars/{CHARS_PER_TOKEN})",
                  highlight=False)
    for key, counter in counts.items():
        table = Table(title=f"by {key}", title_justify="left")
        table.add_column(key)
        table.add_column("documents", justify="right")
        for value, n in counter.most_common():
            table.add_row(value, str(n))
        console.print(table)
    rejected = Counter()
    for shard in (directory / "rejected").glob("*.parquet"):
        rejected.update(read_parquet(shard, columns=["reason"])["reason"].to_pylist())
    if rejected:
        console.print("rejected: " + ", ".join(f"{r}={n}" for r, n in rejected.most_common()), highlight=False)
    shown = 0
    for shard in shards:
        for row in read_parquet(shard).slice(0, samples - shown).to_pylist():
            text = row["text"][:300].replace("\n", " ")
            scores = ", ".join(f"{k}={v:.3g}" for k, v in json.loads(row["scores"]).items()) or "-"
            console.print(f"\n{row['id']} {row['kind']} · {row['license']} · {row['url']}\n"
                          f"  title: {row['title']}\n  scores: {scores}\n  {text}…", markup=False, highlight=False)
            shown += 1
        if shown >= samples:
            break


def registry_text() -> str:
    """The `geocorpus steps` listing: every source and step, with parameters, defaults and help."""
    lines = []
    for heading, table in (("Sources", registry.sources()), ("Steps", registry.steps())):
        lines.append(f"{heading}:")
        for name, cls in sorted(table.items()):
            doc = (cls.__doc__ or sys.modules[cls.__module__].__doc__ or "").strip().splitlines()[0]
            lines.append(f"  {name}  {doc.removeprefix(f'`{name}`: ')}")
            lines += [f"      {line}" for line in _params(cls.Params)]
        lines.append("")
    return "\n".join(lines)


def _type_name(annotation: Any) -> str:
    """A parameter's type as a recipe author reads it: `int`, `list[str] | None`, `file`, `one of a, b`."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return "file" if InputFile.__metadata__[0] in args[1:] else _type_name(args[0])
    if origin is Literal:
        return "one of " + ", ".join(map(str, args))
    if origin in (Union, UnionType):
        return " | ".join(_type_name(arg) for arg in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', origin)}[{', '.join(_type_name(arg) for arg in args)}]"
    return "None" if annotation is type(None) else getattr(annotation, "__name__", str(annotation))


def _params(model: type[BaseModel]) -> list[str]:
    lines = []
    for name, field in model.model_fields.items():
        kind = _type_name(field.annotation)
        default: Any = "required" if field.default is PydanticUndefined else json.dumps(field.default)
        text = f"{name}: {kind} = {default}"
        lines.append(f"{text:<46} {field.description or ''}".rstrip())
    return lines or ["(no parameters)"]
