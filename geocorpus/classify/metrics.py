"""Held-out quality of a binary classifier: precision, recall, F1 at a threshold, and ROC AUC.

AUC is the Mann-Whitney statistic (the chance that a random positive outscores a random negative, ties
counting half), computed from ranks: it needs no threshold, which is what a re-thresholded filter needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Report:
    positives: int
    negatives: int
    precision: float
    recall: float
    f1: float
    auc: float

    def line(self) -> str:
        return (f"held-out: {self.positives} positive, {self.negatives} negative | precision {self.precision:.3f} "
                f"recall {self.recall:.3f} F1 {self.f1:.3f} AUC {self.auc:.4f}")


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if not positives or not negatives:
        raise ValueError("AUC needs both positive and negative examples")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def evaluate(scores: list[float], labels: list[bool], threshold: float = 0.5) -> Report:
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    predicted = s >= threshold
    tp = int((predicted & y).sum())
    precision = tp / max(int(predicted.sum()), 1)
    recall = tp / max(int(y.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Report(int(y.sum()), int((~y).sum()), precision, recall, f1, roc_auc(s, y))
