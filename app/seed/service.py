"""`waymark seed`: the reference data every installation needs. Idempotent: a second run
changes nothing, and categories an admin has edited are left as they are."""

import json
import uuid
from importlib import resources
from typing import Any

from sqlmodel import Session

from app.core.db import insert_if_absent
from app.models import Category

# Fixed ids: the same category has the same id in every installation (and in HSDS exports).
CATEGORY_NAMESPACE = uuid.UUID("3b0d8f7e-2c1a-4f7b-9a1e-5d6c7b8a9f01")


def _load(name: str) -> Any:
    return json.loads(resources.files("app.seed").joinpath(name).read_text(encoding="utf-8"))


def category_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(CATEGORY_NAMESPACE, slug)


def seed(session: Session) -> None:
    for category in _load("categories.json"):
        insert_if_absent(session, Category, {"id": category_id(category["slug"]), **category})
    session.commit()
