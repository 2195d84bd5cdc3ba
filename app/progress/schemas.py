"""What a member keeps track of, and the journey as the API sends it (API contract §4)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.core.schemas import StrictInput

TRACKS_MAX = 5
TrackSlug = Annotated[
    str,
    Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", examples=["substances"], description="a-z, 0-9, -"),
]


TrackKind = Literal["the-life", "substances", "alcohol", "gambling", "other"]
KIND_DESCRIPTION = (
    "What the track is about; the support block lists first the lines that fit it. Left out, it "
    "is read from the slug (`the-life`, `drugs`, `drinking`…), else `other`."
)


class TrackIn(StrictInput):
    slug: TrackSlug
    label: Annotated[str, Field(min_length=1, max_length=60, examples=["Staying out of the life"])]
    kind: TrackKind | None = Field(default=None, description=KIND_DESCRIPTION)


TracksIn = Annotated[list[TrackIn], Field(min_length=1, max_length=TRACKS_MAX)]


class TrackOut(BaseModel):
    slug: str
    label: str
    kind: TrackKind


class EpisodeOut(BaseModel):
    start: date
    end: date
    days: int
    ended_by: Literal["lapse", "absence"] | None
    days_to_return: int | None


class MilestoneOut(BaseModel):
    kind: Literal["days_on_track_total", "run"]
    threshold: int
    reached_on: date


class TrackProgress(BaseModel):
    """One track's own journey: the rules of the whole journey, on the days that report on it
    (docs/progress.md)."""

    slug: str
    label: str
    kind: TrackKind
    state: Literal["new", "on_track", "lapsed", "away"]
    days_on_track_total: int
    current_run_days: int
    longest_run_days: int
    returns: int
    median_days_to_return: float | None
    last_days_to_return: int | None
    milestones: list[MilestoneOut]
    free_days_total: int
    lapse_days_total: int
    heavy_days_total: int
    free_pct_30: float | None = Field(description="% of reported days free, last 30 days")
    free_pct_90: float | None = Field(description="% of reported days free, last 90 days")
    heavy_days_30: int


class ProgressOut(BaseModel):
    as_of: date
    state: Literal["new", "on_track", "lapsed", "away"]
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
    tracks: list[TrackProgress]
    episodes: list[EpisodeOut]
    milestones: list[MilestoneOut]
    message: str


class WeekOut(BaseModel):
    week_start: date = Field(description="Monday of the calendar week")
    checkin_days: int
    free_days: int
    lapse_days: int
    mean_mood: float | None
    mean_craving: float | None
