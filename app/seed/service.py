"""`waymark seed`: the reference data every installation needs (categories, crisis lines).

Idempotent: a second run changes nothing, and rows an admin has edited are left as they are."""

import json
import uuid
from datetime import date
from importlib import resources
from typing import Any

from sqlmodel import Session

from app.core.db import insert_if_absent
from app.models import CrisisLine, Taxonomy, TaxonomyTerm
from app.resources.categories import (
    NAMESPACE,
    TAXONOMY_DESCRIPTION,
    TAXONOMY_ID,
    TAXONOMY_NAME,
    category_id,
)


def _load(name: str) -> Any:
    return json.loads(resources.files("app.seed").joinpath(name).read_text(encoding="utf-8"))


def crisis_line_values(line: dict[str, Any]) -> dict[str, Any]:
    text = line.get("text") or {}
    return {
        "id": uuid.uuid5(NAMESPACE, "crisis-line/" + line["name"]),
        "name": line["name"],
        "country": "US",
        "phone": line["phone"],
        "tty": line.get("tty"),
        "text_number": text.get("number"),
        "text_message": text.get("message"),
        "chat_url": line.get("chat_url"),
        "hours": line["hours"],
        "languages": line.get("languages"),
        "language_codes": line.get("language_codes", []),
        "interpreted_languages": line.get("interpreted_languages"),
        "by_language": line.get("by_language", {}),
        "notes": line.get("notes"),
        "categories": line["categories"],
        "source_url": line["source_url"],
        "verified_on": date.fromisoformat(line["verified_on"]),
    }


def seed(session: Session) -> None:
    insert_if_absent(
        session,
        Taxonomy,
        {"id": TAXONOMY_ID, "name": TAXONOMY_NAME, "description": TAXONOMY_DESCRIPTION},
    )
    for category in _load("categories.json"):
        insert_if_absent(
            session,
            TaxonomyTerm,
            {
                "id": category_id(category["slug"]),
                "taxonomy_id": TAXONOMY_ID,
                "code": category["slug"],
                "name": category["name"],
                "description": category["description"],
            },
        )
    for line in _load("crisis_lines_us.json"):
        insert_if_absent(session, CrisisLine, crisis_line_values(line))
    session.commit()
