"""Differential privacy for group figures: calibrated noise from OpenDP and what it means.

Every noisy number is an integer sum (counts, or values scaled to whole numbers) with OpenDP's
discrete Laplace noise added. Its samplers draw from the operating system's CSPRNG and never use
floating-point arithmetic on the noise, so neither seeding nor rounding can give a value away.

A release spends ε in total, split across its figures in fixed shares (SHARES). Each share is
calibrated to the most one member's data can move its sum: any change to what they reported that
week, from nothing at all to anything, or their presence or absence (SENSITIVITY). So the whole
release is ε-differentially private for one member's data in the released week, whether the
question is "did she check in?", "did she lapse?" or "does she need shelter?".
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# The share of a release's ε each noisy sum gets. They add up to 1.
SHARES = {
    "states": 0.30,  # [on track all along, back on track after a lapse, lapsed]
    "rate": 0.10,
    "mood_sum": 0.10,
    "mood_count": 0.05,
    "craving_sum": 0.10,
    "craving_count": 0.05,
    "needs": 0.30,
}

RATE_SCALE = 1000  # a member's check-in rate in thousandths, 0 to 1000
VALUE_SCALE = 100  # a member's mean mood or craving, minus the middle 3, in hundredths: ±200
MIDDLE = 3
MAX_NEEDS = 3  # needs counted per member and week

# How far one member's data can move each sum, whether they are added, removed or changed.
SENSITIVITY = {
    "states": 2,  # from one state to another: one count down, another up
    "rate": RATE_SCALE,
    "mood_sum": 4 * VALUE_SCALE,  # from -2 to +2
    "mood_count": 1,
    "craving_sum": 4 * VALUE_SCALE,
    "craving_count": 1,
    "needs": 2 * MAX_NEEDS,  # three needs dropped, three others added
}

Z90 = 1.6449  # two-sided 90 %, from the normal approximation of the summed noise
Z95_ONE_SIDED = 1.6449  # a count above this many standard deviations is not noise alone (95 %)

# Adds noise of the given scale to each value. Production uses OpenDP; tests pass the same.
Noise = Callable[[Sequence[int], float], list[int]]


@lru_cache(maxsize=1)
def _opendp() -> Any:
    # Loaded with the first release, not at start-up: its native library is 12 MB or more of
    # memory, and a group's week is released once.
    import opendp.prelude as dp

    dp.enable_features("contrib")  # OpenDP's label for its community-vetted constructors
    return dp


@lru_cache(maxsize=256)
def _laplace(scale: float) -> Any:
    dp = _opendp()
    return dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale
    )


def opendp_noise(values: Sequence[int], scale: float) -> list[int]:
    """Discrete Laplace noise from OpenDP on each value."""
    return [int(value) for value in _laplace(scale)(list(values))]


def scale_for(figure: str, epsilon: float) -> float:
    """The noise scale that spends exactly this figure's share of ε."""
    return SENSITIVITY[figure] / (epsilon * SHARES[figure])


def spent(figure: str, scale: float) -> float:
    """The ε a noisy sum of this figure costs at this scale, as OpenDP's privacy map states it."""
    return float(_laplace(scale).map(SENSITIVITY[figure]))


def noisy(figure: str, values: Sequence[int], epsilon: float, noise: Noise) -> dict[str, Any]:
    """The values with noise for this figure's share of ε, and the scale (kept for intervals)."""
    scale = scale_for(figure, epsilon)
    return {"values": noise(values, scale), "scale": scale}


def variance(scale: float) -> float:
    """The variance of Laplace noise of this scale."""
    return 2 * scale * scale


@dataclass(frozen=True)
class Estimate:
    """A noisy figure and a range that holds the true value about 90 % of the time."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, value: float, var: float, lowest: float, highest: float) -> "Estimate":
        half = Z90 * math.sqrt(var)

        def clamp(number: float) -> float:
            return min(max(number, lowest), highest)

        return cls(clamp(value), clamp(value - half), clamp(value + half))

    def rounded(self, digits: int) -> dict[str, float | int]:
        if digits == 0:
            return {
                "value": round(self.value),
                "low": math.floor(self.low),
                "high": math.ceil(self.high),
            }
        return {
            "value": round(self.value, digits),
            "low": round(self.low, digits),
            "high": round(self.high, digits),
        }


def distinguishing_bound(epsilon: float) -> float:
    """The best accuracy any test can have at telling two values of one member's data apart
    from one ε-private release, with even odds to begin with."""
    return math.exp(epsilon) / (1 + math.exp(epsilon))
