"""Benchmark data: members' daily check-ins with realistic lapses, silences and returns."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from app.core.db import create_database, new_session
from app.models import Checkin
from app.progress.summary import refresh_summary

NEEDS = ("shelter", "food", "legal", "mental-health", "substance-use", "employment", "daycare")


def realistic_days(count: int, seed: int) -> list[tuple[date, dict[str, str], int]]:
    """Daily check-ins with occasional lapse streaks and silences, ending today."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    days, day = [], today - timedelta(days=count - 1)
    while day <= today:
        if rng.random() < 0.02:  # a silence of 1 to 20 days
            day += timedelta(days=rng.randint(1, 20))
            continue
        level = "none"
        if rng.random() < 0.04:
            level = rng.choice(["some", "some", "heavy"])
        days.append((day, {"recovery": level}, rng.randint(1, 5)))
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
