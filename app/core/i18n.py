"""Words in the reader's language.

Messages are gettext message ids in English, marked in code with `_()` (or `N_()` where they are
defined before a request needs them, and `ngettext()` where a count changes the words). Their
translations live in `app/locales/<language>/LC_MESSAGES/messages.po`, managed with Babel
(`make messages` extracts and updates them) and compiled in memory at start-up
(`load_catalogs`): the `.po` files are the only source.

Each request reads in one language: the signed-in member's own (`account.language`), else the
best match for the request's `Accept-Language`, else English. A language Waymark does not have
falls back to English, never to an error.
"""

import functools
import gettext as gettext_module
from contextvars import ContextVar
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LANGUAGE = "en"
# The languages Waymark speaks: a new one is its .po file and its code here (docs/i18n.md).
LANGUAGES = ("en", "es")
# Accept-Language may list many; more than this is not a real browser.
MAX_ACCEPTED = 20


@dataclass
class Chosen:
    """The request's language. One per request, shared by the threads that serve it, so that
    authentication (in a worker thread) can settle it for the route that runs after."""

    language: str = DEFAULT_LANGUAGE


_chosen: ContextVar[Chosen | None] = ContextVar("language", default=None)


def start_request(accept_language: str | None) -> Chosen:
    chosen = Chosen(negotiate(accept_language))
    _chosen.set(chosen)
    return chosen


def use_language(language: str) -> None:
    """The signed-in member's language, for the rest of the request."""
    chosen = _chosen.get()
    if chosen is not None and language in LANGUAGES:
        chosen.language = language


def current_language() -> str:
    chosen = _chosen.get()
    return chosen.language if chosen is not None else DEFAULT_LANGUAGE


def accepted(header: str | None) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (q=0 means "not this")."""
    ranked = []
    for position, part in enumerate((header or "").split(",")[:MAX_ACCEPTED]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag.strip().replace("-", "_")))
    return [tag for _weight, _position, tag in sorted(ranked)]


def negotiate(header: str | None) -> str:
    """The best of LANGUAGES for an Accept-Language header; English when none fits."""
    return supported(negotiate_locale(accepted(header), list(LANGUAGES)))


def supported(language: str | None) -> str:
    if language is None:
        return DEFAULT_LANGUAGE
    base = language.replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@functools.cache
def translations(language: str) -> gettext_module.NullTranslations:
    """The language's catalog, compiled from its .po file once per process."""
    if language == DEFAULT_LANGUAGE:
        return gettext_module.NullTranslations()
    with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def load_catalogs() -> None:
    """Compile every language's catalog now, at start-up, so that no request pays for it and a
    broken catalog stops the service before it serves."""
    for language in LANGUAGES:
        translations(language)


def _(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The words for `count` in the reader's language, whose catalog knows its plural forms."""
    return translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; `_()` translates it where used."""
    return message
