"""The statistics of an evaluation: binomial intervals and paired tests (scipy)."""

from __future__ import annotations

from collections.abc import Sequence


def wilson(correct: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a success rate; (0, 1) when there are no trials."""
    from scipy.stats import binomtest

    if total == 0:
        return 0.0, 1.0
    interval = binomtest(correct, total).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts (a binomial test at 1/2)."""
    from scipy.stats import binomtest

    if only_a + only_b == 0:
        return 1.0
    return float(binomtest(only_a, only_a + only_b, 0.5).pvalue)


def wilcoxon_p(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Wilcoxon signed-rank p-value of paired scores (the paper's test; zero differences
    dropped); None when every pair ties, where the test does not apply.
    """
    from scipy.stats import wilcoxon

    if all(x == y for x, y in zip(a, b, strict=True)):
        return None
    return float(wilcoxon(a, b).pvalue)


def paired_bootstrap(
    a: Sequence[float], b: Sequence[float], confidence: float = 0.95, reps: int = 10_000, seed: int = 0
) -> tuple[float, float]:
    """Percentile interval of the accuracy difference mean(b) − mean(a), resampling problems (pairs) with replacement.

    Seeded, so the same outcomes always give the same interval; (0, 0) when there are no pairs.
    """
    import numpy as np

    diff = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if diff.size == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, diff.size, size=(reps, diff.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def min_detectable_effect(n: int, discordant: int, alpha: float = 0.05, power: float = 0.8) -> float | None:
    """The smallest accuracy difference a paired test on `n` problems detects with `power` at two-sided `alpha`.

    Normal approximation to McNemar's test: (z(1 − alpha/2) + z(power)) · sqrt(p_d / n), where p_d is the share
    of problems on which the two models disagree (`discordant` / n, at least 1 / n: two models that never
    disagree still leave room for one problem). None without problems.
    """
    from scipy.stats import norm

    if n == 0:
        return None
    share = max(discordant, 1) / n
    return float((norm.ppf(1 - alpha / 2) + norm.ppf(power)) * (share / n) ** 0.5)
