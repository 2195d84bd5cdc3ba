"""Meetings: facilitators manage their group's weekly meetings; public ones make up a Code for
Recovery Meeting Guide feed. The feed carries meeting facts only: no group members, no handles,
no personal names (facilitators are asked to keep names out of meeting names too)."""

import re
import uuid
from typing import Any

from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from app.core.errors import not_found, refuse_removal, validation_problem
from app.core.runtime import Runtime
from app.groups.access import GroupAccess, facilitators_with_role
from app.meetings.schemas import (
    FIELDS,
    NEVER_NULL,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    check_meeting,
)
from app.models import Meeting, PeerGroup


def _slug(name: str, meeting_id: uuid.UUID) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48].strip("-") or "meeting"
    return f"{words}-{meeting_id.hex[:8]}"


def _out(meeting: Meeting) -> MeetingOut:
    return MeetingOut.model_validate(meeting, from_attributes=True)


def _whole(fields: dict[str, Any]) -> None:
    try:
        check_meeting(fields)
    except PydanticCustomError as exc:
        raise validation_problem(["body"], str(exc)) from exc


def create(runtime: Runtime, session: Session, access: GroupAccess, body: MeetingIn) -> MeetingOut:
    _whole(body.model_dump())
    meeting_id = uuid.uuid4()
    meeting = Meeting(
        id=meeting_id,
        group_id=access.group.id,
        slug=_slug(body.name, meeting_id),
        updated_at=runtime.clock(),
        **{name: getattr(body, name) for name in FIELDS},
    )
    session.add(meeting)
    session.commit()
    return _out(meeting)


def listed(session: Session, access: GroupAccess) -> list[MeetingOut]:
    rows = session.exec(
        select(Meeting)
        .where(Meeting.group_id == access.group.id)
        .order_by(col(Meeting.day), col(Meeting.time), col(Meeting.id))
    ).all()
    return [_out(row) for row in rows]


def _find(session: Session, access: GroupAccess, meeting_id: uuid.UUID) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != access.group.id:
        raise not_found("meeting")
    return meeting


def get(session: Session, access: GroupAccess, meeting_id: uuid.UUID) -> MeetingOut:
    return _out(_find(session, access, meeting_id))


def update(
    runtime: Runtime,
    session: Session,
    access: GroupAccess,
    meeting_id: uuid.UUID,
    patch: MeetingPatch,
) -> MeetingOut:
    meeting = _find(session, access, meeting_id)
    sent = patch.model_fields_set
    refuse_removal(patch, NEVER_NULL)
    merged: dict[str, Any] = {name: getattr(meeting, name) for name in FIELDS}
    merged.update({name: getattr(patch, name) for name in sent})
    _whole(merged)
    for name in sent:
        setattr(meeting, name, merged[name])
    meeting.updated_at = runtime.clock()
    session.add(meeting)
    session.commit()
    return _out(meeting)


def remove(session: Session, access: GroupAccess, meeting_id: uuid.UUID) -> None:
    session.delete(_find(session, access, meeting_id))
    session.commit()


def looked_after() -> Any:
    """A condition on a meeting: its group has a facilitator with the role. A feed must not send
    people to meetings nobody looks after (or whose address nobody can correct)."""
    return facilitators_with_role(Meeting.group_id).exists()


def feed(session: Session) -> list[dict[str, Any]]:
    """Public meetings as a Meeting Guide JSON feed: a flat array, `name` and `slug` always, of
    groups open and looked after."""
    rows = session.exec(
        select(Meeting)
        .join(PeerGroup, col(PeerGroup.id) == col(Meeting.group_id))
        .where(col(Meeting.public), col(PeerGroup.archived_at).is_(None), looked_after())
        .order_by(col(Meeting.slug))
    ).all()
    return [_feed_item(row) for row in rows]


def _feed_item(meeting: Meeting) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": meeting.name,
        "slug": meeting.slug,
        "day": meeting.day,
        "time": meeting.time,
        "timezone": meeting.timezone,
        "types": list(meeting.types),
        "updated": meeting.updated_at.strftime("%Y-%m-%d %H:%M:%S"),
    }
    optional = {
        "end_time": meeting.end_time,
        "conference_url": meeting.conference_url,
        "conference_phone": meeting.conference_phone,
        # Online meetings give an approximate place (a city) so apps can find them nearby.
        "formatted_address": meeting.address,
    }
    item.update({key: value for key, value in optional.items() if value})
    if meeting.address:
        item["approximate"] = "yes" if meeting.approximate else "no"
    return item
