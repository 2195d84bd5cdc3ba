"""What makes a handle, a password and a time zone acceptable. Pure functions, no I/O."""

import re
import threading
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from zxcvbn import zxcvbn

from app.core.i18n import DEFAULT_LANGUAGE, _, current_language

HANDLE_MIN, HANDLE_MAX = 3, 30
PASSWORD_MIN, PASSWORD_MAX = 15, 256
# zxcvbn slows down sharply with length; the first 100 characters say enough about guessability.
STRENGTH_SAMPLE = 100
MIN_STRENGTH_SCORE = 3  # zxcvbn: about 10^8 guesses or more
# zxcvbn takes about 70 ms of CPU a password: at most this many run at once in a process.
STRENGTH_CHECKS = threading.BoundedSemaphore(4)

# Always fullmatch: `$` alone lets a trailing line break through ("kate\n" beside "kate").
HANDLE_CHARACTERS = re.compile(r"^[A-Za-z0-9_.-]+$")
# The character and length rules in one pattern, for the OpenAPI schema.
HANDLE_PATTERN = "^[A-Za-z0-9_.-]*[A-Za-z0-9][A-Za-z0-9_.-]*$"
EMAIL_LIKE = re.compile(
    r"@|(gmail|googlemail|yahoo|hotmail|outlook|icloud|proton(mail)?|aol|gmx)\.|"
    r"\.(com|net|org|edu|gov|mail)$",
    re.IGNORECASE,
)
PHONE_SEPARATORS = re.compile(r"[-._ ()+]")
PHONE_DIGITS = re.compile(r"\d{7,}")


def handle_key(handle: str) -> str:
    """Handles are unique regardless of case."""
    return handle.casefold()


def handle_problem(handle: str) -> str | None:
    """Why a handle cannot be used, or None. Handles are pseudonyms, never contact details."""
    if EMAIL_LIKE.search(handle):
        return _(
            "This looks like an email address. Choose a pseudonym instead: "
            "Waymark never needs to know who you are."
        )
    if PHONE_DIGITS.search(PHONE_SEPARATORS.sub("", handle)):
        return _(
            "This looks like a phone number. Choose a pseudonym instead: "
            "Waymark never needs to know who you are."
        )
    if not HANDLE_MIN <= len(handle) <= HANDLE_MAX:
        sizes = {"min": HANDLE_MIN, "max": HANDLE_MAX}
        return _("A handle has %(min)d to %(max)d characters.") % sizes
    if not HANDLE_CHARACTERS.fullmatch(handle):
        return _("A handle uses only the letters A-Z and a-z, digits, and _ . -")
    if not any(character.isalnum() for character in handle):
        return _("A handle needs at least one letter or digit.")
    return None


@dataclass(frozen=True)
class PasswordProblem:
    kind: str
    message: str


def _too_easy(warning: str) -> str:
    # The strength checker explains itself in English only: its words go to English readers.
    if warning and current_language() == DEFAULT_LANGUAGE:
        hint = {"hint": warning.rstrip(".")}
        return _("This password is too easy to guess (%(hint)s). Try four ordinary words.") % hint
    return _("This password is too easy to guess. Try four ordinary words.")


def password_problems(password: str, handle: str) -> list[PasswordProblem]:
    """Every reason a password is refused (NIST SP 800-63B rev 4: length, blocklist, context).

    The password is judged exactly as sent: no trimming, truncation or case folding.
    """
    problems = []
    if len(password) < PASSWORD_MIN:
        problems.append(
            PasswordProblem(
                "password_too_short",
                _("Use at least %(count)d characters. Four ordinary words make a good one.")
                % {"count": PASSWORD_MIN},
            )
        )
    if len(password) > PASSWORD_MAX:
        problems.append(
            PasswordProblem(
                "password_too_long",
                _("Use at most %(count)d characters.") % {"count": PASSWORD_MAX},
            )
        )
    if handle and handle.casefold() in password.casefold():
        problems.append(
            PasswordProblem(
                "password_contains_handle", _("The password must not contain the handle.")
            )
        )
    if password:
        with STRENGTH_CHECKS:
            verdict = zxcvbn(
                password[:STRENGTH_SAMPLE],
                user_inputs=[handle] if handle else [],
                max_length=STRENGTH_SAMPLE,
            )
        warning = str(verdict["feedback"]["warning"])
        if "common" in warning.lower():
            problems.append(
                PasswordProblem(
                    "password_common", _("This password is on lists of commonly used passwords.")
                )
            )
        elif verdict["score"] < MIN_STRENGTH_SCORE and len(password) >= PASSWORD_MIN:
            problems.append(PasswordProblem("password_guessable", _too_easy(warning)))
    return problems


@lru_cache(maxsize=1)
def _known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(name: str) -> str | None:
    if name in _known_timezones():
        return None
    return _("Use an IANA time zone name such as Europe/Berlin, America/Chicago or UTC.")
