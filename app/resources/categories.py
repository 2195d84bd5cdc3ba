"""Waymark's categories: the terms of its own HSDS taxonomy, with fixed ids everywhere."""

import uuid
from collections.abc import Iterable

from sqlmodel import Session, col, select

from app.models import TaxonomyTerm

# Fixed ids: the same category has the same id in every installation and every HSDS export.
NAMESPACE = uuid.UUID("3b0d8f7e-2c1a-4f7b-9a1e-5d6c7b8a9f01")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy/waymark-categories")
TAXONOMY_NAME = "Waymark categories"
TAXONOMY_DESCRIPTION = (
    "Kinds of help people leaving trafficking, the sex trade and addiction look for: shelter, "
    "hotlines, legal and immigration help, money, daycare, substance-use and mental-health care."
)


def category_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, slug)


def categories(session: Session, slugs: Iterable[str] | None = None) -> list[TaxonomyTerm]:
    """Our categories (all, or those with the given slugs), ordered by slug."""
    statement = select(TaxonomyTerm).where(TaxonomyTerm.taxonomy_id == TAXONOMY_ID)
    if slugs is not None:
        statement = statement.where(col(TaxonomyTerm.code).in_(list(slugs)))
    return list(session.exec(statement.order_by(col(TaxonomyTerm.code))).all())
