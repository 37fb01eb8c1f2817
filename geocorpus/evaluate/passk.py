"""pass@k with the unbiased estimator of Chen et al. 2021 (the HumanEval paper).

Drawing k of n samples of which c are correct, the chance that none of the k is correct is C(n-c, k)/C(n, k);
pass@k = 1 - that. The binomials overflow floats for realistic n, so the ratio is computed as the product
prod_{i=n-c+1}^{n} (1 - k/i), which is exact in rationals and stable in floats.
"""

from __future__ import annotations

from collections.abc import Sequence


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task with n samples, c of them correct."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"pass@k needs 0 <= c <= n and 1 <= k <= n (n={n}, c={c}, k={k})")
    if n - c < k:
        return 1.0
    ratio = 1.0
    for i in range(n - c + 1, n + 1):
        ratio *= 1.0 - k / i
    return 1.0 - ratio


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float | None:
    """Mean pass@k over tasks given (n, c) per task; tasks with fewer than k samples are left out (None if all)."""
    values = [pass_at_k(n, c, k) for n, c in counts if n >= k]
    return sum(values) / len(values) if values else None
