"""Crisis lines: national lines that answer around the clock (seeded), and nearby 24/7 hotlines
from the directory. Shown with no login, and in the support block after a hard check-in."""

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from app.core.i18n import _, current_language
from app.core.pagination import PageParams
from app.core.runtime import Runtime
from app.models import CrisisLine
from app.resources import service
from app.resources.schemas import ResourceOut
from app.resources.search import Query

LOCAL_CRISIS_RADIUS_KM = 100.0
LOCAL_CRISIS_LIMIT = 10


class WayOut(BaseModel):
    """How to reach a line in one language, where it differs from the usual way."""

    language: str
    phone: str | None
    text: dict[str, str] | None
    note: str | None


class CrisisLineOut(BaseModel):
    name: str
    phone: str
    tty: str | None
    text: dict[str, str] | None = Field(description="`number`, and the `message` to send if any")
    chat_url: str | None
    hours: str
    languages: str | None
    language_codes: list[str] = Field(description="Languages its own staff answer in (ISO 639-1)")
    interpreted_languages: str | None = Field(description="How many more, through interpreters")
    in_your_language: WayOut | None = Field(
        description="The way to reach it in the reader's language, where it differs; show it first"
    )
    notes: str | None
    categories: list[str]
    source_url: str
    verified_on: dt.date


def way_in(line: CrisisLine, language: str) -> WayOut | None:
    way = line.by_language.get(language)
    if not way:
        return None
    return WayOut(
        language=language, phone=way.get("phone"), text=way.get("text"), note=way.get("note")
    )


def _translated(words: str | None) -> str | None:
    return _(words) if words else None


def crisis_line_out(line: CrisisLine) -> CrisisLineOut:
    text = None
    if line.text_number:
        text = {"number": line.text_number}
        if line.text_message:
            text["message"] = line.text_message
    return CrisisLineOut(
        name=line.name,
        phone=line.phone,
        tty=line.tty,
        text=text,
        chat_url=line.chat_url,
        hours=_(line.hours),
        languages=_translated(line.languages),
        language_codes=list(line.language_codes),
        interpreted_languages=_translated(line.interpreted_languages),
        in_your_language=way_in(line, current_language()),
        notes=_translated(line.notes),
        categories=list(line.categories),
        source_url=line.source_url,
        verified_on=line.verified_on,
    )


def national_lines(session: Session) -> list[CrisisLine]:
    return list(session.exec(select(CrisisLine).order_by(col(CrisisLine.name))).all())


def national_and_local(
    runtime: Runtime, session: Session, lat: float | None, lng: float | None
) -> dict[str, Any]:
    national = [crisis_line_out(line) for line in national_lines(session)]
    local: list[ResourceOut] = []
    if lat is not None and lng is not None:
        hotline = service.category_ids(session, ["hotline"])
        query = Query(categories=hotline, lat=lat, lng=lng, radius_km=LOCAL_CRISIS_RADIUS_KM)
        page = PageParams(limit=LOCAL_CRISIS_LIMIT * 3, cursor=None)
        found, _ = service.find(runtime, session, query, page)
        local = [item for item in found if item.open_24_7][:LOCAL_CRISIS_LIMIT]
    return {"local": local, "national": national}
