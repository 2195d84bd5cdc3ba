"""The progress engine, definition by definition (API contract §4), plus properties."""

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.progress.engine import (
    MILESTONE_THRESHOLDS,
    WINDOW_DAYS,
    Day,
    Level,
    State,
    Summary,
    extend,
    journey,
    journey_from,
    silence_between,
    state_at,
    summary_of,
    weekly,
)
from tests.progress.examples import WORKED_EXAMPLE_TRACKS, worked_example

START = date(2026, 1, 1)
TRACKS = [("recovery", "Recovery")]
SHAMING = ("fail", "reset", "start over", "starting over", "back to zero", "relapse", "broke")


def d(offset: int) -> date:
    return START + timedelta(days=offset)


def free(offset: int, **extra: object) -> Day:
    return Day(d(offset), {"recovery": "none"}, **extra)  # type: ignore[arg-type]


def lapse(offset: int, level: Level = "some") -> Day:
    return Day(d(offset), {"recovery": level})


def run(days: list[Day], as_of: int, absence_days: int = 14, tracks=TRACKS):  # type: ignore[no-untyped-def]
    return journey(days, tracks, d(as_of), absence_days)


def spans(result) -> list[tuple[int, int, str | None]]:  # type: ignore[no-untyped-def]
    return [((e.start - START).days, (e.end - START).days, e.ended_by) for e in result.episodes]


def test_no_checkins_is_a_new_member() -> None:
    result = run([], as_of=0)
    assert result.state is State.NEW
    assert (result.attempt, result.returns, result.days_on_track_total) == (0, 0, 0)
    assert result.first_checkin is None
    assert result.milestones == []
    assert result.tracks[0].free_pct_30 is None


def test_one_free_day_is_one_day_on_track_and_the_first_milestones() -> None:
    result = run([free(0)], as_of=0)
    assert result.state is State.ON_TRACK
    assert (result.days_on_track_total, result.current_run_days, result.longest_run_days) == (
        1,
        1,
        1,
    )
    assert {(m.kind, m.threshold, m.reached_on) for m in result.milestones} == {
        ("days_on_track_total", 1, d(0)),
        ("run", 1, d(0)),
    }


def test_first_checkin_a_lapse_starts_nothing_and_the_next_free_day_is_no_return() -> None:
    lapsed = run([lapse(0)], as_of=0)
    assert lapsed.state is State.LAPSED
    assert (lapsed.attempt, lapsed.returns, lapsed.days_on_track_total) == (1, 0, 0)
    assert lapsed.episodes == []

    started = run([lapse(0), lapse(1), free(2)], as_of=2)
    assert spans(started) == [(2, 2, None)]
    assert started.returns == 0
    assert started.episodes[0].days_to_return is None


def test_several_lapse_days_in_a_row_are_one_lapse_and_return_counts_from_the_first() -> None:
    days = [free(0), free(1), free(2), lapse(3), lapse(4, "heavy"), lapse(5), free(6), free(7)]
    result = run(days, as_of=7)
    assert spans(result) == [(0, 2, "lapse"), (6, 7, None)]
    assert result.returns == 1
    assert result.last_days_to_return == 3
    assert result.days_on_track_total == 5
    assert result.current_run_days == 2
    assert result.longest_run_days == 3
    track = result.tracks[0]
    assert (track.free_days_total, track.lapse_days_total, track.heavy_days_total) == (5, 3, 1)


def test_lapse_on_several_tracks_the_same_day_is_one_lapse_day() -> None:
    tracks = [("substances", "Substances"), ("the-life", "The life")]
    days = [
        Day(d(0), {"substances": "none", "the-life": "none"}),
        Day(d(1), {"substances": "some", "the-life": "heavy"}),
        Day(d(2), {"substances": "none", "the-life": "none"}),
    ]
    result = run(days, as_of=2, tracks=tracks)
    assert spans(result) == [(0, 0, "lapse"), (2, 2, None)]
    assert result.returns == 1
    substances, life = result.tracks
    assert (substances.lapse_days_total, substances.heavy_days_total) == (1, 0)
    assert (life.lapse_days_total, life.heavy_days_total) == (1, 1)
    assert substances.free_pct_30 == life.free_pct_30 == 66.7


def test_a_lapse_on_one_track_ends_the_episode_for_the_journey() -> None:
    tracks = [("substances", "Substances"), ("the-life", "The life")]
    days = [
        Day(d(0), {"substances": "none", "the-life": "none"}),
        Day(d(1), {"substances": "none", "the-life": "some"}),
    ]
    result = run(days, as_of=1, tracks=tracks)
    assert result.state is State.LAPSED
    assert result.tracks[0].free_days_total == 2


def test_a_gap_just_under_absence_days_is_counted_as_on_track() -> None:
    result = run([free(0), free(14)], as_of=14)  # 13 silent days between
    assert spans(result) == [(0, 14, None)]
    assert result.days_on_track_total == 15
    assert result.returns == 0


def test_a_silence_of_absence_days_makes_the_next_checkin_a_return() -> None:
    result = run([free(0), free(15)], as_of=15)  # 14 silent days between
    assert spans(result) == [(0, 0, "absence"), (15, 15, None)]
    assert result.returns == 1
    assert result.episodes[1].returned_after == "absence"
    assert result.last_days_to_return == 15
    assert result.days_on_track_total == 2


def test_absence_days_is_a_setting() -> None:
    assert run([free(0), free(8)], as_of=8, absence_days=7).returns == 1
    assert run([free(0), free(8)], as_of=8, absence_days=8).returns == 0


def test_unknown_days_before_a_lapse_are_not_credited() -> None:
    result = run([free(0), lapse(4)], as_of=4)
    assert spans(result) == [(0, 0, "lapse")]
    assert result.days_on_track_total == 1
    assert result.current_run_days == 0


def test_reporting_a_lapse_does_not_raise_days_on_track() -> None:
    """The defect: 71 days on track, two days without a check-in, then a lapse read 73."""
    days = [free(i) for i in range(71)]
    before = run(days, as_of=72)
    after = run([*days, lapse(73)], as_of=73)
    assert before.days_on_track_total == after.days_on_track_total == 71
    assert after.episodes[0].lapse_day == d(73)


def test_a_return_counts_from_the_lapse_day_not_the_last_free_one() -> None:
    result = run([free(0), lapse(4), free(6)], as_of=6)
    assert spans(result) == [(0, 0, "lapse"), (6, 6, None)]
    assert result.last_days_to_return == 2


def test_coming_back_with_a_lapse_after_absence_returns_at_the_next_free_day() -> None:
    result = run([free(0), lapse(20), free(21)], as_of=21)
    assert spans(result) == [(0, 0, "absence"), (21, 21, None)]
    assert result.episodes[1].returned_after == "absence"
    assert result.episodes[1].days_to_return == 21


def test_state_away_after_absence_days_of_silence_and_days_are_kept() -> None:
    days = [free(i) for i in range(10)]
    assert run(days, as_of=9 + 13).state is State.ON_TRACK
    away = run(days, as_of=9 + 14)
    assert away.state is State.AWAY
    assert away.days_on_track_total == 10
    assert away.current_run_days == 10


def test_as_of_in_the_past_ignores_later_checkins() -> None:
    days = [free(0), free(1), lapse(2), free(3)]
    result = run(days, as_of=1)
    assert spans(result) == [(0, 1, None)]
    assert result.last_checkin == d(1)
    assert result.checkin_days_total == 2


def test_editing_a_past_lapse_away_merges_the_episodes() -> None:
    with_lapse = run([free(0), free(1), lapse(2), free(3)], as_of=3)
    edited = run([free(0), free(1), free(2), free(3)], as_of=3)
    deleted = run([free(0), free(1), free(3)], as_of=3)
    assert (with_lapse.returns, with_lapse.days_on_track_total) == (1, 3)
    assert (edited.returns, edited.days_on_track_total) == (0, 4)
    assert (deleted.returns, deleted.days_on_track_total) == (0, 4)


def test_median_and_last_days_to_return() -> None:
    days = [free(0), lapse(1), free(3), lapse(4), free(5), lapse(6), free(10), lapse(11), free(12)]
    result = run(days, as_of=12)
    assert [e.days_to_return for e in result.episodes] == [None, 2, 1, 4, 1]
    assert result.median_days_to_return == 1.5
    assert result.last_days_to_return == 1
    assert result.attempt == 5
    assert result.returns == 4


def test_checkin_counts_and_windows() -> None:
    days = [free(i) for i in range(0, 100, 2)]  # 50 check-ins over 100 days
    result = run(days, as_of=99)
    assert result.checkin_days_total == 50
    assert result.checkin_days_30 == 15
    assert (result.first_checkin, result.last_checkin) == (d(0), d(98))


def test_free_percentages_count_only_reported_days() -> None:
    days = [free(0), Day(d(1), {}, mood=3), lapse(2), free(3)]
    track = run(days, as_of=3).tracks[0]
    assert track.free_pct_30 == 66.7
    assert track.free_pct_90 == 66.7
    assert run([Day(d(0), {}, mood=3)], as_of=0).tracks[0].free_pct_30 is None


def test_free_percentage_windows_end_at_as_of() -> None:
    days = [lapse(0)] + [free(i) for i in range(40, 60)]
    track = run(days, as_of=89).tracks[0]
    assert track.free_pct_30 is None  # nothing reported in days 60..89
    assert track.free_pct_90 == round(100 * 20 / 21, 1)


def test_milestones_cumulative_across_returns_and_runs_only_within_one() -> None:
    days = [free(i) for i in range(5)] + [lapse(5)] + [free(i) for i in range(6, 9)]
    result = run(days, as_of=8)
    total_7 = [m for m in result.milestones if m.kind == "days_on_track_total" and m.threshold == 7]
    assert [m.reached_on for m in total_7] == [d(7)]
    assert not any(m.kind == "run" and m.threshold == 7 for m in result.milestones)


def test_a_long_journey_reaches_every_threshold_once() -> None:
    days = [free(i) for i in range(0, 1100, 3)]
    result = run(days, as_of=1099)
    thresholds = [m.threshold for m in result.milestones if m.kind == "run"]
    assert thresholds == list(MILESTONE_THRESHOLDS)
    assert next(
        m for m in result.milestones if m.threshold == 365 and m.kind == "run"
    ).reached_on == d(364)


@pytest.mark.parametrize(
    "days",
    [
        [],
        [free(0)],
        [lapse(0)],
        [free(0), lapse(1)],
        [free(0), lapse(1), free(2)],
        [free(0), lapse(1), free(2), lapse(3), free(4)],
        [free(0), free(30)],
    ],
)
@pytest.mark.parametrize("as_of", [4, 30, 60])
def test_messages_are_warm_and_never_shame(days: list[Day], as_of: int) -> None:
    result = run(days, as_of=as_of)
    text = result.message.lower()
    for word in SHAMING:
        assert word not in text
    if result.state in (State.LAPSED, State.AWAY) or (
        result.state is State.ON_TRACK and result.returns
    ):
        assert "five to ten times" in text


def test_a_return_is_welcomed_and_numbered() -> None:
    result = run([free(0), lapse(1), free(2), lapse(3), free(4)], as_of=4)
    assert "welcome back" in result.message.lower()
    assert "2nd return" in result.message


def test_weekly_uses_calendar_weeks_oldest_first() -> None:
    monday = date(2026, 1, 5)
    days = [
        Day(monday, {"recovery": "none"}, mood=4, craving=2),
        Day(monday + timedelta(days=6), {"recovery": "some"}, mood=2, craving=8),
        Day(monday + timedelta(days=7), {}, mood=3),
    ]
    weeks = weekly(days, monday + timedelta(days=8), 3)
    assert [w.week_start for w in weeks] == [
        monday - timedelta(weeks=1),
        monday,
        monday + timedelta(weeks=1),
    ]
    assert [w.checkin_days for w in weeks] == [0, 2, 1]
    assert (weeks[1].free_days, weeks[1].lapse_days) == (1, 1)
    assert (weeks[1].mean_mood, weeks[1].mean_craving) == (3.0, 5.0)
    assert (weeks[2].free_days, weeks[2].mean_craving) == (0, None)
    assert weeks[0].mean_mood is None


def test_state_at_from_the_last_checkin() -> None:
    assert state_at(None, False, d(0), 14) is State.NEW
    assert state_at(d(0), False, d(13), 14) is State.ON_TRACK
    assert state_at(d(0), True, d(13), 14) is State.LAPSED
    assert state_at(d(0), True, d(14), 14) is State.AWAY


# --- properties -------------------------------------------------------------------------------

LEVELS = st.sampled_from(["none", "some", "heavy"])
STEP = st.tuples(
    st.integers(min_value=1, max_value=20),  # days after the previous check-in
    st.dictionaries(st.sampled_from(["a", "b"]), LEVELS, max_size=2),
)
HISTORY = st.lists(STEP, max_size=60)


def build(steps: list[tuple[int, dict[str, Level]]]) -> list[Day]:
    days, day = [], START
    for gap, lapses in steps:
        day += timedelta(days=gap)
        days.append(Day(day, lapses))
    return days


TWO_TRACKS = [("a", "A"), ("b", "B")]


def at_end(days: list[Day]):  # type: ignore[no-untyped-def]
    as_of = max((day.day for day in days), default=START)
    return journey(days, TWO_TRACKS, as_of)


@settings(max_examples=300, deadline=None)
@given(HISTORY)
def test_returns_are_episodes_minus_one(steps: list[tuple[int, dict[str, Level]]]) -> None:
    result = at_end(build(steps))
    assert result.returns == max(0, len(result.episodes) - 1)
    assert result.days_on_track_total == sum(e.days for e in result.episodes)
    assert result.days_on_track_total >= sum(1 for day in build(steps) if not day.is_lapse)


@settings(max_examples=300, deadline=None)
@given(HISTORY, st.integers(min_value=1, max_value=30))
def test_a_later_lapse_free_checkin_never_lowers_days_on_track(
    steps: list[tuple[int, dict[str, Level]]], gap: int
) -> None:
    days = build(steps)
    before = at_end(days)
    last = days[-1].day if days else START
    after = at_end([*days, Day(last + timedelta(days=gap), {"a": "none"})])
    assert after.days_on_track_total >= before.days_on_track_total


@settings(max_examples=300, deadline=None)
@given(HISTORY, HISTORY)
def test_milestones_stay_once_reached(
    steps: list[tuple[int, dict[str, Level]]], more: list[tuple[int, dict[str, Level]]]
) -> None:
    days = build(steps)
    last = days[-1].day if days else START
    later = [Day(last + (day.day - START), day.lapses) for day in build(more)]
    before = {(m.kind, m.threshold, m.reached_on) for m in at_end(days).milestones}
    after = {(m.kind, m.threshold, m.reached_on) for m in at_end(days + later).milestones}
    assert before <= after


@settings(max_examples=200, deadline=None)
@given(HISTORY, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_insertion_order(
    steps: list[tuple[int, dict[str, Level]]], shuffler: random.Random
) -> None:
    days = build(steps)
    shuffled = days[:]
    shuffler.shuffle(shuffled)
    assert at_end(shuffled) == at_end(days)


def test_the_worked_example_in_docs_progress_md() -> None:
    days, tracks = worked_example(), WORKED_EXAMPLE_TRACKS
    result = journey(days, tracks, date(2026, 11, 15))

    assert result.state is State.ON_TRACK
    assert (result.attempt, result.returns) == (3, 2)
    assert result.days_on_track_total == 25
    assert (result.current_run_days, result.longest_run_days) == (8, 10)
    assert (result.median_days_to_return, result.last_days_to_return) == (11.0, 19)
    assert (result.checkin_days_total, result.checkin_days_30) == (26, 12)
    assert [(e.days, e.ended_by, e.days_to_return) for e in result.episodes] == [
        (10, "lapse", None),
        (7, "absence", 3),
        (8, None, 19),
    ]
    substances, life = result.tracks
    assert (
        substances.free_days_total,
        substances.lapse_days_total,
        substances.heavy_days_total,
    ) == (24, 2, 1)
    assert (substances.free_pct_30, substances.free_pct_90) == (100.0, 92.3)
    assert (life.free_days_total, life.lapse_days_total, life.free_pct_90) == (26, 0, 100.0)
    assert [(m.kind, m.threshold, m.reached_on) for m in result.milestones] == [
        ("days_on_track_total", 1, date(2026, 10, 1)),
        ("run", 1, date(2026, 10, 1)),
        ("days_on_track_total", 7, date(2026, 10, 7)),
        ("run", 7, date(2026, 10, 7)),
        ("days_on_track_total", 14, date(2026, 10, 17)),
    ]
    # Eight days into the stretch: past the days of "welcome back".
    assert result.message == (
        "You have 8 days on this stretch and 25 days on track in all, since your 2nd return. "
        "Keep checking in, one day at a time."
    )


@given(HISTORY, st.integers(min_value=0, max_value=30))
@settings(max_examples=200)
def test_the_summary_agrees_with_the_journey(
    steps: list[tuple[int, dict[str, Level]]], later: int
) -> None:
    """Group aggregates use summaries; they must say what the member's own journey says."""
    days = build(steps)
    summary = summary_of(days, 14)
    as_of = (days[-1].day if days else START) + timedelta(days=later)
    full = journey(days, TWO_TRACKS, as_of, 14)
    assert summary.days_on_track_total == full.days_on_track_total
    assert summary.return_days == [episode.start for episode in full.episodes[1:]]
    assert summary.last_checkin == full.last_checkin
    assert state_at(summary.last_checkin, summary.last_is_lapse, as_of, 14) is full.state


@given(HISTORY)
@settings(max_examples=300, deadline=None)
def test_extending_day_by_day_equals_folding_the_whole_history(
    steps: list[tuple[int, dict[str, Level]]],
) -> None:
    """Check-in writes extend the stored summary by one day; nothing may drift from a full fold."""
    days = build(steps)
    summary = Summary()
    for record in days:
        summary = extend(summary, record, 14)
    assert summary == summary_of(days, 14)


@given(HISTORY, st.integers(min_value=0, max_value=200))
@settings(max_examples=300, deadline=None)
def test_a_journey_from_the_summary_and_recent_days_equals_the_full_journey(
    steps: list[tuple[int, dict[str, Level]]], later: int
) -> None:
    """GET /v1/progress reads the summary and the last WINDOW_DAYS only (histories here run to
    1,200 days, so most of their check-ins lie outside the window)."""
    days = build(steps)
    as_of = (days[-1].day if days else START) + timedelta(days=later)
    recent = [record for record in days if (as_of - record.day).days < WINDOW_DAYS]
    from_summary = journey_from(summary_of(days, 14), recent, TWO_TRACKS, as_of, 14)
    assert from_summary == journey(days, TWO_TRACKS, as_of, 14)


def test_extend_refuses_a_day_that_is_not_after_the_last() -> None:
    summary = summary_of([free(0), free(5)], 14)
    with pytest.raises(ValueError, match="date order"):
        extend(summary, free(5), 14)
    with pytest.raises(ValueError, match="date order"):
        extend(summary, free(3), 14)


def test_a_summary_cannot_answer_for_a_day_before_its_last_checkin() -> None:
    with pytest.raises(ValueError, match="after as_of"):
        journey_from(summary_of([free(0), free(5)], 14), [], TRACKS, d(4), 14)


def test_a_summary_keeps_totals_of_days_long_past_the_window() -> None:
    days = [free(0), lapse(1, "heavy"), free(2)] + [free(200 + i) for i in range(3)]
    result = journey_from(summary_of(days, 14), days[3:], TRACKS, d(210), 14)
    track = result.tracks[0]
    assert (track.free_days_total, track.lapse_days_total, track.heavy_days_total) == (5, 1, 1)
    assert (result.checkin_days_total, result.first_checkin) == (6, d(0))
    assert [(e.start, e.ended_by) for e in result.episodes] == [
        (d(0), "lapse"),
        (d(2), "absence"),
        (d(200), None),
    ]
    assert track.free_pct_90 == 100.0


# --- one rule for unknown days (docs/progress.md) ----------------------------------------------

LAPSE_DAY = st.dictionaries(st.sampled_from(["a", "b"]), LEVELS, min_size=1, max_size=2).filter(
    lambda lapses: any(level != "none" for level in lapses.values())
)
FREE_DAY = st.dictionaries(st.sampled_from(["a", "b"]), st.just("none"), max_size=2)


def totals(result) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        "all": result.days_on_track_total,
        **{track.slug: track.days_on_track_total for track in result.tracks},
    }


@settings(max_examples=300, deadline=None)
@given(HISTORY, st.integers(min_value=1, max_value=30), LAPSE_DAY)
def test_reporting_a_lapse_never_makes_days_on_track_larger_than_the_day_before(
    steps: list[tuple[int, dict[str, Level]]], gap: int, lapses: dict[str, Level]
) -> None:
    days = build(steps)
    day = (days[-1].day if days else START) + timedelta(days=gap)
    before = totals(journey(days, TWO_TRACKS, day - timedelta(days=1)))
    after = totals(journey([*days, Day(day, lapses)], TWO_TRACKS, day))
    assert after["all"] <= before["all"]
    for slug, level in lapses.items():
        if level != "none":
            assert after[slug] <= before[slug], slug


@settings(max_examples=300, deadline=None)
@given(HISTORY, st.integers(min_value=0, max_value=1200), LAPSE_DAY)
def test_a_lapse_filled_in_on_any_day_never_adds_days_on_track(
    steps: list[tuple[int, dict[str, Level]]], offset: int, lapses: dict[str, Level]
) -> None:
    days = build(steps)
    day = d(offset)
    as_of = max([day, *(record.day for record in days)])
    before = totals(journey(days, TWO_TRACKS, as_of))
    changed = [record for record in days if record.day != day] + [Day(day, lapses)]
    after = totals(journey(changed, TWO_TRACKS, as_of))
    assert after["all"] <= before["all"]
    for slug, level in lapses.items():
        if level != "none":
            assert after[slug] <= before[slug], slug


def cumulative(result) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The figures that only ever grow when a lapse-free day is added."""
    figures: dict[str, object] = {
        "days_on_track_total": result.days_on_track_total,
        "longest_run_days": result.longest_run_days,
        "checkin_days_total": result.checkin_days_total,
        "milestones": {(m.kind, m.threshold) for m in result.milestones},
    }
    for track in result.tracks:
        figures[f"{track.slug}.days_on_track_total"] = track.days_on_track_total
        figures[f"{track.slug}.longest_run_days"] = track.longest_run_days
        figures[f"{track.slug}.free_days_total"] = track.free_days_total
        figures[f"{track.slug}.milestones"] = {(m.kind, m.threshold) for m in track.milestones}
    return figures


def never_lower(before: dict[str, object], after: dict[str, object]) -> None:
    for name, value in before.items():
        if isinstance(value, set):
            assert value <= after[name], name  # type: ignore[operator]
        else:
            assert after[name] >= value, name  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(HISTORY, st.integers(min_value=1, max_value=30), FREE_DAY)
def test_no_figure_decreases_when_a_lapse_free_day_is_added(
    steps: list[tuple[int, dict[str, Level]]], gap: int, lapses: dict[str, Level]
) -> None:
    days = build(steps)
    last = days[-1].day if days else START
    day = last + timedelta(days=gap)
    before = journey(days, TWO_TRACKS, day)
    after = journey([*days, Day(day, lapses)], TWO_TRACKS, day)
    never_lower(cumulative(before), cumulative(after))
    assert after.returns >= before.returns
    # The current run grows too, unless the day ends a silence: then a new stretch begins.
    if not days or silence_between(last, day) < 14:
        assert after.current_run_days >= before.current_run_days


@settings(max_examples=300, deadline=None)
@given(HISTORY, st.integers(min_value=0, max_value=1200), FREE_DAY)
def test_a_lapse_free_day_filled_in_anywhere_lowers_no_total(
    steps: list[tuple[int, dict[str, Level]]], offset: int, lapses: dict[str, Level]
) -> None:
    """Filling in a forgotten day (a day without a check-in) never takes days away."""
    days = build(steps)
    day = d(offset)
    if any(record.day == day for record in days):
        return
    as_of = max([day, *(record.day for record in days)])
    before = journey(days, TWO_TRACKS, as_of)
    after = journey([*days, Day(day, lapses)], TWO_TRACKS, as_of)
    never_lower(cumulative(before), cumulative(after))
