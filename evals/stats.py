"""The statistics of an evaluation: binomial intervals and paired tests (scipy)."""

from __future__ import annotations

from typing import Sequence


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
    dropped); None when every pair ties, where the test does not apply."""
    from scipy.stats import wilcoxon

    if all(x == y for x, y in zip(a, b)):
        return None
    return float(wilcoxon(a, b).pvalue)
