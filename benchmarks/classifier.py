"""The shipped geoscience classifier on held-out sources, per slice (EN/ZH sentences of exam-question length,
EN/ZH paper-like passages, API docs), side by side with other models, and its scoring speed.

    python benchmarks/classifier.py [--model-data /tmp/geo-model-data] [--compare NEW.ftz ...]
        [--compare-kept-form-words OLD.ftz ...] [--final-check]

`--model-data` is the cache that scripts/build_geo_model.py fills (run it first: the held-out sources are
downloaded there). Every model is scored in this one run on the same texts, so the AUCs compare directly.
`--compare-kept-form-words` scores models trained before question and instruction words were dropped from the
text (geocorpus.classify.text.FORM_WORDS_EN/_ZH) on text with those words kept, as they were trained.
`--final-check` adds geo_model_eval's final-check probe, which is read once a model is chosen, never to choose one.
Prints the table and writes it into benchmarks/RESULTS.md (section "classifier"), with the machine.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import build_geo_model as build
from geo_model_eval import build_slices, score_slices, table
from results_md import write_section

from geocorpus.classify.fasttext import GEO_MODEL, geo_scores, load
from geocorpus.classify.text import prepare, words


def _with_form_words(text: str) -> str:
    """The normalisation of models trained before form words were dropped: `words`, all of them kept."""
    return " ".join(words(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-data", type=Path, default=Path("/tmp/geo-model-data"))
    parser.add_argument("--compare", type=Path, nargs="*", default=[], help="other fastText models to score too")
    parser.add_argument("--compare-kept-form-words", type=Path, nargs="*", default=[],
                        help="models trained with question and instruction words kept, scored that way")
    parser.add_argument("--final-check", action="store_true", help="add the final-check exam probe")
    parser.add_argument("--second-check", action="store_true", help="add the second exam check (read once)")
    args = parser.parse_args()
    root = args.model_data / "root"
    if not root.is_dir():
        raise SystemExit(f"no model data in {args.model_data}: run python scripts/build_geo_model.py --cache "
                         f"{args.model_data} first")
    slices = build_slices(build.held_out_sources(root, args.model_data), final=args.final_check,
                          second=args.second_check)
    models = [("shipped", GEO_MODEL, prepare), *((path.stem, path, prepare) for path in args.compare),
              *((path.stem, path, _with_form_words) for path in args.compare_kept_form_words)]
    rows = [(name, score_slices(load(str(path)), slices, normalise)) for name, path, normalise in models]
    texts = [t for s in slices if s.name.startswith("all") for t in s.geo + s.general]
    started = time.perf_counter()
    geo_scores(load(str(GEO_MODEL)), texts)
    seconds = time.perf_counter() - started
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    command = " ".join(["python benchmarks/classifier.py --model-data", str(args.model_data),
                        *(f"--compare {p}" for p in args.compare),
                        *(f"--compare-kept-form-words {p}" for p in args.compare_kept_form_words),
                        *(["--final-check"] if args.final_check else []),
                        *(["--second-check"] if args.second_check else [])])
    lines = [
        "## classifier", "",
        f"`{command}` on {platform.machine()}, {platform.processor() or 'cpu'}, 1 process, Python "
        f"{platform.python_version()}, {date.today()}. Held-out sources only (never trained on; the split is by "
        "source), cut by scripts/geo_model_eval.py, plus its hand-written exam-question probe; AUC is "
        "threshold-free, P / R are at the default threshold 0.5. "
        f"Shipped model: {GEO_MODEL.stat().st_size / 1e6:.2f} MB.", "",
        table(rows), "",
        f"Scoring speed (shipped model, one process, batch): {len(texts)} held-out texts, {megabytes:.1f} MB in "
        f"{seconds:.2f} s = {len(texts) / seconds:,.0f} texts/s, {megabytes / seconds:.1f} MB/s.", ""]
    print("\n".join(lines))
    write_section("classifier", lines)


if __name__ == "__main__":
    main()
