"""fastText models: load once per process, score, and train in a fresh subprocess.

Training runs in a child process because fastText can fail with a spurious "Encountered NaN" when
`train_supervised` runs more than once in one process; a child also keeps a crash from taking the caller
down. A failed attempt is retried with the next seed. Models are quantised (`.ftz`): a few hundred KB
instead of tens of MB, for a small loss in accuracy that the printed metrics show.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from geocorpus.classify.text import prepare

MODELS = Path(str(files("geocorpus.classify") / "models"))
GEO_MODEL = MODELS / "geo.ftz"
LID_MODEL = MODELS / "lid.176.ftz"
POSITIVE = "__label__geo"
NEGATIVE = "__label__other"


@lru_cache(maxsize=8)
def load(path: str) -> Any:
    """The fastText model at `path`, loaded once per process."""
    import fasttext

    if not Path(path).is_file():
        raise FileNotFoundError(f"no fastText model at {path}")
    return fasttext.load_model(path)


def geo_scores(model: Any, texts: list[str], normalise: Callable[[str], str] = prepare) -> list[float]:
    """P(geoscience) for each text (both labels are asked for, so this is the positive class's probability).
    `normalise` must be what the model's training text went through: `prepare`, unless a benchmark scores a
    model trained by an older geocorpus side by side."""
    labels, probs = model.predict([normalise(t) for t in texts], k=2)
    out = []
    for names, values in zip(labels, probs, strict=True):
        by_label = dict(zip(names, values, strict=True))
        if POSITIVE in by_label:
            out.append(float(by_label[POSITIVE]))
        else:
            out.append(1.0 - float(by_label.get(NEGATIVE, 1.0)))
    return [min(1.0, max(0.0, p)) for p in out]


@dataclass(frozen=True)
class Hyper:
    """fastText settings; the defaults give a sub-MB quantised model that trains in seconds per 10 MB."""

    epoch: int = 10
    lr: float = 0.5
    dim: int = 32
    wordNgrams: int = 2  # fastText's own parameter names
    minCount: int = 2
    bucket: int = 200_000
    seed: int = 1
    thread: int = 1  # one thread: the same data and seed give the same model
    quantize: bool = True
    cutoff: int = 50_000


def _train_child(train_file: str, output: str, hyper: dict[str, Any]) -> None:
    import fasttext

    settings = dict(hyper)
    quantize, cutoff = settings.pop("quantize"), settings.pop("cutoff")
    model = fasttext.train_supervised(input=train_file, loss="softmax", verbose=0, **settings)
    if quantize:
        model.quantize(input=train_file, retrain=True, qnorm=True, cutoff=cutoff, thread=settings["thread"])
    model.save_model(output)


def train(train_file: Path, output: Path, hyper: Hyper, attempts: int = 3) -> Path:
    """Train on a labelled fastText file in a fresh process; retry with the next seed on failure."""
    context = multiprocessing.get_context("spawn")
    for attempt in range(attempts):
        settings = asdict(hyper) | {"seed": hyper.seed + attempt}
        child = context.Process(target=_train_child, args=(str(train_file), str(output), settings))
        child.start()
        child.join()
        if child.exitcode == 0 and output.is_file():
            load.cache_clear()
            return output
        print(f"fastText training attempt {attempt + 1} failed (exit {child.exitcode}); retrying",
              file=sys.stderr)
    raise RuntimeError(f"fastText training failed {attempts} times on {train_file}")
