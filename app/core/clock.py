"""The one source of "now", so tests can move time instead of sleeping."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """UTC as the API writes it: RFC 3339 with `Z`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
