"""`geocorpus report`: one self-contained HTML page of figures and tables about a built directory.

Self-contained means it opens from an e-mail attachment or an air-gapped machine: the PNGs are embedded as
data URIs, the style is inline, and there is no script at all.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from geocorpus.io.atomic import atomic_path
from geocorpus.publish.source import Source
from geocorpus.publish.summary import Summary

CAPTIONS = {
    "lengths": "Length of rows by kind", "tokens": "Estimated tokens by kind",
    "sources": "Source mix", "licenses": "Licence mix", "languages": "Language mix",
    "scores": "Quality and domain scores with the recipe's thresholds",
    "dedup_clusters": "Near-duplicate cluster sizes", "drop_reasons": "Why documents were dropped",
}
_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#222;
padding:0 1rem}h1{margin-bottom:.2rem}.meta{color:#666;margin-top:0}figure{margin:1.5rem 0;border:1px solid #ddd;
border-radius:6px;padding:.8rem;background:#fafafa}figure img{max-width:100%;height:auto;display:block;margin:auto}
figcaption{font-weight:600;margin-bottom:.5rem}table{border-collapse:collapse;margin:1rem 0;font-size:.92rem}
td,th{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f0f0}
"""


def render_report(source: Source, summary: Summary, figures: dict[str, bytes]) -> str:
    """The HTML text."""
    title = source.recipe_name or source.root.name
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td class=n>{g.documents:,}</td><td class=n>{g.tokens:,}</td>"
        f"<td>{html.escape(', '.join(f'{k} ({n:,})' for k, n in g.licenses.most_common()))}</td></tr>"
        for name, g in sorted(summary.by_group.items(), key=lambda item: -item[1].documents))
    configs = "".join(f"<tr><td>{html.escape(name)}</td><td class=n>{g.documents:,}</td>"
                      f"<td class=n>{g.tokens:,}</td></tr>" for name, g in summary.by_config.items())
    images = "".join(
        f'<figure id="{name}"><figcaption>{html.escape(CAPTIONS.get(name, name))}</figcaption>'
        f'<img alt="{html.escape(CAPTIONS.get(name, name))}" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"></figure>'
        for name, png in figures.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}: geocorpus report</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>{html.escape(title)}</h1>
<p class=meta>{html.escape(str(source.root))} · {source.kind} · {summary.documents:,} rows ·
≈ {summary.tokens:,} tokens (characters / 4)</p>
<table><tr><th>config</th><th>rows</th><th>≈ tokens</th></tr>{configs}</table>
{images}
<h2>Sources</h2>
<table><tr><th>source</th><th>rows</th><th>≈ tokens</th><th>licences (rows)</th></tr>{rows}</table>
</body></html>
"""


def write_report(source: Source, summary: Summary, figures: dict[str, bytes], out: Path) -> None:
    with atomic_path(out) as tmp:
        tmp.write_text(render_report(source, summary, figures), encoding="utf-8")
