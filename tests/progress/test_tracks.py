"""Each track's own journey: a lapse in one part of a life is not a lapse in all of it."""

from datetime import date, timedelta

from app.progress.engine import Day, Level, State, journey
from tests.progress.examples import WORKED_EXAMPLE_TRACKS, worked_example

START = date(2026, 1, 1)
TRACKS = [("substances", "Substances"), ("the-life", "The life")]


def d(offset: int) -> date:
    return START + timedelta(days=offset)


def day(offset: int, substances: Level | None = None, life: Level | None = None) -> Day:
    lapses: dict[str, Level] = {}
    if substances:
        lapses["substances"] = substances
    if life:
        lapses["the-life"] = life
    return Day(d(offset), lapses)


def by_slug(result):  # type: ignore[no-untyped-def]
    return {track.slug: track for track in result.tracks}


def test_the_defect_a_lapse_on_the_life_keeps_17_days_free_of_substances() -> None:
    """Before: a lapse on `the-life` set the only run there was to 0 for someone 17 days free
    of substances, and the message spoke of everything."""
    days = [day(i, "none", "none") for i in range(17)] + [day(17, "none", "heavy")]
    result = journey(days, TRACKS, d(17))
    tracks = by_slug(result)
    assert (result.state, result.current_run_days) == (State.LAPSED, 0)  # the whole journey
    assert tracks["substances"].state is State.ON_TRACK
    assert tracks["substances"].current_run_days == 18  # the lapse day was free of substances
    assert tracks["the-life"].state is State.LAPSED
    assert tracks["the-life"].current_run_days == 0
    assert tracks["the-life"].days_on_track_total == 17  # kept
    assert result.message == (
        "Thank you for checking in honestly. A lapse in “The life” takes nothing away from your "
        "18 days on track with “Substances”. "
        "Many people come back five to ten times before a change holds."
    )


def test_each_track_has_runs_returns_and_milestones_of_its_own() -> None:
    days = (
        [day(i, "none", "none") for i in range(7)]
        + [day(7, "heavy", "none"), day(8, "some", "none")]
        + [day(i, "none", "none") for i in range(10, 15)]
    )
    tracks = by_slug(journey(days, TRACKS, d(14)))
    substances, life = tracks["substances"], tracks["the-life"]
    assert (substances.returns, substances.last_days_to_return) == (1, 3)  # from 7 to 10
    assert (substances.days_on_track_total, substances.longest_run_days) == (12, 7)
    assert (substances.current_run_days, substances.median_days_to_return) == (5, 3.0)
    # 9 is unknown but falls between free days of the life: counted, one run of 15 days.
    assert (life.returns, life.days_on_track_total, life.current_run_days) == (0, 15, 15)
    assert {(m.kind, m.threshold) for m in life.milestones} == {
        ("days_on_track_total", 1),
        ("days_on_track_total", 7),
        ("days_on_track_total", 14),
        ("run", 1),
        ("run", 7),
        ("run", 14),
    }
    assert ("run", 14) not in {(m.kind, m.threshold) for m in substances.milestones}


def test_a_check_in_that_does_not_name_a_track_is_an_unknown_day_for_it() -> None:
    # The life is reported on day 0 only; 20 days of check-ins about substances say nothing of it.
    days = [day(0, "none", "none")] + [day(i, "none") for i in range(1, 21)]
    tracks = by_slug(journey(days, TRACKS, d(20)))
    assert tracks["the-life"].state is State.AWAY
    assert (tracks["the-life"].days_on_track_total, tracks["the-life"].free_days_total) == (1, 1)
    assert tracks["substances"].days_on_track_total == 21
    # Reported again, it is a return after absence for that track alone.
    later = by_slug(journey([*days, day(21, "none", "none")], TRACKS, d(21)))
    assert (later["the-life"].returns, later["substances"].returns) == (1, 0)


def test_a_track_never_reported_is_new_and_has_nothing_to_show() -> None:
    tracks = by_slug(journey([day(0, "none")], TRACKS, d(0)))
    life = tracks["the-life"]
    assert life.state is State.NEW
    assert (life.days_on_track_total, life.current_run_days, life.milestones) == (0, 0, [])


def test_when_every_track_lapsed_the_message_names_them_and_keeps_the_total() -> None:
    days = [day(i, "none", "none") for i in range(5)] + [day(5, "some", "heavy")]
    result = journey(days, TRACKS, d(5))
    assert result.message == (
        "Thank you for checking in honestly. A lapse in “Substances” and “The life” takes "
        "nothing away. Your 5 days on track are still yours. "
        "Many people come back five to ten times before a change holds."
    )


def test_the_two_track_example_in_docs_progress_md() -> None:
    days, tracks = worked_example(), WORKED_EXAMPLE_TRACKS

    on_the_lapse = journey(days, tracks, date(2026, 10, 12))
    assert on_the_lapse.days_on_track_total == 10
    assert on_the_lapse.message == (
        "Thank you for checking in honestly. A lapse in “Substances” takes nothing away from your "
        "12 days on track with “The life”. "
        "Many people come back five to ten times before a change holds."
    )

    result = journey(days, tracks, date(2026, 11, 15))
    substances, life = result.tracks
    figures = (
        "state",
        "days_on_track_total",
        "current_run_days",
        "longest_run_days",
        "returns",
        "median_days_to_return",
        "last_days_to_return",
    )
    assert [getattr(substances, name) for name in figures] == [
        State.ON_TRACK, 25, 8, 10, 2, 11.0, 19,
    ]  # fmt: skip
    assert [getattr(life, name) for name in figures] == [State.ON_TRACK, 28, 8, 20, 1, 19.0, 19]
    assert [(m.kind, m.threshold, m.reached_on) for m in life.milestones] == [
        ("days_on_track_total", 1, date(2026, 10, 1)),
        ("run", 1, date(2026, 10, 1)),
        ("days_on_track_total", 7, date(2026, 10, 7)),
        ("run", 7, date(2026, 10, 7)),
        ("days_on_track_total", 14, date(2026, 10, 14)),
        ("run", 14, date(2026, 10, 14)),
    ]
    # The whole journey is unchanged by tracks: a day is on track when no track lapsed.
    assert (result.days_on_track_total, result.returns) == (25, 2)
