"""The support block a check-in answers with when someone may need help now.

Its lines come in the order the day calls for: in danger, emergency services and the Human
Trafficking Hotline (which takes texts: a text makes no sound); after a lapse on a track tied to
the life, that hotline; after a lapse with substances or alcohol, or a strong craving, SAMHSA's
helpline; then lines that match what the member said they need. It is shown to the member only:
nothing is ever sent to anyone because of a check-in.
"""

from collections.abc import Sequence

from sqlmodel import Session

from app.checkins.schemas import CheckinIn, ResourcePointer, Support
from app.core.i18n import DEFAULT_LANGUAGE, N_, _, current_language
from app.models import CrisisLine
from app.progress.engine import LAPSE_LEVELS
from app.progress.schemas import TrackKind
from app.resources.categories import categories
from app.resources.crisis import crisis_line_out, national_lines

CRAVING_ALERT = 8
# Line categories that answer each situation.
EMERGENCY = "emergency"
TRAFFICKING = "trafficking-services"
SUBSTANCE_USE = "substance-use"
LINES_FOR_KIND: dict[TrackKind, str] = {
    "the-life": TRAFFICKING,
    "substances": SUBSTANCE_USE,
    "alcohol": SUBSTANCE_USE,
}
STAYS_WITH_YOU = N_("What you write here stays with you: nothing is sent to anyone.")


def needs_support(body: CheckinIn) -> bool:
    heavy = any(level == "heavy" for level in (body.lapses or {}).values())
    return body.safe is False or heavy or _strong_craving(body)


def _strong_craving(body: CheckinIn) -> bool:
    return body.craving is not None and body.craving >= CRAVING_ALERT


def wanted_first(body: CheckinIn, needs: Sequence[str], kinds: dict[str, TrackKind]) -> list[str]:
    """The line categories to list first, most urgent first."""
    wanted = []
    if body.safe is False:
        wanted += [EMERGENCY, TRAFFICKING]
    lapsed = {
        kinds.get(slug, "other")
        for slug, level in (body.lapses or {}).items()
        if level in LAPSE_LEVELS
    }
    # The life before substances: a lapse into it can also be a danger.
    wanted += [
        LINES_FOR_KIND[kind] for kind in ("the-life", "substances", "alcohol") if kind in lapsed
    ]
    if _strong_craving(body):
        wanted.append(SUBSTANCE_USE)
    return list(dict.fromkeys([*wanted, *needs]))


def in_order(lines: Sequence[CrisisLine], wanted: Sequence[str]) -> list[CrisisLine]:
    """Lines for the first wanted category first, and so on; the rest keep their order."""

    def rank(line: CrisisLine) -> int:
        return min(
            (wanted.index(slug) for slug in line.categories if slug in wanted), default=len(wanted)
        )

    return sorted(lines, key=rank)


def _first_with(lines: Sequence[CrisisLine], category: str) -> CrisisLine | None:
    return next((line for line in lines if category in line.categories), None)


def _in_danger(lines: Sequence[CrisisLine]) -> list[str]:
    emergency = _first_with(lines, EMERGENCY)
    words = [_("Your safety comes first.")]
    if emergency:
        words.append(_("If you are in danger now, call %(phone)s.") % {"phone": emergency.phone})
    else:
        words.append(_("If you are in danger now, call your local emergency number."))
    hotline = _first_with(lines, TRAFFICKING)
    text = _text_option(hotline) if hotline else None
    if text and text.get("message"):
        words.append(_("If talking is not safe, text %(message)s to %(number)s.") % text)
    elif text:
        words.append(_("If talking is not safe, send a text to %(number)s.") % text)
    return words


def _text_option(line: CrisisLine) -> dict[str, str] | None:
    """The line's text option in the reader's language: its own way where it has one, else its
    number, with the word to send only for English readers (the line's keywords are English)."""
    way = (line.by_language.get(current_language()) or {}).get("text")
    if way:
        return dict(way)
    if not line.text_number:
        return None
    english = current_language() == DEFAULT_LANGUAGE
    message = line.text_message if english and line.text_message else None
    return {"number": line.text_number, **({"message": message} if message else {})}


def message(body: CheckinIn, lines: Sequence[CrisisLine]) -> str:
    """One short paragraph for the most pressing thing the member said; it assumes nothing
    about what happened."""
    if body.safe is False:
        first = _in_danger(lines)
    elif any(level == "heavy" for level in (body.lapses or {}).values()):
        first = [
            _("A hard day does not undo the days behind you."),
            _("If you want to talk, the lines below answer day and night."),
        ]
    else:
        first = [
            _("Strong cravings rise and pass."),
            _("Someone on the lines below can help you ride it out."),
        ]
    return " ".join([*first, _(STAYS_WITH_YOU)])


def support_for(
    session: Session, body: CheckinIn, needs: list[str], kinds: dict[str, TrackKind]
) -> Support | None:
    if not needs_support(body):
        return None
    lines = in_order(national_lines(session), wanted_first(body, needs, kinds))
    by_slug = {term.code: term for term in categories(session, needs)}
    resources = [
        ResourcePointer(
            category=slug,
            name=_(by_slug[slug].name),
            description=_(by_slug[slug].description),
            search_url=f"/v1/resources?category={slug}",
        )
        for slug in needs
        if slug in by_slug
    ]
    return Support(
        message=message(body, lines),
        crisis_lines=[crisis_line_out(line) for line in lines],
        resources=resources,
    )
