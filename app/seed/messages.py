"""Words of the reference data that members read, for the translation catalogs.

`make messages` finds category names and descriptions in `categories.json` through this
extractor (babel.cfg); the API translates them where it shows them.
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
