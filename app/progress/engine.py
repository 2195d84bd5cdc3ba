"""The progress engine: a member's check-in days in, their journey out.

Pure functions: no database, no clock, no HTTP. The definitions are those of the API contract §4,
made exact here (docs/progress.md explains them in plain words):

- A check-in day is a *lapse day* if it reports `some` or `heavy` on any track, including tracks
  removed since: history is never rewritten. Other check-in days are lapse-free. Days without a
  check-in are unknown, never lapses.
- The *silence* between two check-ins is the number of calendar days strictly between them.
- An episode starts at the first lapse-free check-in; again at the first lapse-free check-in after a
  lapse day (a return after a lapse); and again at the first lapse-free check-in after a silence of
  at least `absence_days` (a return after absence). An episode cannot start on a lapse day, so when
  the first check-ins are lapses the first episode starts at the first lapse-free one after them.
- An episode ends at its last lapse-free check-in before a lapse day or before a silence: unknown
  days count only between two lapse-free check-ins closer than `absence_days`, so reporting a lapse
  never adds days on track. The last episode is open (`ended_by` null) unless a lapse ended it.
- Each track has a journey of its own by the same rules, from the check-ins that report on it:
  `none` is a lapse-free day for that track, `some` or `heavy` a lapse day, and a check-in that
  does not name the track is an unknown day for it.
- `days_to_return` runs from the lapse day that ended the previous episode, or from the last
  check-in before the silence, to the check-in that starts the new episode.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from statistics import median
from typing import Literal

from babel.lists import format_list

from app.core.i18n import DEFAULT_LANGUAGE, N_, _, current_language, ngettext

MILESTONE_THRESHOLDS = (1, 7, 14, 30, 60, 90, 180, 365, 730, 1095)
LAPSE_LEVELS = ("some", "heavy")
DEFAULT_ABSENCE_DAYS = 14

Level = Literal["none", "some", "heavy"]


class State(StrEnum):
    NEW = "new"
    ON_TRACK = "on_track"
    LAPSED = "lapsed"
    AWAY = "away"


@dataclass(frozen=True)
class Day:
    """One check-in, reduced to what progress needs."""

    day: date
    lapses: dict[str, Level] = field(default_factory=dict)
    mood: int | None = None
    craving: int | None = None

    @property
    def is_lapse(self) -> bool:
        return any(level in LAPSE_LEVELS for level in self.lapses.values())


@dataclass(frozen=True)
class Episode:
    start: date
    end: date
    ended_by: Literal["lapse", "absence"] | None
    # How many days it took to come back to start this episode (None for the first).
    days_to_return: int | None
    returned_after: Literal["lapse", "absence"] | None
    # The lapse day that ended it, which a return is counted from (None unless ended by a lapse).
    lapse_day: date | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Milestone:
    kind: Literal["days_on_track_total", "run"]
    threshold: int
    reached_on: date


@dataclass(frozen=True)
class TrackJourney:
    """One track's own journey: the global figures' rules, on the days that report on it."""

    slug: str
    label: str
    state: State
    days_on_track_total: int
    current_run_days: int
    longest_run_days: int
    returns: int
    median_days_to_return: float | None
    last_days_to_return: int | None
    milestones: list[Milestone]
    free_days_total: int
    lapse_days_total: int
    heavy_days_total: int
    free_pct_30: float | None
    free_pct_90: float | None
    heavy_days_30: int


@dataclass(frozen=True)
class Journey:
    as_of: date
    state: State
    attempt: int
    returns: int
    days_on_track_total: int
    current_run_days: int
    longest_run_days: int
    median_days_to_return: float | None
    last_days_to_return: int | None
    checkin_days_total: int
    checkin_days_30: int
    first_checkin: date | None
    last_checkin: date | None
    tracks: list[TrackJourney]
    episodes: list[Episode]
    milestones: list[Milestone]
    message: str


@dataclass(frozen=True)
class WeekSummary:
    week_start: date
    checkin_days: int
    free_days: int
    lapse_days: int
    mean_mood: float | None
    mean_craving: float | None


# --- episodes ---------------------------------------------------------------------------------


def silence_between(earlier: date, later: date) -> int:
    """Calendar days strictly between two check-ins."""
    return (later - earlier).days - 1


@dataclass
class _OpenEpisode:
    start: date
    last: date
    days_to_return: int | None
    returned_after: Literal["lapse", "absence"] | None

    def close(
        self,
        end: date,
        ended_by: Literal["lapse", "absence"] | None,
        lapse_day: date | None = None,
    ) -> Episode:
        return Episode(
            self.start, end, ended_by, self.days_to_return, self.returned_after, lapse_day
        )


def episodes_of(days: Sequence[Day], absence_days: int) -> list[Episode]:
    """The episodes of check-in days sorted by date (one record per date)."""
    return list(summary_of(days, absence_days).episodes)


# --- the summary: a member's whole history, folded one check-in at a time ----------------------

# The longest window a journey shows (`free_pct_90`); older check-ins live on in the summary only.
WINDOW_DAYS = 90


@dataclass(frozen=True)
class Summary:
    """All a journey needs of a member's history beyond the last WINDOW_DAYS. It grows with
    episodes and tracks, never with days, and holds for any day from the last check-in on:
    without new check-ins, only the state and the recent windows change (see `journey_from`).

    `track_totals` maps each track ever reported to its (free, lapse, heavy) day counts, and
    `tracks` each such track to the summary of its own journey (whose `tracks` is empty)."""

    last_checkin: date | None = None
    last_is_lapse: bool = False
    first_checkin: date | None = None
    checkin_days_total: int = 0
    episodes: tuple[Episode, ...] = ()
    track_totals: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    tracks: Mapping[str, "Summary"] = field(default_factory=dict)

    @property
    def days_on_track_total(self) -> int:
        return sum(episode.days for episode in self.episodes)

    @property
    def return_days(self) -> list[date]:
        """The days each return began (the episodes after the first)."""
        return [episode.start for episode in self.episodes[1:]]


NOTHING = Summary()


class _Fold:
    """The episode rules of the module docstring as a left fold that can resume from a Summary:
    one for the whole journey, holding one per track for the days that report on it."""

    def __init__(self, summary: Summary, absence_days: int, by_track: bool = True) -> None:
        self.absence_days = absence_days
        self.closed = list(summary.episodes)
        self.current: _OpenEpisode | None = None
        if self.closed and self.closed[-1].ended_by is None:
            last = self.closed.pop()
            self.current = _OpenEpisode(
                last.start, last.end, last.days_to_return, last.returned_after
            )
        self.previous = summary.last_checkin
        self.previous_is_lapse = summary.last_is_lapse
        self.first = summary.first_checkin
        self.count = summary.checkin_days_total
        self.totals = {slug: list(counts) for slug, counts in summary.track_totals.items()}
        self.tracks: dict[str, _Fold] | None = None
        if by_track:
            self.tracks = {
                slug: _Fold(track, absence_days, by_track=False)
                for slug, track in summary.tracks.items()
            }

    def _return_from(self) -> tuple[Literal["lapse", "absence"], date] | None:
        """Why the last episode ended and the day a return is measured from."""
        if not self.closed:
            return None
        ended = self.closed[-1]
        if ended.lapse_day is not None:
            return "lapse", ended.lapse_day
        return "absence", ended.end

    def add(self, record: Day) -> None:
        if self.previous is not None and record.day <= self.previous:
            raise ValueError("check-ins are folded in date order, one per day")
        current = self.current
        if (
            current
            and self.previous
            and (silence_between(self.previous, record.day) >= self.absence_days)
        ):
            self.closed.append(current.close(current.last, "absence"))
            current = None
        if record.is_lapse:
            if current:
                # At the last lapse-free check-in: the unknown days before a lapse are not
                # credited, so reporting a lapse never adds days on track.
                self.closed.append(current.close(current.last, "lapse", record.day))
                current = None
        elif current:
            current.last = record.day
        else:
            pending = self._return_from()
            if pending:
                reason, since = pending
                current = _OpenEpisode(record.day, record.day, (record.day - since).days, reason)
            else:
                current = _OpenEpisode(record.day, record.day, None, None)
        self.current = current
        for slug, level in record.lapses.items():
            counts = self.totals.setdefault(slug, [0, 0, 0])
            counts[0] += level == "none"
            counts[1] += level in LAPSE_LEVELS
            counts[2] += level == "heavy"
            if self.tracks is not None:
                track = self.tracks.get(slug) or _Fold(Summary(), self.absence_days, False)
                track.add(Day(record.day, {slug: level}))
                self.tracks[slug] = track
        self.first = self.first or record.day
        self.count += 1
        self.previous, self.previous_is_lapse = record.day, record.is_lapse

    def summary(self) -> Summary:
        episodes = list(self.closed)
        if self.current:
            episodes.append(self.current.close(self.current.last, None))
        return Summary(
            last_checkin=self.previous,
            last_is_lapse=self.previous_is_lapse,
            first_checkin=self.first,
            checkin_days_total=self.count,
            episodes=tuple(episodes),
            track_totals={slug: (f, lapse, h) for slug, (f, lapse, h) in self.totals.items()},
            tracks={slug: fold.summary() for slug, fold in (self.tracks or {}).items()},
        )


def summary_of(days: Iterable[Day], absence_days: int = DEFAULT_ABSENCE_DAYS) -> Summary:
    """The summary of a whole history (any order; one record per date)."""
    fold = _Fold(Summary(), absence_days)
    for record in _up_to(days, date.max):
        fold.add(record)
    return fold.summary()


def extend(summary: Summary, record: Day, absence_days: int = DEFAULT_ABSENCE_DAYS) -> Summary:
    """The summary with one more check-in, later than all before it: what a daily check-in
    costs whatever the length of the history. Earlier or replaced days need `summary_of`."""
    fold = _Fold(summary, absence_days)
    fold.add(record)
    return fold.summary()


# --- the journey ------------------------------------------------------------------------------


def journey(
    days: Iterable[Day],
    tracks: Sequence[tuple[str, str]],
    as_of: date,
    absence_days: int = DEFAULT_ABSENCE_DAYS,
) -> Journey:
    """The member's journey as of a day. `tracks` are the current (slug, label) pairs."""
    history = _up_to(days, as_of)
    return journey_from(summary_of(history, absence_days), history, tracks, as_of, absence_days)


def journey_from(
    summary: Summary,
    recent: Iterable[Day],
    tracks: Sequence[tuple[str, str]],
    as_of: date,
    absence_days: int = DEFAULT_ABSENCE_DAYS,
) -> Journey:
    """The journey from a summary of every check-in up to `as_of` and the check-ins of (at least)
    the last WINDOW_DAYS up to it."""
    if summary.last_checkin is not None and summary.last_checkin > as_of:
        raise ValueError("the summary holds check-ins after as_of")
    window = [record for record in _up_to(recent, as_of) if (as_of - record.day).days < WINDOW_DAYS]
    overall = _Figures.of(summary, as_of, absence_days)
    by_track = [
        _track_journey(summary.tracks.get(slug, NOTHING), window, slug, label, as_of, absence_days)
        for slug, label in tracks
    ]
    # After a lapse, the words name the tracks that lapsed that day and the runs the others keep.
    lapsed = [
        track.label
        for track in by_track
        if track.state is State.LAPSED
        and summary.tracks[track.slug].last_checkin == summary.last_checkin
    ]
    steady = [
        (track.label, track.current_run_days)
        for track in by_track
        if track.state is State.ON_TRACK and track.current_run_days
    ]
    return Journey(
        as_of=as_of,
        state=overall.state,
        attempt=len(summary.episodes) or (1 if summary.checkin_days_total else 0),
        returns=len(overall.returns),
        days_on_track_total=summary.days_on_track_total,
        current_run_days=overall.current_run_days,
        longest_run_days=overall.longest_run_days,
        median_days_to_return=overall.median_days_to_return,
        last_days_to_return=overall.returns[-1] if overall.returns else None,
        checkin_days_total=summary.checkin_days_total,
        checkin_days_30=sum(1 for record in window if (as_of - record.day).days < 30),
        first_checkin=summary.first_checkin,
        last_checkin=summary.last_checkin,
        tracks=by_track,
        episodes=list(summary.episodes),
        milestones=overall.milestones,
        message=message_for(
            overall.state,
            len(overall.returns),
            summary.days_on_track_total,
            summary.episodes,
            lapsed,
            steady,
        ),
    )


@dataclass(frozen=True)
class _Figures:
    """What a journey and each track's journey work out alike from their summaries."""

    state: State
    returns: list[int]
    current_run_days: int
    longest_run_days: int
    median_days_to_return: float | None
    milestones: list[Milestone]

    @classmethod
    def of(cls, summary: Summary, as_of: date, absence_days: int) -> "_Figures":
        episodes = summary.episodes
        returns = [e.days_to_return for e in episodes if e.days_to_return is not None]
        open_run = bool(episodes) and episodes[-1].ended_by is None
        return cls(
            state=state_at(summary.last_checkin, summary.last_is_lapse, as_of, absence_days),
            returns=returns,
            current_run_days=episodes[-1].days if open_run else 0,
            longest_run_days=max((episode.days for episode in episodes), default=0),
            median_days_to_return=float(median(returns)) if returns else None,
            milestones=milestones_of(episodes),
        )


def _up_to(days: Iterable[Day], as_of: date) -> list[Day]:
    by_day = {record.day: record for record in days if record.day <= as_of}
    return [by_day[day] for day in sorted(by_day)]


def state_at(
    last_checkin: date | None, last_is_lapse: bool, as_of: date, absence_days: int
) -> State:
    """Where a member stands on `as_of`, from their last check-in up to then."""
    if last_checkin is None:
        return State.NEW
    if (as_of - last_checkin).days >= absence_days:
        return State.AWAY
    return State.LAPSED if last_is_lapse else State.ON_TRACK


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _track_journey(
    track: Summary, window: Sequence[Day], slug: str, label: str, as_of: date, absence_days: int
) -> TrackJourney:
    levels = [(record.day, record.lapses[slug]) for record in window if slug in record.lapses]

    def last(days: int) -> list[Level]:
        return [level for day, level in levels if (as_of - day).days < days]

    last_30, last_90 = last(30), last(90)
    free_days_total, lapse_days_total, heavy_days_total = track.track_totals.get(slug, (0, 0, 0))
    figures = _Figures.of(track, as_of, absence_days)
    return TrackJourney(
        slug=slug,
        label=label,
        state=figures.state,
        days_on_track_total=track.days_on_track_total,
        current_run_days=figures.current_run_days,
        longest_run_days=figures.longest_run_days,
        returns=len(figures.returns),
        median_days_to_return=figures.median_days_to_return,
        last_days_to_return=figures.returns[-1] if figures.returns else None,
        milestones=figures.milestones,
        free_days_total=free_days_total,
        lapse_days_total=lapse_days_total,
        heavy_days_total=heavy_days_total,
        free_pct_30=_percent(last_30.count("none"), len(last_30)),
        free_pct_90=_percent(last_90.count("none"), len(last_90)),
        heavy_days_30=last_30.count("heavy"),
    )


def milestones_of(episodes: Sequence[Episode]) -> list[Milestone]:
    """Cumulative milestones on the day the total reached them; run milestones the first time an
    episode lasted that long. Both come from history, so they stay once reached."""
    reached: list[Milestone] = []
    total_before = 0
    for episode in episodes:
        for threshold in MILESTONE_THRESHOLDS:
            if total_before < threshold <= total_before + episode.days:
                day = episode.start + timedelta(days=threshold - total_before - 1)
                reached.append(Milestone("days_on_track_total", threshold, day))
        total_before += episode.days
    for threshold in MILESTONE_THRESHOLDS:
        first = next((episode for episode in episodes if episode.days >= threshold), None)
        if first is not None:
            day = first.start + timedelta(days=threshold - 1)
            reached.append(Milestone("run", threshold, day))
    return sorted(reached, key=lambda milestone: (milestone.reached_on, milestone.kind))


# --- words ------------------------------------------------------------------------------------
# Whole sentences, each a message in the catalogs (app/locales), counts by ngettext.

COME_BACK = N_("Many people come back five to ten times before a change holds.")
# Past this many returns, "five to ten times" would read as a count running out.
COME_BACK_UP_TO = 10
KEEP_COMING_BACK = N_("Every return counts, however many it takes.")
# "Welcome back" greets the first days of a stretch; after that it would sound like news.
WELCOME_BACK_DAYS = 7


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _ordinal(number: int) -> str:
    """English ordinals by rule ("2nd"); other languages by their catalogs ("2.º")."""
    if current_language() != DEFAULT_LANGUAGE:
        # TRANSLATORS: an ordinal number, as in "your 2nd return" (Spanish: "%(number)d.º").
        return _("%(number)d (ordinal)") % {"number": number}
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _coming_back(returns: int) -> str:
    return _(COME_BACK if returns < COME_BACK_UP_TO else KEEP_COMING_BACK)


def _still_yours(total: int) -> list[str]:
    # Never "your 0 days": with none yet, there is nothing to reassure about.
    if not total:
        return []
    words = ngettext(
        "Your %(count)d day on track is still yours.",
        "Your %(count)d days on track are still yours.",
        total,
    )
    return [words % {"count": total}]


def _named(labels: Sequence[str]) -> str:
    return format_list([f"“{label}”" for label in labels], locale=current_language())


def _lapse_in(lapsed: Sequence[str], steady: Sequence[tuple[str, int]], total: int) -> list[str]:
    """What a lapse leaves standing: named by track when the member keeps several."""
    if not lapsed:
        return [_("A lapse takes nothing away."), *_still_yours(total)]
    if not steady:
        sentence = _("A lapse in %(tracks)s takes nothing away.")
        return [sentence % {"tracks": _named(lapsed)}, *_still_yours(total)]
    (label, run), *others = steady
    first = ngettext(
        "%(count)d day on track with %(track)s", "%(count)d days on track with %(track)s", run
    )
    runs = [first % {"count": run, "track": f"“{label}”"}]
    for name, count in others:
        more = ngettext("%(count)d with %(track)s", "%(count)d with %(track)s", count)
        runs.append(more % {"count": count, "track": f"“{name}”"})
    sentence = _("A lapse in %(tracks)s takes nothing away from your %(runs)s.")
    runs_listed = format_list(runs, locale=current_language())
    return [sentence % {"tracks": _named(lapsed), "runs": runs_listed}]


def message_for(
    state: State,
    returns: int,
    total: int,
    episodes: Sequence[Episode],
    lapsed: Sequence[str] = (),
    steady: Sequence[tuple[str, int]] = (),
) -> str:
    """Warm and factual, in the reader's language. Every return is welcomed and counted; nothing
    is ever lost. Never "0 days"; "five to ten times" only while it is not past; "welcome back"
    only early in a stretch. After a lapse it names the tracks that lapsed (`lapsed`, labels) and
    the current runs of the others (`steady`, label and days), not everything."""
    if state is State.NEW:
        return _("Welcome. Check in whenever you can: every day you do is part of your journey.")
    if state is State.AWAY:
        sentences = [
            _("Welcome, whenever you are ready."),
            *_still_yours(total),
            _coming_back(returns),
            _("Coming back is part of it."),
        ]
    elif state is State.LAPSED:
        sentences = [
            _("Thank you for checking in honestly."),
            *_lapse_in(lapsed, steady, total),
            _coming_back(returns),
        ]
    else:
        current = episodes[-1]
        counts = {
            "ordinal": _ordinal(returns),
            "total": _days(total),
            "stretch": _days(current.days),
        }
        if returns and current.days <= WELCOME_BACK_DAYS:
            sentences = [
                _("Welcome back: this is your %(ordinal)s return, and it counts.") % counts,
                _coming_back(returns),
                _("You have %(total)s on track in all, %(stretch)s on this stretch.") % counts,
            ]
        elif returns:
            sentences = [
                _(
                    "You have %(stretch)s on this stretch and %(total)s on track in all, since "
                    "your %(ordinal)s return."
                )
                % counts,
                _("Keep checking in, one day at a time."),
            ]
        else:
            sentences = [
                _("You have %(total)s on track.") % counts,
                _("Keep checking in, one day at a time."),
            ]
    return " ".join(sentences)


# --- weekly series for charts -----------------------------------------------------------------


def week_start(day: date) -> date:
    """Monday of the calendar week holding `day`."""
    return day - timedelta(days=day.weekday())


def weekly(days: Iterable[Day], as_of: date, weeks: int) -> list[WeekSummary]:
    """The last `weeks` calendar weeks (Monday to Sunday) up to the one holding `as_of`, oldest
    first. A check-in day is free when it reports `none` on some track and a lapse on none."""
    last_week = week_start(as_of)
    first_week = last_week - timedelta(weeks=weeks - 1)
    buckets: dict[date, list[Day]] = {first_week + timedelta(weeks=i): [] for i in range(weeks)}
    for record in _up_to(days, as_of):
        start = week_start(record.day)
        if start in buckets:
            buckets[start].append(record)
    return [_week(start, records) for start, records in buckets.items()]


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _week(start: date, records: Sequence[Day]) -> WeekSummary:
    return WeekSummary(
        week_start=start,
        checkin_days=len(records),
        free_days=sum(
            1 for record in records if not record.is_lapse and "none" in record.lapses.values()
        ),
        lapse_days=sum(1 for record in records if record.is_lapse),
        mean_mood=_mean([record.mood for record in records if record.mood is not None]),
        mean_craving=_mean([record.craving for record in records if record.craving is not None]),
    )
