"""A group's week, released once with differential privacy, and windows read from those weeks.

Pure code: no database. `contribution` reduces one member's counted check-ins of one week to the
bounded values they add; `release_week` adds OpenDP noise to the sums and returns what is stored;
`week_figures` and `window_figures` turn stored weeks into answers without drawing any new noise
(post-processing, which costs no privacy).

What one member adds to a week, whatever they reported:
- a state by their last check-in of the week: on track all along, back on track after a lapse
  that week (a return), or lapsed; away with no check-in;
- a check-in rate, 0 to 1 (check-in days over the days they counted);
- their mean mood and mean craving, clamped to 1 to 5, if they reported any;
- at most MAX_NEEDS needs from the known categories.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from app.groups.privacy import (
    MAX_NEEDS,
    MIDDLE,
    RATE_SCALE,
    VALUE_SCALE,
    Z95_ONE_SIDED,
    Estimate,
    Noise,
    noisy,
    variance,
)

TOP_NEEDS = 5
STATE_FIGURES = ("active_members", "members_on_track", "members_lapsed", "members_away")
WEEK_FIGURES = (*STATE_FIGURES, "checkin_rate", "mean_mood", "mean_craving")
WINDOW_FIGURES = (*WEEK_FIGURES, "returns_in_window")


@dataclass(frozen=True)
class CountedDay:
    """One check-in of a member, on a day they counted for the group."""

    day: date
    is_lapse: bool
    mood: int | None = None
    craving: int | None = None
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contribution:
    on_track: bool
    lapsed: bool
    rate: int  # thousandths
    returned: bool
    mood: int | None  # hundredths from the middle, -200 to 200
    craving: int | None
    needs: frozenset[str]


def _centered(values: Sequence[int]) -> int | None:
    if not values:
        return None
    mean = sum(values) / len(values)
    return round(min(max(mean - MIDDLE, -2), 2) * VALUE_SCALE)


def contribution(
    days: Sequence[CountedDay], counted_days: int, known_needs: frozenset[str]
) -> Contribution:
    """What one member's counted check-ins of one week add, each part bounded."""
    ordered = sorted(days, key=lambda record: record.day)
    last = ordered[-1] if ordered else None
    returned = any(earlier.is_lapse and not later.is_lapse for earlier, later in pairwise(ordered))
    reported = Counter(
        need for record in ordered for need in set(record.needs) if need in known_needs
    )
    # The most often reported needs, ties by name, so the bound never depends on order.
    needs = sorted(reported, key=lambda need: (-reported[need], need))[:MAX_NEEDS]
    return Contribution(
        on_track=last is not None and not last.is_lapse,
        lapsed=last is not None and last.is_lapse,
        rate=min(RATE_SCALE, round(RATE_SCALE * len(ordered) / max(counted_days, 1))),
        returned=returned,
        mood=_centered([record.mood for record in ordered if record.mood is not None]),
        craving=_centered([record.craving for record in ordered if record.craving is not None]),
        needs=frozenset(needs),
    )


def release_week(
    contributions: Sequence[Contribution],
    categories: Sequence[str],
    epsilon: float,
    k: int,
    noise: Noise,
) -> dict[str, Any]:
    """A week's release, as stored. With fewer than k members it holds their number only and
    spends nothing."""
    members = len(contributions)
    if members < k:
        return {"member_count": members, "released": False}
    moods = [part.mood for part in contributions if part.mood is not None]
    cravings = [part.craving for part in contributions if part.craving is not None]
    need_counts = Counter(need for part in contributions for need in part.needs)
    sums = {
        "states": [
            sum(part.on_track and not part.returned for part in contributions),
            sum(part.on_track and part.returned for part in contributions),
            sum(part.lapsed for part in contributions),
        ],
        "rate": [sum(part.rate for part in contributions)],
        "mood_sum": [sum(moods)],
        "mood_count": [len(moods)],
        "craving_sum": [sum(cravings)],
        "craving_count": [len(cravings)],
        "needs": [need_counts[category] for category in categories],
    }
    return {
        "member_count": members,
        "released": True,
        "epsilon": epsilon,
        "categories": list(categories),
        "noisy": {figure: noisy(figure, values, epsilon, noise) for figure, values in sums.items()},
    }


# --- reading stored weeks (no new noise) -------------------------------------------------------


def _value(week: dict[str, Any], figure: str, index: int = 0) -> float:
    return float(week["noisy"][figure]["values"][index])


def _var(week: dict[str, Any], figure: str) -> float:
    return variance(week["noisy"][figure]["scale"])


def _count(value: float, var: float, members: int) -> dict[str, float | int]:
    return Estimate.of(value, var, 0, members).rounded(0)


def _rate(weeks: Sequence[dict[str, Any]]) -> dict[str, float | int]:
    members = sum(week["member_count"] for week in weeks)
    total = sum(_value(week, "rate") for week in weeks) / RATE_SCALE
    var = sum(_var(week, "rate") for week in weeks) / RATE_SCALE**2
    return Estimate.of(total / members, var / members**2, 0, 1).rounded(3)


def _mean(weeks: Sequence[dict[str, Any]], name: str) -> dict[str, float | int]:
    """3 + (noisy sum of centred means) / (noisy count of members who reported), by the delta
    method for its range. A count under one is read as one."""
    count = max(sum(_value(week, f"{name}_count") for week in weeks), 1.0)
    total = sum(_value(week, f"{name}_sum") for week in weeks) / VALUE_SCALE
    mean = total / count
    var = (
        sum(_var(week, f"{name}_sum") for week in weeks) / VALUE_SCALE**2
        + mean**2 * sum(_var(week, f"{name}_count") for week in weeks)
    ) / count**2
    return Estimate.of(MIDDLE + mean, var, 1, 5).rounded(1)


def _states(weeks: Sequence[dict[str, Any]]) -> dict[str, dict[str, float | int]]:
    """Members in each state per week, on average over the weeks, from each week's noisy
    histogram (steady, returned, lapsed) and its number of members."""
    count = len(weeks)
    members = max(week["member_count"] for week in weeks)

    def average(*bins: int, away: bool = False) -> dict[str, float | int]:
        total = sum(_value(week, "states", index) for week in weeks for index in bins)
        if away:
            total = sum(week["member_count"] for week in weeks) - total
        var = sum(_var(week, "states") for week in weeks) * len(bins)
        return _count(total / count, var / count**2, members)

    return {
        "members_on_track": average(0, 1),
        "members_lapsed": average(2),
        "members_away": average(0, 1, 2, away=True),
        "active_members": average(0, 1, 2),
        "returns_in_window": _count(
            sum(_value(week, "states", 1) for week in weeks),
            sum(_var(week, "states") for week in weeks),
            members * count,
        ),
    }


def week_figures(start: date, week: dict[str, Any]) -> dict[str, Any]:
    """One week of the weekly series."""
    figures: dict[str, Any] = {
        "week_start": start.isoformat(),
        "member_count": week["member_count"],
        "released": week["released"],
        **dict.fromkeys(WEEK_FIGURES),
    }
    if week["released"]:
        states = _states([week])
        figures.update({name: states[name] for name in STATE_FIGURES})
        figures["checkin_rate"] = _rate([week])
        figures["mean_mood"] = _mean([week], "mood")
        figures["mean_craving"] = _mean([week], "craving")
    return figures


def _top_needs(weeks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Needs by how many members reported them, per week on average: those whose noisy count is
    above what noise alone reaches 95 % of the time, at most TOP_NEEDS."""
    averages: dict[str, tuple[float, float]] = {}
    for category in weeks[-1]["categories"]:
        values, var = [], 0.0
        for week in weeks:
            if category in week["categories"]:
                values.append(_value(week, "needs", week["categories"].index(category)))
                var += _var(week, "needs")
        if values:
            averages[category] = (sum(values) / len(values), var / len(values) ** 2)
    members = max(week["member_count"] for week in weeks)
    shown = [
        (category, mean, var)
        for category, (mean, var) in averages.items()
        if mean > Z95_ONE_SIDED * var**0.5
    ]
    shown.sort(key=lambda item: (-item[1], item[0]))
    return [
        {"category": category, "count": _count(mean, var, members)}
        for category, mean, var in shown[:TOP_NEEDS]
    ]


def window_figures(weeks: Sequence[tuple[date, dict[str, Any]]]) -> dict[str, Any]:
    """The figures of a window of whole weeks, oldest first, from their stored releases: counts of
    members per week on average, rates and means over all the window's released weeks, returns
    added up. Nothing is shown unless the last week was released (k members or more)."""
    last = weeks[-1][1]
    released = [week for _, week in weeks if week["released"]]
    figures: dict[str, Any] = {
        "member_count": last["member_count"],
        "released": last["released"],
        "weekly": [week_figures(start, week) for start, week in weeks],
        "top_needs": [],
    }
    figures.update(dict.fromkeys(WINDOW_FIGURES))
    if not last["released"]:
        return figures
    figures.update(_states(released))
    figures["checkin_rate"] = _rate(released)
    figures["mean_mood"] = _mean(released, "mood")
    figures["mean_craving"] = _mean(released, "craving")
    figures["top_needs"] = _top_needs(released)
    return figures


def week_starts(last_start: date, weeks: int) -> list[date]:
    return [last_start - timedelta(days=7 * back) for back in range(weeks - 1, -1, -1)]
