"""Languages in the directory: codes and names, read with langcodes (the IANA language subtag
registry and CLDR's names), so that `es`, `spa`, `Spanish` and `español` are one language and
Mam (`mam`) or K'iche' (`quc`), which have no two-letter code, can be found too."""

import functools

import langcodes

# A language's name is short; longer text is not one.
MAX_LANGUAGE_TEXT = 60


@functools.lru_cache(maxsize=4096)
def language_code(text: str) -> str | None:
    """The shortest ISO 639 code of a code (`es`, `spa`, `mam`) or of a name in English or in the
    language itself (`Spanish`, `español`); None when the text names no language."""
    text = text.strip()
    if not text or len(text) > MAX_LANGUAGE_TEXT:
        return None
    if langcodes.tag_is_valid(text):
        found = langcodes.Language.get(text)
        if found.language and found.language != "und" and found.is_valid():
            return str(found.language)
    try:
        named = langcodes.find(text)
    except LookupError:
        return None
    return str(named.language) if named.language else None


@functools.lru_cache(maxsize=4096)
def language_name(code: str, reader: str) -> str:
    """A language's name in the reader's language (`es` for a Spanish reader: "español")."""
    try:
        return str(langcodes.Language.get(code).display_name(reader))
    except (LookupError, ValueError):
        return code
