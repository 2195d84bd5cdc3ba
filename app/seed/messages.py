"""Words of the reference data that members read, for the translation catalogs.

`make messages` finds category names and descriptions in `categories.json`, and the hours,
languages and notes of the national crisis lines, through these extractors (babel.cfg); the API
translates them where it shows them.
"""

import json
from collections.abc import Iterator
from typing import IO, Any


def extract_categories(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor protocol: (line number, function name, message, comments)."""
    for category in json.load(fileobj):
        yield 0, "_", category["name"], [f"The name of the category `{category['slug']}`."]
        yield 0, "_", category["description"], [f"What `{category['slug']}` offers."]


def extract_crisis_lines(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """The words of each national line a member reads: hours, languages and notes (its name
    and its numbers stay as the line gives them)."""
    for line in json.load(fileobj):
        for field in ("hours", "languages", "interpreted_languages", "notes"):
            if line.get(field):
                yield 0, "_", line[field], [f"The {field} of {line['name']}."]
