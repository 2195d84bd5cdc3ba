"""The support block a check-in answers with when someone may need help now.

It is shown to the member only. Nothing is ever sent to anyone because of a check-in.
"""

from sqlmodel import Session

from app.checkins.schemas import CheckinIn, ResourcePointer, Support
from app.resources.categories import categories
from app.resources.crisis import crisis_line_out, national_lines

CRAVING_ALERT = 8


def needs_support(body: CheckinIn) -> bool:
    heavy = any(level == "heavy" for level in (body.lapses or {}).values())
    strong_craving = body.craving is not None and body.craving >= CRAVING_ALERT
    return body.safe is False or heavy or strong_craving


def _message(body: CheckinIn) -> str:
    parts = []
    if body.safe is False:
        parts.append(
            "Your safety comes first. If you are in danger right now, call 911. "
            "The lines below are free and confidential, and someone answers day and night."
        )
    if any(level == "heavy" for level in (body.lapses or {}).values()):
        parts.append(
            "A hard day does not undo the days behind you. "
            "If you want to talk to someone, the lines below answer day and night."
        )
    if body.craving is not None and body.craving >= CRAVING_ALERT:
        parts.append(
            "Strong cravings rise and pass. Someone on these lines can help you ride this one out."
        )
    parts.append("What you write here stays with you: nothing is sent to anyone.")
    return " ".join(dict.fromkeys(parts))


def support_for(session: Session, body: CheckinIn, needs: list[str]) -> Support | None:
    if not needs_support(body):
        return None
    lines = national_lines(session)
    # Lines that match what the member said they need come first; the rest follow.
    wanted = set(needs)
    ordered = sorted(lines, key=lambda line: not (wanted & set(line.categories)))
    by_slug = {term.code: term for term in categories(session, needs)}
    resources = [
        ResourcePointer(
            category=slug,
            name=by_slug[slug].name,
            description=by_slug[slug].description,
            search_url=f"/v1/resources?category={slug}",
        )
        for slug in needs
        if slug in by_slug
    ]
    return Support(
        message=_message(body),
        crisis_lines=[crisis_line_out(line) for line in ordered],
        resources=resources,
    )
