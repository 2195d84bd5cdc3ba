"""Throttling of password and code guessing, with counters in the database.

Each subject (a handle, an address, an account, a device) has a failure streak. Once the streak
reaches the rule's threshold the subject is blocked for 1 s, and every further failure after the
block doubles the next one, up to 15 minutes. Attempts made while blocked are answered 429 and
neither count nor lengthen the block. A streak is forgotten after 15 quiet minutes (counted from
the end of its last block).

An abuser who knows only a member's handle must not be able to shut the member out: a handle is
blocked at most an hour in a (UTC) day, after which its failures block nothing (guessing then
meets the per-address throttle, which has no such cap, an IPv6 /64 counting as one address); a
device the member has logged in from is not blocked by a handle's or an address's failures at
all (app/accounts/devices.py); and recovery keeps a throttle of its own.

Subjects are stored as HMACs, so the table reveals neither handles nor addresses. Counting is the
same for handles that exist and handles that do not, so a 429 tells nothing.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, or_, select, update

from app.core.db import insert_if_absent
from app.core.errors import AppError
from app.core.security import keyed_digest
from app.models import Throttle

FIRST_BLOCK_SECONDS = 1
MAX_BLOCK_SECONDS = 900
FORGET_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Rule:
    scope: str
    threshold: int
    first_block_seconds: int = FIRST_BLOCK_SECONDS
    # For subjects anyone can name (a handle): the most seconds they are blocked in a day.
    daily_block_cap: int | None = None


HANDLE_DAILY_BLOCK_CAP = 3600
LOGIN_PER_HANDLE = Rule("login-handle", threshold=5, daily_block_cap=HANDLE_DAILY_BLOCK_CAP)
LOGIN_PER_ADDRESS = Rule("login-address", threshold=20)
LOGIN_PER_DEVICE = Rule("login-device", threshold=5)
RECOVER_PER_HANDLE = Rule("recover-handle", threshold=5, daily_block_cap=HANDLE_DAILY_BLOCK_CAP)
RECOVER_PER_ADDRESS = Rule("recover-address", threshold=20)
PASSWORD_PER_ACCOUNT = Rule("password-account", threshold=5)
REGISTER_PER_ADDRESS = Rule("register-address", threshold=30)
# Asking for a handle that is taken (registering, renaming) says it exists: counted like a guess.
HANDLE_PER_ACCOUNT = Rule("handle-account", threshold=10, first_block_seconds=60)
HANDLE_PER_ADDRESS = Rule("handle-address", threshold=30, first_block_seconds=60)
# Invite codes open a group's roster: a guesser waits a minute from the tenth miss on.
INVITE_PER_ACCOUNT = Rule("invite-account", threshold=10, first_block_seconds=60)
INVITE_PER_ADDRESS = Rule("invite-address", threshold=30, first_block_seconds=60)
# Each request to be reached counts: a person asks a few times, a script floods facilitators.
REACH_OUT_PER_ACCOUNT = Rule("reach-out-account", threshold=5, first_block_seconds=60)


@dataclass(frozen=True)
class Subject:
    rule: Rule
    value: str


class Throttled(AppError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "too-many-attempts",
            "Too many attempts. Wait before trying again.",
            headers={"Retry-After": str(retry_after)},
        )


class Throttler:
    def __init__(self, key: bytes, enabled: bool) -> None:
        self._key = key
        self.enabled = enabled

    def _row_key(self, subject: Subject) -> str:
        return keyed_digest(self._key, subject.rule.scope, subject.value)

    def _locked_row(self, session: Session, subject: Subject, now: datetime) -> Throttle:
        key = self._row_key(subject)
        insert_if_absent(session, Throttle, {"key": key, "failures": 0, "last_failure_at": now})
        row = session.exec(
            select(Throttle)
            .where(Throttle.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        # Quiet time counts from the end of the last block: nobody can fail during one.
        quiet_since = max(row.last_failure_at, row.blocked_until or row.last_failure_at)
        if row.failures and now - quiet_since > FORGET_AFTER:
            row.failures = 0
        return row

    def guard_and_commit(
        self,
        session: Session,
        subjects: Sequence[Subject],
        now: datetime,
        counting: Sequence[Subject] = (),
    ) -> None:
        """Raise 429 if any subject is blocked (the attempt neither counts nor lengthens the
        block). Else the attempt is counted at once as a failure against the subjects in
        `counting` (a success clears it): guesses sent together are each counted before any is
        verified, so racing them gets no more tries. Commits either way, so the caller can verify
        a password without holding a write lock."""
        rows = [
            (subject, self._locked_row(session, subject, now))
            for subject in (subjects if self.enabled else ())
        ]
        waits = [_seconds_until(row.blocked_until, now) for _, row in rows if _blocked(row, now)]
        if not waits:
            for subject, row in rows:
                if subject in counting:
                    _count_failure(row, subject.rule, now)
        session.commit()
        if waits:
            raise Throttled(max(waits))

    def count(self, session: Session, subjects: Sequence[Subject], now: datetime) -> None:
        """Count one attempt per subject: a failure, or a use of a scarce action. Caller commits."""
        if not self.enabled:
            return
        for subject in subjects:
            _count_failure(self._locked_row(session, subject, now), subject.rule, now)
        # Forgotten streaks are dead weight; clearing them here keeps the table small (a row that
        # holds today's blocked time stays, or waiting an hour would reset a handle's daily cap).
        session.exec(
            delete(Throttle).where(
                col(Throttle.last_failure_at) < now - FORGET_AFTER * 4,
                or_(col(Throttle.blocked_day).is_(None), col(Throttle.blocked_day) < now.date()),
            )
        )

    def clear(self, session: Session, subject: Subject) -> None:
        """Forget a streak after a success (the time blocked today stays counted, or a success
        would give the abuser a fresh hour). The caller commits."""
        session.exec(
            update(Throttle)
            .where(col(Throttle.key) == self._row_key(subject))
            .values(failures=0, blocked_until=None)
        )


def _blocked(row: Throttle, now: datetime) -> bool:
    return row.blocked_until is not None and row.blocked_until > now


def _count_failure(row: Throttle, rule: Rule, now: datetime) -> None:
    row.failures += 1
    row.last_failure_at = now
    if row.failures < rule.threshold:
        return
    doublings = min(row.failures - rule.threshold, 20)
    seconds = min(MAX_BLOCK_SECONDS, rule.first_block_seconds * 2**doublings)
    if rule.daily_block_cap is not None:
        if row.blocked_day != now.date():
            row.blocked_day, row.blocked_seconds = now.date(), 0
        seconds = min(seconds, rule.daily_block_cap - row.blocked_seconds)
        if seconds <= 0:
            return  # the day's hour is spent: guessing meets the address's throttle instead
        row.blocked_seconds += seconds
    row.blocked_until = now + timedelta(seconds=seconds)


def _seconds_until(moment: datetime | None, now: datetime) -> int:
    assert moment is not None
    return max(1, math.ceil((moment - now).total_seconds()))
