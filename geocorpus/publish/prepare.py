"""Everything that goes into the Hub repository, written into one folder: shards, card, figures.

`--dry-run OUT` stops here and leaves OUT for inspection; a real publish writes the same folder to a
temporary place and hands it to `hub.upload_folder`, so the dry run is exactly what would be uploaded.
The licence gate runs first: a refused corpus writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from geocorpus.publish.card import LICENSES_FILE, licenses_file, render_card
from geocorpus.publish.layout import WrittenConfig, write_config
from geocorpus.publish.license_gate import GateResult, check_licenses
from geocorpus.publish.source import Source
from geocorpus.publish.summary import Summary, summarise

IMAGES = "images"


class GateRefused(Exception):
    """The licence gate refused; `gate` has the counts for the table."""

    def __init__(self, gate: GateResult) -> None:
        refused = ", ".join(f"{license_id} ({n})" for license_id, n in gate.refused.items())
        super().__init__(f"licence gate: {sum(gate.refused.values())} rows have licences not on "
                         f"{gate.allow_origin}: {refused}. Remove them, add --allow-license ID, or pass "
                         "--override-license-gate (recorded in the card)")
        self.gate = gate


@dataclass(frozen=True)
class Prepared:
    folder: Path
    summary: Summary
    written: tuple[WrittenConfig, ...]
    gate: GateResult


def prepare(source: Source, out: Path, repo_id: str, *, shard_bytes: int, extra_allow: tuple[str, ...] = (),
            override: bool = False, figures: bool = True) -> Prepared:
    """Gate, then write shards, figures and README.md into `out` (which must be empty or new)."""
    summary = summarise(source)
    gate = check_licenses(source, summary.licenses, extra_allow, override)
    if not gate.passed:
        raise GateRefused(gate)
    written = tuple(write_config(config, out, shard_bytes) for config in source.configs)
    names: list[str] = []
    if figures:
        from geocorpus.publish.plots import render_all

        for name, png in render_all(source, summary).items():
            path = out / IMAGES / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
            names.append(f"{IMAGES}/{name}.png")
    card = render_card(source, summary, written, gate, repo_id, names)
    if "license: other" in card:
        (out / LICENSES_FILE).write_text(licenses_file(summary), encoding="utf-8")
    (out / "README.md").write_text(card, encoding="utf-8")
    return Prepared(out, summary, written, gate)
