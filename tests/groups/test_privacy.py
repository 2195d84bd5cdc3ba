"""The privacy of group figures, tested as an attacker would try it (SECURITY: group figures).

A facilitator fills a group with throwaway accounts whose check-ins they choose, so every figure
but one member's share is known to them. From many releases of the same week, each with fresh
OpenDP noise, the best test between two versions of the victim's week must do no better than
ε-differential privacy allows: accuracy at most e^ε / (1 + e^ε), plus sampling tolerance. The
same attack on the suppression rules used before is right every time.
"""

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.groups.privacy import (
    SENSITIVITY,
    SHARES,
    distinguishing_bound,
    opendp_noise,
    scale_for,
    spent,
)
from app.groups.release import (
    Contribution,
    CountedDay,
    contribution,
    release_week,
    window_figures,
)

MONDAY = date(2026, 11, 23)
CATEGORIES = ["food", "housing", "legal", "medical", "shelter", "trafficking-services"]
KNOWN = frozenset(CATEGORIES)
EPSILON = 1.0
K = 5
DRAWS = 1000  # per world; the tolerance below is three standard errors of the accuracy
TOLERANCE = 3 * math.sqrt(0.25 / (2 * DRAWS))


def week(
    days: Sequence[int], lapse_last: bool, mood: int, craving: int, needs: Sequence[str]
) -> list[CountedDay]:
    last = max(days)
    return [
        CountedDay(
            MONDAY + timedelta(days=day), lapse_last and day == last, mood, craving, tuple(needs)
        )
        for day in days
    ]


def part(records: list[CountedDay]) -> Contribution:
    return contribution(records, 7, KNOWN)


# The victim's week, two ways, as different as one member's week can be.
LAPSED = part(week([0], True, 1, 5, ["shelter", "trafficking-services", "legal"]))
ON_TRACK = part(week(range(7), False, 5, 1, ["food", "housing", "medical"]))
SHELTER = part(week(range(7), False, 3, 3, ["shelter"]))
NO_SHELTER = part(week(range(7), False, 3, 3, []))


def sybils(count: int) -> list[Contribution]:
    """Accounts the facilitator controls: a third lapsed, the rest steady, values they chose."""
    return [
        part(week(range(7), number % 3 == 0, 3, 3, ["food"] if number % 2 else []))
        for number in range(count)
    ]


def exact_sums(members: list[Contribution]) -> dict[str, list[int]]:
    release = release_week(members, CATEGORIES, EPSILON, K, lambda values, _scale: list(values))
    return {figure: noisy["values"] for figure, noisy in release["noisy"].items()}


def likelihood_test(
    release: dict[str, Any], if_a: dict[str, list[int]], if_b: dict[str, list[int]]
) -> str:
    """The most powerful test for Laplace noise: which world makes the release more likely."""
    score = 0.0
    for figure, noisy in release["noisy"].items():
        for seen, a, b in zip(noisy["values"], if_a[figure], if_b[figure], strict=True):
            score += (abs(seen - a) - abs(seen - b)) / noisy["scale"]
    return "b" if score > 0 else "a"


def attack_accuracy(victim_a: Contribution, victim_b: Contribution, sybil_count: int) -> float:
    crowd = sybils(sybil_count)
    if_a, if_b = exact_sums([*crowd, victim_a]), exact_sums([*crowd, victim_b])
    right = 0
    for truth, victim in (("a", victim_a), ("b", victim_b)):
        for _ in range(DRAWS):
            release = release_week([*crowd, victim], CATEGORIES, EPSILON, K, opendp_noise)
            right += likelihood_test(release, if_a, if_b) == truth
    return right / (2 * DRAWS)


@pytest.mark.parametrize("sybil_count", [4, 15])
@pytest.mark.parametrize(
    ("victim_a", "victim_b"), [(LAPSED, ON_TRACK), (SHELTER, NO_SHELTER)], ids=["state", "shelter"]
)
def test_sybils_learn_no_more_than_epsilon_allows(
    victim_a: Contribution, victim_b: Contribution, sybil_count: int
) -> None:
    accuracy = attack_accuracy(victim_a, victim_b, sybil_count)
    print(
        f"{sybil_count} sybils: accuracy {accuracy:.3f}, bound {distinguishing_bound(EPSILON):.3f}"
    )
    assert accuracy <= distinguishing_bound(EPSILON) + TOLERANCE


# --- the suppression rules used before, and the same attack on them --------------------------


def old_small(count: int, members: int, k: int) -> bool:
    return 0 < count < k or members - count < k


def old_release(members: list[Contribution]) -> dict[str, Any]:
    """The figures the old aggregate showed: exact, with small cells (and their complements)
    made null, and means from at least k members."""
    count = len(members)
    on_track = sum(member.on_track for member in members)
    lapsed = sum(member.lapsed for member in members)
    moods = [member.mood for member in members if member.mood is not None]
    return {
        "members_on_track": None if old_small(on_track, count, K) else on_track,
        "members_lapsed": None if old_small(lapsed, count, K) else lapsed,
        "mean_mood": round(sum(moods) / len(moods), 1) if len(moods) >= K else None,
        "top_needs": sorted(
            need
            for need in CATEGORIES
            if not old_small(sum(need in member.needs for member in members), count, K)
        ),
    }


@pytest.mark.parametrize("sybil_count", [4, 15])
def test_the_same_attack_breaks_suppression(sybil_count: int) -> None:
    crowd = sybils(sybil_count)
    if_a, if_b = old_release([*crowd, LAPSED]), old_release([*crowd, ON_TRACK])

    def guess(seen: dict[str, Any]) -> str:
        return "a" if seen == if_a and seen != if_b else "b"

    right = sum(
        guess(old_release([*crowd, victim])) == truth
        for truth, victim in (("a", LAPSED), ("b", ON_TRACK))
        for _ in range(DRAWS)
    )
    accuracy = right / (2 * DRAWS)
    print(f"{sybil_count} sybils, suppression: accuracy {accuracy:.3f}")
    # The figures carry no noise: the facilitator is right every time, far above ε's bound.
    assert accuracy > distinguishing_bound(EPSILON) + TOLERANCE


# --- calibration ----------------------------------------------------------------------------------


def test_the_shares_spend_exactly_epsilon() -> None:
    assert math.isclose(sum(SHARES.values()), 1.0)
    assert set(SHARES) == set(SENSITIVITY)
    for figure in SHARES:
        cost = spent(figure, scale_for(figure, EPSILON))
        assert cost <= SHARES[figure] * EPSILON * (1 + 1e-9), figure


def test_noise_is_fresh_on_every_draw() -> None:
    draws = {tuple(opendp_noise([0] * 20, 5.0)) for _ in range(5)}
    assert len(draws) == 5


member_weeks = st.builds(
    lambda days, lapse, mood, craving, needs: (
        week(sorted(days), lapse, mood, craving, needs) if days else []
    ),
    st.sets(st.integers(0, 6), max_size=7),
    st.booleans(),
    st.integers(1, 5),
    st.integers(1, 5),
    st.lists(st.sampled_from([*CATEGORIES, "unknown-need"]), max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(others=st.lists(member_weeks, min_size=K, max_size=8), a=member_weeks, b=member_weeks)
def test_one_member_moves_each_sum_by_no_more_than_its_sensitivity(
    others: list[list[CountedDay]], a: list[CountedDay], b: list[CountedDay]
) -> None:
    crowd = [part(records) for records in others]
    with_a, with_b = exact_sums([*crowd, part(a)]), exact_sums([*crowd, part(b)])
    without = exact_sums(crowd)
    for figure in SENSITIVITY:
        changed = sum(abs(x - y) for x, y in zip(with_a[figure], with_b[figure], strict=True))
        removed = sum(abs(x - y) for x, y in zip(with_a[figure], without[figure], strict=True))
        assert max(changed, removed) <= SENSITIVITY[figure], figure


# --- reading stored weeks ---------------------------------------------------------------------------


def test_windows_are_read_from_stored_weeks_without_noise() -> None:
    no_noise = lambda values, _scale: list(values)  # noqa: E731
    steady = [part(week(range(7), False, 4, 2, ["housing"])) for _ in range(5)]
    half = [part(week([0, 2, 4], True, 2, 4, ["housing", "legal"])) for _ in range(5)]
    first = release_week(steady, CATEGORIES, EPSILON, K, no_noise)
    second = release_week([*steady[:3], *half], CATEGORIES, EPSILON, K, no_noise)
    figures = window_figures([(MONDAY - timedelta(days=7), first), (MONDAY, second)])
    # Members per state, per week on average: on track 5 then 3, lapsed 0 then 5.
    assert figures["members_on_track"]["value"] == 4
    assert figures["members_lapsed"]["value"] == round(5 / 2)
    assert figures["members_away"]["value"] == 0
    assert figures["active_members"]["value"] == round(13 / 2)
    # The noise of two weeks averages down: the range is narrower than one week's (at an ε
    # large enough for ranges inside 0 to 1).
    wide = [release_week(group, CATEGORIES, 20.0, K, no_noise) for group in (steady, half)]
    two = window_figures([(MONDAY - timedelta(days=7), wide[0]), (MONDAY, wide[1])])
    one = window_figures([(MONDAY, wide[1])])
    assert (
        two["checkin_rate"]["high"] - two["checkin_rate"]["low"]
        < one["checkin_rate"]["high"] - one["checkin_rate"]["low"]
    )
    # Rates and means cover both weeks: 8 full weeks and 5 weeks of 3 days, 13 member-weeks.
    assert figures["checkin_rate"]["value"] == round((8 * 1000 + 5 * round(3000 / 7)) / 13000, 3)
    assert figures["mean_mood"]["value"] == round(3 + (8 * 1 - 5 * 1) / 13, 1)
    assert [need["category"] for need in figures["top_needs"]] == []  # under the line at ε = 1
    assert len(figures["weekly"]) == 2
