"""Calendar dates as members live them: their own dates, and dates sent as text."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.core.errors import validation_problem
from app.core.schemas import ISO_DATE
from app.models import Account


def member_date(account: Account, moment: datetime) -> date:
    """The member's own calendar date at `moment`: someone in UTC+14 may already be in
    tomorrow."""
    return moment.astimezone(ZoneInfo(account.timezone)).date()


def parse_day(text: str, where: list[str | int]) -> date:
    """A YYYY-MM-DD date, or a 422 that points at `where`."""
    try:
        if not ISO_DATE.fullmatch(text):  # fromisoformat alone also takes week dates: 2026-W48-1
            raise ValueError
        return date.fromisoformat(text)
    except ValueError as exc:
        raise validation_problem(where, "Use a real calendar date as YYYY-MM-DD.") from exc
