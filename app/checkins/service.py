"""Check-ins: one per member per local calendar day, written with PUT so clients can retry.

Preconditions (If-Match, If-None-Match) let an offline client replay queued writes without
overwriting newer data or bringing back a day the member deleted.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from app.accounts.deps import Caller
from app.accounts.keys import MemberCipher, ensure_cipher, open_cipher, open_sealed
from app.checkins.schemas import CheckinIn, CheckinOut, CheckinPatch, CheckinWritten
from app.checkins.support import support_for
from app.core.caching import tags_of
from app.core.dates import member_date, parse_day
from app.core.errors import AppError, not_found, validation_problem
from app.core.i18n import _
from app.core.pagination import Keyset, Page, PageParams, keyset_page
from app.core.runtime import Runtime
from app.models import Account, Checkin
from app.progress import engine
from app.progress.schemas import TrackKind
from app.progress.summary import refresh_summary
from app.progress.tracks import active_kinds
from app.resources.categories import categories

DAYS_BACK = 366
CHECKINS = Keyset("checkins", (date,), descending=True)  # newest first
Out = TypeVar("Out", bound=CheckinOut)
WRITE_ATTEMPTS = 3


# --- dates ------------------------------------------------------------------------------------


def writable_day(account: Account, text: str, now: datetime) -> date:
    day = parse_day(text, ["path", "date"])
    today = member_date(account, now)
    if day > today:
        raise validation_problem(
            ["path", "date"],
            _("That date is after your today (%(today)s in %(zone)s).")
            % {"today": today.isoformat(), "zone": account.timezone},
        )
    if day < today - timedelta(days=DAYS_BACK):
        raise validation_problem(
            ["path", "date"],
            _("Check-ins reach back at most %(count)d days.") % {"count": DAYS_BACK},
        )
    return day


# --- preconditions ----------------------------------------------------------------------------


def quoted(etag: str) -> str:
    return f'"{etag}"'


@dataclass(frozen=True)
class Preconditions:
    if_match: str | None = None
    if_none_match: str | None = None

    def check(self, row: Checkin | None) -> None:
        current = quoted(row.etag) if row else None
        if self.if_match is not None:
            tags = tags_of(self.if_match)
            if current is None or ("*" not in tags and current not in tags):
                raise _stale(current)
        if self.if_none_match is not None:
            tags = tags_of(self.if_none_match)
            if current is not None and ("*" in tags or current in tags):
                raise _stale(current)


def _stale(current: str | None) -> AppError:
    return AppError(
        412,
        "precondition-failed",
        "This check-in changed (or was deleted) since your copy. Nothing was written; "
        "fetch the day again before changing it.",
        headers={"ETag": current} if current else None,
    )


# --- reading and writing ----------------------------------------------------------------------


def _context_ref(day: date) -> str:
    return day.isoformat()


def to_out(row: Checkin, cipher: MemberCipher | None) -> CheckinOut:
    ref = _context_ref(row.day)
    triggers = open_sealed(cipher, "checkin", ref, "triggers", row.triggers_sealed) or []
    note = open_sealed(cipher, "checkin", ref, "note", row.note_sealed)
    return _out(CheckinOut, row, triggers, note)


def _out(kind: type[Out], row: Checkin, triggers: list[str], note: str | None, **more: Any) -> Out:
    return kind(
        date=row.day,
        mood=row.mood,
        craving=row.craving,
        difficulty=row.difficulty,
        safe=row.safe,
        lapses=row.lapses,
        attended_meeting=row.attended_meeting,
        reached_out=row.reached_out,
        needs=list(row.needs),
        triggers=triggers,
        note=note,
        created_at=row.created_at,
        updated_at=row.updated_at,
        **more,
    )


def _find(session: Session, account_id: uuid.UUID, day: date, lock: bool = False) -> Checkin | None:
    # Ownership is part of the query: another member's day is simply not there.
    statement = select(Checkin).where(Checkin.account_id == account_id, Checkin.day == day)
    if lock:
        statement = statement.with_for_update()
    return session.exec(statement.execution_options(populate_existing=True)).first()


def _unknown_references(field: str, unknown: list[str], detail: str) -> AppError:
    return AppError(
        422,
        "validation",
        detail,
        errors=[{"loc": ["body", field, slug], "msg": f"Unknown: {slug}"} for slug in unknown],
    )


def _check_references(
    session: Session, account_id: uuid.UUID, body: CheckinIn
) -> tuple[list[str], dict[str, TrackKind]]:
    """Lapses only for the member's tracks, needs only from known categories (422 otherwise).
    Returns the needs, once each, and the kinds of the member's tracks."""
    tracks = active_kinds(session, account_id)
    if body.lapses:
        unknown = [slug for slug in body.lapses if slug not in tracks]
        if unknown:
            raise _unknown_references(
                "lapses", unknown, "A lapse names a track you do not have. Add the track first."
            )
    needs = list(dict.fromkeys(body.needs or []))  # repeated needs count once
    if needs:
        known = {term.code for term in categories(session, needs)}
        unknown = [slug for slug in needs if slug not in known]
        if unknown:
            raise _unknown_references(
                "needs", unknown, "A need names an unknown category; see /v1/resources/categories."
            )
    return needs, tracks


def put_checkin(
    runtime: Runtime,
    session: Session,
    caller: Caller,
    day_text: str,
    body: CheckinIn,
    preconditions: Preconditions,
) -> tuple[CheckinWritten, bool, str]:
    """Create or replace a day. Returns (the check-in, whether it was created, its ETag)."""
    account = caller.account
    day = writable_day(account, day_text, runtime.clock())
    needs, kinds = _check_references(session, account.id, body)
    return _write(runtime, session, account, day, body, needs, kinds, preconditions)


def merged(current: dict[str, Any], patch: CheckinPatch) -> dict[str, Any]:
    """RFC 7396 on a day: fields sent replace (null clears), `lapses` merges by track."""
    result = dict(current)
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if name == "lapses" and value is not None:
            lapses = dict(result.get("lapses") or {})
            for slug, level in value.items():
                if level is None:
                    lapses.pop(slug, None)
                else:
                    lapses[slug] = level
            value = lapses or None
        result[name] = value
    return result


def patch_checkin(
    runtime: Runtime,
    session: Session,
    caller: Caller,
    day_text: str,
    patch: CheckinPatch,
    preconditions: Preconditions,
) -> tuple[CheckinWritten, str]:
    """Change only what the patch names. 404 when the day has no check-in; nothing is written
    unless the whole result is a valid check-in."""
    account = caller.account
    day = writable_day(account, day_text, runtime.clock())
    row = _find(session, account.id, day, lock=True)
    if row is None:
        raise not_found("check-in")
    preconditions.check(row)
    current = to_out(row, open_cipher(runtime, session, account.id)).model_dump(
        include=set(CheckinIn.model_fields)
    )
    try:
        # An empty list or map says nothing, as null does.
        result = {
            name: None if value in ([], {}) else value
            for name, value in merged(current, patch).items()
        }
        body = CheckinIn.model_validate(result)
    except ValidationError as exc:
        raise AppError(
            422,
            "validation",
            "After this change the day would say nothing. To remove it, delete it.",
            errors=[{"loc": ["body"], "msg": error["msg"]} for error in exc.errors()],
        ) from exc
    # Only what the patch brings is checked against tracks and categories: a day that names a
    # track removed since keeps it.
    sent_lapses = {slug: level for slug, level in (patch.lapses or {}).items() if level}
    _needs, kinds = _check_references(
        session,
        account.id,
        CheckinIn.model_construct(lapses=sent_lapses or None, needs=patch.needs),
    )
    needs = list(dict.fromkeys(body.needs or []))
    # The row is locked: the write below sees the same version the patch was applied to.
    same = Preconditions(if_match=quoted(row.etag))
    written, _, etag = _write(runtime, session, account, day, body, needs, kinds, same)
    return written, etag


def _write(
    runtime: Runtime,
    session: Session,
    account: Account,
    day: date,
    body: CheckinIn,
    needs: list[str],
    kinds: dict[str, TrackKind],
    preconditions: Preconditions,
) -> tuple[CheckinWritten, bool, str]:
    now = runtime.clock()
    ref = _context_ref(day)
    for attempt in range(WRITE_ATTEMPTS):
        cipher = ensure_cipher(runtime, session, account.id)
        row = _find(session, account.id, day, lock=True)
        preconditions.check(row)
        created = row is None
        if row is None:
            row = Checkin(account_id=account.id, day=day, etag="", created_at=now, updated_at=now)
        row.mood, row.craving, row.difficulty = body.mood, body.craving, body.difficulty
        row.safe, row.attended_meeting, row.reached_out = (
            body.safe,
            body.attended_meeting,
            body.reached_out,
        )
        row.lapses = dict(body.lapses or {})
        row.needs = needs
        row.triggers_sealed = cipher.seal_json("checkin", ref, "triggers", body.triggers)
        row.note_sealed = cipher.seal_json("checkin", ref, "note", body.note)
        row.etag = uuid.uuid4().hex
        row.updated_at = now
        session.add(row)
        try:
            written_day = engine.Day(day, row.lapses, row.mood, row.craving)  # type: ignore[arg-type]
            refresh_summary(session, account.id, runtime.settings.absence_days, now, written_day)
            # Read before COMMIT, inside the one write transaction (no second one after it).
            written = _out(
                CheckinWritten,
                row,
                list(body.triggers or []),
                body.note,
                support=support_for(session, body, needs, kinds),
            )
            session.commit()
        except IntegrityError:
            # Another request created this day a moment ago; try again as an update.
            session.rollback()
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            continue
        return written, created, quoted(row.etag)
    raise AssertionError("unreachable")


def get_checkin(
    runtime: Runtime, session: Session, caller: Caller, day_text: str
) -> tuple[CheckinOut, str]:
    day = parse_day(day_text, ["path", "date"])
    row = _find(session, caller.account.id, day)
    if row is None:
        raise not_found("check-in")
    return to_out(row, open_cipher(runtime, session, caller.account.id)), quoted(row.etag)


def delete_checkin(
    runtime: Runtime,
    session: Session,
    caller: Caller,
    day_text: str,
    preconditions: Preconditions,
) -> None:
    day = parse_day(day_text, ["path", "date"])
    row = _find(session, caller.account.id, day, lock=True)
    if row is None:
        raise not_found("check-in")
    preconditions.check(row)
    session.delete(row)
    refresh_summary(session, caller.account.id, runtime.settings.absence_days, runtime.clock())
    session.commit()


def list_checkins(
    runtime: Runtime,
    session: Session,
    caller: Caller,
    first: date | None,
    last: date | None,
    page: PageParams,
) -> Page[CheckinOut]:
    if first and last and first > last:
        raise validation_problem(["query", "from"], "`from` must not be after `to`.")
    statement = select(Checkin).where(Checkin.account_id == caller.account.id)
    if first:
        statement = statement.where(Checkin.day >= first)
    if last:
        statement = statement.where(Checkin.day <= last)
    rows, next_cursor = keyset_page(
        session,
        statement,
        [col(Checkin.day)],
        CHECKINS,
        page,
        lambda row: (row.day,),
        runtime.cursor_secret,
    )
    cipher = open_cipher(runtime, session, caller.account.id)
    return Page[CheckinOut](items=[to_out(row, cipher) for row in rows], next_cursor=next_cursor)


# --- this domain's share of export and delete -------------------------------------------------


def export_checkins(
    runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, object]]:
    rows = session.exec(
        select(Checkin).where(Checkin.account_id == account_id).order_by(col(Checkin.day))
    ).all()
    if not rows:
        return []
    cipher = open_cipher(runtime, session, account_id)
    return [to_out(row, cipher).model_dump(mode="json") for row in rows]


def delete_checkins(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(Checkin).where(col(Checkin.account_id) == account_id))
