"""The figures people look at before they read a table: PNG bytes, drawn with matplotlib's Agg backend.

One function per figure, each returning None when the data has nothing to draw (a corpus without scores has
no score plot), so the report and the card only show figures that mean something. Score histograms draw the
kept and the rejected documents and the recipe's threshold: a cut only makes sense with both sides visible.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable

from geocorpus.publish.source import Source
from geocorpus.publish.summary import THRESHOLDED_SCORES, Summary

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
TOP = 12  # bars shown in a mix chart; the rest are summed as "other"


def render_all(source: Source, summary: Summary) -> dict[str, bytes]:
    """name → PNG bytes, for every figure that has data, in reading order."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    figures: dict[str, Callable[[], object]] = {
        "lengths": lambda: _lengths(summary),
        "tokens": lambda: _tokens(summary),
        "sources": lambda: _mix(summary_counts(summary, "source"), "Rows by source / task"),
        "licenses": lambda: _mix(summary.licenses, "Rows by licence (SPDX)"),
        "languages": lambda: _mix(summary.langs, "Rows by language (langid; code has none)"),
        "scores": lambda: _scores(source, summary),
        "dedup_clusters": lambda: _clusters(summary),
        "drop_reasons": lambda: _drops(source),
    }
    rendered = {}
    for name, draw in figures.items():
        figure = draw()
        if figure is not None:
            rendered[name] = _png(figure)
    return rendered


def summary_counts(summary: Summary, _what: str) -> Counter:
    return Counter({name: group.documents for name, group in summary.by_group.items()})


def threshold(source: Source, step: str, param: str) -> float | None:
    """The value the build used: the recipe's parameter, else the step's default (None when no such step)."""
    params = source.step_params(step)
    if params is None:
        return None
    if param in params:
        return float(params[param])
    from geocorpus.pipeline import registry

    field = registry.steps()[step].Params.model_fields.get(param) if step in registry.steps() else None
    return float(field.default) if field is not None and isinstance(field.default, int | float) else None


def _png(figure: object) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    plt.close(figure)  # type: ignore[arg-type]
    return buffer.getvalue()


def _figure(width: float = 7.5, height: float = 3.8, ncols: int = 1):
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width, height), squeeze=False, layout="constrained")


def _lengths(summary: Summary):
    import numpy as np

    buckets = {kind: values for kind, values in summary.lengths.items() if values}
    if not buckets:
        return None
    figure, axes = _figure()
    ax = axes[0][0]
    top = max(max(v) for v in buckets.values())
    bins = np.logspace(0, np.log10(max(top, 10)) + 0.1, 40)
    for (kind, values), color in zip(sorted(buckets.items()), COLORS * 4, strict=False):
        ax.hist(np.maximum(values, 1), bins=bins, alpha=0.6, color=color, label=f"{kind} ({len(values):,})")
    ax.set_xscale("log")
    ax.set(title="Length of rows by kind (characters, log scale)", xlabel="characters", ylabel="rows")
    ax.legend(fontsize=8)
    return figure


def _tokens(summary: Summary):
    import numpy as np

    buckets = {kind: values for kind, values in summary.lengths.items() if values}
    if not buckets:
        return None
    figure, axes = _figure(ncols=2, width=9)
    left, right = axes[0]
    kinds = sorted(buckets)
    totals = [sum(buckets[k]) // 4 for k in kinds]
    left.bar(kinds, totals, color=COLORS[: len(kinds)] or COLORS[0])
    left.set(title="≈ tokens by kind (chars / 4)", ylabel="tokens")
    for kind, values, color in zip(kinds, (buckets[k] for k in kinds), COLORS * 4, strict=False):
        tokens = np.sort(np.asarray(values) // 4)[::-1]
        right.plot(np.arange(1, len(tokens) + 1), np.cumsum(tokens), color=color, label=kind)
    right.set(title="Cumulative ≈ tokens, longest rows first", xlabel="rows", ylabel="tokens")
    right.legend(fontsize=8)
    return figure


def _mix(counts: Counter, title: str):
    if not counts:
        return None
    shown = counts.most_common(TOP)
    rest = sum(counts.values()) - sum(n for _, n in shown)
    if rest:
        shown.append(("other", rest))
    figure, axes = _figure(height=0.4 * len(shown) + 1.4)
    ax = axes[0][0]
    labels, values = [label for label, _ in shown][::-1], [n for _, n in shown][::-1]
    bars = ax.barh(labels, values, color=COLORS[0])
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], fontsize=8, padding=2)
    ax.set(title=title, xlabel="rows")
    ax.margins(x=0.15)
    return figure


def _scores(source: Source, summary: Summary):
    import numpy as np

    panels = [(key, step, param, side) for key, step, param, side in THRESHOLDED_SCORES
              if summary.scores.get(key) or summary.rejected_scores.get(key)]
    if not panels:
        return None
    figure, axes = _figure(width=4.2 * len(panels), height=3.4, ncols=len(panels))
    for ax, (key, step, param, side) in zip(axes[0], panels, strict=True):
        kept, dropped = summary.scores.get(key, []), summary.rejected_scores.get(key, [])
        values = np.asarray(kept + dropped, dtype=float)
        log = values.max(initial=0) > 1000
        bins = np.logspace(0, np.log10(values.max()) + 0.1, 30) if log else np.linspace(
            min(values.min(initial=0), 0), max(values.max(initial=1), 1), 30)
        ax.hist([np.maximum(kept, 1) if log else kept, np.maximum(dropped, 1) if log else dropped], bins=bins,
                stacked=True, color=[COLORS[0], COLORS[3]], label=[f"kept ({len(kept):,})",
                                                                   f"rejected, any step ({len(dropped):,})"])
        if log:
            ax.set_xscale("log")
        cut = threshold(source, step, param)
        if cut is not None:
            ax.axvline(max(cut, 1) if log else cut, color="black", linestyle="--",
                       label=f"{step}.{param} = {cut:g} ({'keep ≥' if side == 'min' else 'keep ≤'})")
        ax.set(title=key, ylabel="documents")
        ax.legend(fontsize=7)
    figure.suptitle("Scores with the recipe's thresholds")
    return figure


def _clusters(summary: Summary):
    if not summary.cluster_sizes:
        return None
    sizes = Counter(summary.cluster_sizes)
    figure, axes = _figure()
    ax = axes[0][0]
    ax.bar([str(s) for s in sorted(sizes)], [sizes[s] for s in sorted(sizes)], color=COLORS[2])
    ax.set_yscale("log")
    ax.set(title="Near-duplicate cluster size of kept documents (dedup_minhash)", xlabel="documents in cluster",
           ylabel="kept documents (log)")
    return figure


def _drops(source: Source):
    dropped = Counter()
    for step in source.stats.get("steps") or []:
        dropped.update(step.get("dropped") or {})
    if not dropped:
        return None
    return _mix(dropped, "Documents dropped, by step:reason")
