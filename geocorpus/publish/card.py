"""The dataset card: YAML metadata the Hub indexes, and a body a person reads before downloading.

Every number comes from `stats.json` (what each step did) or from the summary pass over the published rows
(what is in the files), never typed by hand. The metadata is built with `huggingface_hub`'s
`DatasetCardData` and checked offline by `validate_card`: the Hub's own check (`/api/validate-yaml`) needs the
network, and `create_commit` runs it anyway when the card is uploaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from geocorpus.publish.citations import BIBTEX
from geocorpus.publish.hub_licenses import KNOWN_HUB_IDS, hub_license
from geocorpus.publish.layout import WrittenConfig
from geocorpus.publish.license_gate import GateResult
from geocorpus.publish.source import Source
from geocorpus.publish.summary import Summary

SIZE_BOUNDS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
               (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))
LICENSES_FILE = "LICENSES.md"


def size_category(rows: int) -> str:
    return next((name for bound, name in SIZE_BOUNDS if rows < bound), "n>1B")


def card_metadata(source: Source, summary: Summary, written: Sequence[WrittenConfig], repo_id: str) -> dict:
    """The YAML front matter as a dict (what `DatasetCardData` receives)."""
    hub_ids = {hub_license(spdx) for spdx in summary.licenses}
    license_meta: dict = {}
    if None in hub_ids or not hub_ids:
        license_meta = {"license": "other", "license_name": "mixed-open-licenses", "license_link": LICENSES_FILE}
    else:
        ids = sorted(hub_ids)  # type: ignore[arg-type]
        license_meta = {"license": ids[0] if len(ids) == 1 else ids}
    languages = sorted(lang for lang in summary.langs if lang != "unknown")
    if any(c.name == "code" for c in written) or (source.kind == "generation" and "codegen" in summary.lengths):
        languages.append("code")
    generation = source.kind == "generation"
    tasks = ["text-generation"] + (["question-answering"] if generation else [])
    if generation and "mcq" in summary.lengths:
        tasks.append("multiple-choice")
    tags = ["geoscience", "gis", "geospatial", "geocorpus"] + (["instruction-tuning"] if generation else
                                                                 ["pretraining"])
    configs = [{"config_name": c.name, "data_files": [{"split": c.split, "path": c.pattern}],
                **({"default": True} if i == 0 else {})} for i, c in enumerate(written)]
    return {**license_meta, "language": languages or None, "task_categories": tasks,
            "size_categories": [size_category(summary.documents)], "pretty_name": _pretty_name(source, repo_id),
            "tags": tags, "configs": configs}


def render_card(source: Source, summary: Summary, written: Sequence[WrittenConfig], gate: GateResult,
                repo_id: str, figures: Sequence[str] = ()) -> str:
    """The README.md text: validated front matter, then the body."""
    from huggingface_hub import DatasetCard, DatasetCardData

    meta = card_metadata(source, summary, written, repo_id)
    data = DatasetCardData(**{k: v for k, v in meta.items() if v is not None})
    body = _body(source, summary, written, gate, repo_id, meta["pretty_name"], figures)
    card = DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}")
    problems = validate_card(str(card))
    if problems:
        raise ValueError("the generated dataset card is invalid: " + "; ".join(problems))
    return str(card)


def validate_card(text: str) -> list[str]:
    """Check a card offline with the libraries' own parsers: YAML front matter (huggingface_hub), configs
    and data_files (datasets' MetadataConfigs), languages and size categories (datasets' resource lists),
    licence ids (the Hub's list). Returns one line per problem; empty when valid."""
    import datasets.utils.metadata as ds_metadata
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard

    try:
        card = DatasetCard(text, ignore_metadata_errors=False)
    except Exception as error:  # huggingface_hub raises ValueError/yaml errors on bad front matter
        return [f"front matter does not parse: {error}"]
    meta = card.data.to_dict()
    problems = []
    try:
        configs = MetadataConfigs.from_dataset_card_data(card.data)
    except Exception as error:
        problems.append(f"configs: {error}")
        configs = MetadataConfigs()
    if not configs:
        problems.append("configs: none declared")
    resources = Path(ds_metadata.__file__).parent / "resources"
    languages = json.loads((resources / "languages.json").read_text(encoding="utf-8"))
    sizes = json.loads((resources / "size_categories.json").read_text(encoding="utf-8"))
    problems += [f"language {x!r} is not a known language code" for x in _listed(meta.get("language"))
                 if x not in languages]
    problems += [f"size_categories {x!r} is not one of the Hub's" for x in _listed(meta.get("size_categories"))
                 if x not in sizes]
    licenses = _listed(meta.get("license"))
    problems += [f"license {x!r} is not a Hub licence id" for x in licenses if x not in KNOWN_HUB_IDS]
    if "other" in licenses and not (meta.get("license_name") and meta.get("license_link")):
        problems.append("license: other needs license_name and license_link")
    if not meta.get("pretty_name"):
        problems.append("pretty_name is missing")
    return problems


def licenses_file(summary: Summary) -> str:
    """LICENSES.md, written when the card says `license: other`: every licence with its documents."""
    lines = ["# Licences", "", "Each document keeps its own licence (column `license`, SPDX). Counts:", "",
             "| licence (SPDX) | documents |", "| --- | ---: |"]
    lines += [f"| {spdx} | {n} |" for spdx, n in summary.licenses.most_common()]
    return "\n".join(lines) + "\n"


def _listed(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _pretty_name(source: Source, repo_id: str) -> str:
    name = source.recipe_name or repo_id.split("/")[-1]
    return name.replace("_", " ").replace("-", " ").title().replace("Pt", "PT").replace("Sft", "SFT")


def _body(source: Source, summary: Summary, written: Sequence[WrittenConfig], gate: GateResult, repo_id: str,
          title: str, figures: Sequence[str]) -> str:
    what = ("instruction/answer pairs and evaluation items generated from a geoscience corpus"
            if source.kind == "generation" else "a geoscience corpus of literature and GIS code")
    parts = [
        f"# {title}",
        "",
        f"{title} is {what}, built with geocorpus from the recipe in "
        f"`recipe.yaml`{f' ({source.recipe_name})' if source.recipe_name else ''}. It holds "
        f"**{summary.documents:,} rows** and about **{summary.tokens:,} tokens** (characters / 4; no tokenizer "
        f"was run) in {len(written)} config(s).",
        "",
        "| config | split | rows | ≈ tokens | files |",
        "| --- | --- | ---: | ---: | ---: |",
        *(f"| `{c.name}` | {c.split} | {c.rows:,} | {summary.by_config[c.name].tokens:,} | {len(c.files)} |"
          for c in written),
        "",
        "## How to load",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        *(f'{c.name} = load_dataset("{repo_id}", "{c.name}", split="{c.split}")' for c in written),
        "```",
        "",
        *_sources_section(source, summary),
        *_license_section(summary, gate),
        *_processing_section(source),
        *_figures_section(figures),
        *_limitations(source),
        "## Citations",
        "",
        "This dataset follows the data work of K2/GeoSignal, GeoCode-GPT (GeoCode-PT/SFT/Eval) and JiuZhou:",
        "",
        "```bibtex",
        BIBTEX.strip(),
        "```",
        "",
    ]
    return "\n".join(parts)


def _sources_section(source: Source, summary: Summary) -> list[str]:
    heading = "task" if source.kind == "generation" else "source"
    rows = sorted(summary.by_group.items(), key=lambda item: -item[1].documents)
    return ["## Sources", "", f"| {heading} | rows | ≈ tokens | licences (rows) |", "| --- | ---: | ---: | --- |",
            *(f"| {name} | {g.documents:,} | {g.tokens:,} | "
              f"{', '.join(f'{spdx} ({n:,})' for spdx, n in g.licenses.most_common())} |" for name, g in rows),
            ""]


def _license_section(summary: Summary, gate: GateResult) -> list[str]:
    lines = ["## Licences", "", "Every row keeps its source's licence in the `license` column (SPDX id). "
             "Use of a row must follow its licence: attribution (`url`, `title`, `meta.attribution`) is kept.",
             "", "| licence (SPDX) | Hub id | rows |", "| --- | --- | ---: |"]
    lines += [f"| {spdx} | {hub_license(spdx) or 'other'} | {n:,} |" for spdx, n in summary.licenses.most_common()]
    lines.append("")
    if gate.refused and gate.overridden:
        refused = ", ".join(f"{spdx} ({n:,} rows)" for spdx, n in gate.refused.items())
        lines.append(f"**Licence gate overridden**: the publisher chose to include {refused}, which "
                     f"{gate.allow_origin} does not allow.")
    else:
        lines.append(f"All rows passed the licence gate ({gate.allow_origin}: {', '.join(gate.allow)}; "
                     f"`unknown` {'allowed' if gate.allow_unknown else 'refused'}).")
    return [*lines, ""]


def _processing_section(source: Source) -> list[str]:
    steps = source.stats.get("steps") or []
    if not steps:
        return []
    params = dict(source.steps)
    lines = ["## Processing", "", "What each step of the build did (from `stats.json`; sources first, then the "
             "recipe's steps in order):", "", "| # | step | parameters | in | out | dropped (by reason) |",
             "| ---: | --- | --- | ---: | ---: | --- |"]
    for step in steps:
        position = step.get("position", 0)
        dropped = ", ".join(f"{reason.split(':', 1)[-1]}: {n:,}" for reason, n in
                            sorted(step.get("dropped", {}).items(), key=lambda x: -x[1])) or "-"
        shown = json.dumps(params.get(step["step"]), separators=(", ", ": ")) if position else "source"
        lines.append(f"| {position or 'src'} | `{step['step']}` | {shown if shown != 'null' else '-'} | "
                     f"{step['in']:,} | {step['out']:,} | {dropped} |")
    dedup = sum(sum(s.get("dropped", {}).values()) for s in steps if s["step"].startswith("dedup"))
    decontam = [params[name] for name in params if name == "decontaminate"]
    eval_sets = sorted({Path(p).name for d in decontam for p in d.get("eval_sets", [])})
    lines += ["", f"- **Deduplicated**: {dedup:,} documents removed as duplicates "
              f"({', '.join(s['step'] for s in steps if s['step'].startswith('dedup')) or 'no dedup step'})."]
    lines.append(f"- **Decontaminated** against: {', '.join(eval_sets)}." if eval_sets else
                 "- **Decontamination**: this recipe has no `decontaminate` step; the data was *not* checked "
                 "against evaluation sets (GeoBench, GeoCode-Eval): do so before evaluating on them.")
    for unreachable in source.stats.get("unreachable_sources") or []:
        lines.append(f"- Source `{unreachable['source']}` was unreachable during the build: {unreachable['error']}")
    lines.append(f"- In total {source.stats.get('documents', 0):,} documents kept and "
                 f"{source.stats.get('rejected', 0):,} rejected, each with its reason.")
    return [*lines, ""]


def _figures_section(figures: Sequence[str]) -> list[str]:
    if not figures:
        return []
    return ["## At a glance", "", *(f"![{Path(f).stem.replace('_', ' ')}]({f})" for f in figures), ""]


def _limitations(source: Source) -> list[str]:
    lines = ["## Known limitations", "",
             "- Token counts are estimates (characters / 4); actual counts depend on the tokenizer.",
             "- Licences are read from what sources state (package metadata, licence files, page footers, "
             "manifests) and mapped to SPDX automatically; a wrong statement upstream stays wrong here.",
             "- Quality, language and domain filters are heuristic; thresholds are in `recipe.yaml` and the scores "
             "of every row are in its `scores` column, so you can re-threshold without rebuilding."]
    if source.kind == "generation":
        lines.append("- Rows were generated by a language model; every row carries its verification results, "
                     "but verified is not the same as correct.")
    else:
        lines += ["- Personal data was redacted by patterns (e-mails, phones, keys); names and other free-text "
                  "personal data are not detected.",
                  "- Code rows are source files as published in packages; they may include tests, examples and "
                  "vendored code."]
    return [*lines, ""]
