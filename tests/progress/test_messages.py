"""Messages that fit the count: every state and situation, from the engine's own histories.

Never "0 days"; "five to ten times" only up to ten returns; "welcome back" only in the first
WELCOME_BACK_DAYS days of a stretch; short, and never shaming."""

import re
from datetime import date, timedelta

import pytest

from app.progress.engine import (
    COME_BACK_UP_TO,
    WELCOME_BACK_DAYS,
    Day,
    State,
    journey,
)

START = date(2026, 1, 1)
TRACKS = [("recovery", "Recovery")]
SHAMING = ("fail", "reset", "start over", "lost", "again from zero", "should")


def history(returns: int, stretch: int, end: str) -> tuple[list[Day], date]:
    """A first free day, then `returns` lapse-and-return cycles, then a stretch of `stretch` free
    days, ending as asked: on track, with a lapse, or away (silent for 20 days)."""
    days, day = [Day(START, {"recovery": "none"})], START
    for _ in range(returns):
        day += timedelta(days=1)
        days.append(Day(day, {"recovery": "some"}))
        day += timedelta(days=1)
        days.append(Day(day, {"recovery": "none"}))
    for _ in range(stretch - 1 if returns else stretch):
        day += timedelta(days=1)
        days.append(Day(day, {"recovery": "none"}))
    if end == "lapse":
        day += timedelta(days=1)
        days.append(Day(day, {"recovery": "heavy"}))
    as_of = day + timedelta(days=20 if end == "away" else 0)
    return days, as_of


CASES = [
    # (returns, stretch, how it ends, state)
    *[(returns, 1, "on track", State.ON_TRACK) for returns in (0, 1, 3, 10, 12)],
    *[(returns, WELCOME_BACK_DAYS, "on track", State.ON_TRACK) for returns in (1, 12)],
    *[(returns, WELCOME_BACK_DAYS + 1, "on track", State.ON_TRACK) for returns in (1, 12)],
    *[(returns, 3, "lapse", State.LAPSED) for returns in (0, 2, 11)],
    *[(returns, 3, "away", State.AWAY) for returns in (0, 2, 11)],
]


@pytest.mark.parametrize(("returns", "stretch", "end", "state"), CASES)
def test_the_message_fits_the_count(returns: int, stretch: int, end: str, state: State) -> None:
    days, as_of = history(returns, stretch, end)
    result = journey(days, TRACKS, as_of)
    assert result.state is state
    assert result.returns == returns
    text = result.message
    assert not re.search(r"\b0 days\b", text)
    assert len(text.split()) <= 40
    assert not any(word in text.lower() for word in SHAMING)
    welcomed = state is State.ON_TRACK and returns > 0 and stretch <= WELCOME_BACK_DAYS
    reassured = state is not State.ON_TRACK or welcomed
    assert ("five to ten" in text) == (reassured and returns < COME_BACK_UP_TO)
    assert ("Welcome back" in text) == welcomed


def test_a_first_check_in_that_is_a_lapse_quotes_no_days() -> None:
    result = journey([Day(START, {"recovery": "heavy"})], TRACKS, START)
    assert result.state is State.LAPSED
    assert not re.search(r"\b0 days\b", result.message)
    assert "still yours" not in result.message


LABELS = [
    ("the-life", "Staying out of the life"),
    ("heroin", "Heroin"),
    ("drinking", "Not drinking"),
    ("cards", "Cards"),
    ("him", "Away from him"),
]


@pytest.mark.parametrize("lapsed", [1, 2, 5])
@pytest.mark.parametrize("returns", [0, 3, 12])
def test_after_a_lapse_on_some_tracks_the_message_names_them_and_stays_short(
    lapsed: int, returns: int
) -> None:
    """The words name the tracks that lapsed and the runs the others keep; at most 40 words of
    ours besides the member's own track names."""
    days, day = [], START
    for _ in range(returns):
        days.append(Day(day, {slug: "none" for slug, _ in LABELS}))
        day += timedelta(days=1)
        days.append(Day(day, {slug: "some" for slug, _ in LABELS}))
        day += timedelta(days=1)
    for _ in range(9):
        days.append(Day(day, {slug: "none" for slug, _ in LABELS}))
        day += timedelta(days=1)
    lapses = {slug: ("heavy" if i < lapsed else "none") for i, (slug, _) in enumerate(LABELS)}
    days.append(Day(day, lapses))  # type: ignore[arg-type]
    text = journey(days, LABELS, day).message
    for i, (_, label) in enumerate(LABELS):
        assert (f"“{label}”" in text) == True, label  # noqa: E712
        if i == lapsed:
            assert f"10 days on track with “{label}”" in text  # the lapse day was free for it
        elif i > lapsed:
            assert f"10 with “{label}”" in text
    ours = text
    for _, label in LABELS:
        ours = ours.replace(f"“{label}”", "X")
    # Past the first, each track that kept its run adds "N with" to the words.
    assert len(ours.split()) <= 40 + max(0, len(LABELS) - lapsed - 1) * 2
    assert not re.search(r"\b0 days\b", text)
    assert not any(word in text.lower() for word in SHAMING)
    assert ("five to ten" in text) == (returns < COME_BACK_UP_TO)
