"""Benchmark data: members' daily check-ins with realistic lapses, silences and returns."""

import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import text

from app.core.config import Settings
from app.core.db import create_database, new_session
from app.groups.aggregate import compute_weeks, last_closed_week
from app.groups.release import week_starts
from app.models import Checkin
from app.progress.summary import refresh_summary

NEEDS = ("shelter", "food", "legal", "mental-health", "substance-use", "employment", "daycare")


# Two tracks that lapse apart, as most members' do: each with a journey of its own to fold.
TRACKS = (
    {"slug": "substances", "label": "Substances"},
    {"slug": "the-life", "label": "Staying out of the life"},
)


def realistic_days(count: int, seed: int) -> list[tuple[date, dict[str, str], int]]:
    """Daily check-ins on both TRACKS with occasional lapses and silences, ending today."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    days, day = [], today - timedelta(days=count - 1)
    while day <= today:
        if rng.random() < 0.02:  # a silence of 1 to 20 days
            day += timedelta(days=rng.randint(1, 20))
            continue
        lapses = {
            track["slug"]: rng.choice(["some", "some", "heavy"]) if rng.random() < 0.03 else "none"
            for track in TRACKS
        }
        days.append((day, lapses, rng.randint(1, 5)))
        day += timedelta(days=1)
    return days


def insert_checkins(
    database_url: str, account_id: uuid.UUID, history_days: int, seed: int, needs: bool = False
) -> int:
    """Write the member's history straight into the database (no notes), with their progress
    summary, as the API would have left it. Returns how many check-ins."""
    rng = random.Random(seed * 7919)
    now = datetime.now(UTC)
    days = realistic_days(history_days, seed)
    database = create_database(database_url)
    with new_session(database.writer) as session:
        for day, lapses, mood in days:
            session.add(
                Checkin(
                    account_id=account_id,
                    day=day,
                    lapses=lapses,
                    mood=mood,
                    craving=rng.randint(1, 5),
                    needs=[rng.choice(NEEDS)] if needs and rng.random() < 0.1 else [],
                    etag=uuid.uuid4().hex,
                    created_at=now,
                    updated_at=now,
                )
            )
        refresh_summary(session, account_id, 14, now)
        session.commit()
    database.dispose()
    return len(days)


def backdate_group(database_url: str, group_id: uuid.UUID, days: int) -> None:
    """As if the group and its members had begun `days` ago, so their histories count for the
    group's figures (check-ins count only from the day after joining)."""
    since = datetime.now(UTC) - timedelta(days=days)
    database = create_database(database_url)
    value = group_id.hex if database.is_sqlite else group_id
    with database.writer.begin() as connection:
        connection.execute(
            text("UPDATE peer_group SET created_at = :since WHERE id = :id"),
            {"since": since, "id": value},
        )
        connection.execute(
            text("UPDATE membership_span SET counts_from = :since WHERE group_id = :id"),
            {"since": since.date(), "id": value},
        )
    database.dispose()


def time_releases(database_url: str, group_id: uuid.UUID, weeks: int, repeats: int) -> list[float]:
    """Milliseconds to compute fresh releases of the group's last `weeks` closed weeks, in
    process (database reads, contributions and OpenDP noise; nothing stored)."""
    database = create_database(database_url)
    runtime = SimpleNamespace(settings=Settings(database_url=database_url))
    last = last_closed_week(datetime.now(UTC).date())
    starts = week_starts(last, weeks)
    samples = []
    for _ in range(repeats):
        with new_session(database.reader) as session:
            started = time.perf_counter()
            compute_weeks(runtime, session, group_id, starts)  # type: ignore[arg-type]
            samples.append((time.perf_counter() - started) * 1000)
    database.dispose()
    return samples
