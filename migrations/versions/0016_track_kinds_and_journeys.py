"""track kinds and per-track journeys

Each track gets a kind (what it is about), read from its slug for tracks that exist; progress
summaries get a journey per track (rebuilt by `waymark migrate`, since the fold version changes);
the emergency line is marked as such so the support block can list it first.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("the-life", "substances", "alcohol", "gambling", "other")
# As app/progress/tracks.py read slugs when this was written (a copy: migrations do not change).
KIND_WORDS = (
    ("the-life", ("life", "trade", "traffick", "sex-work", "the-game", "exploit")),
    ("alcohol", ("alcohol", "drink", "booze")),
    ("gambling", ("gambl", "betting", "casino")),
    (
        "substances",
        ("substance", "drug", "heroin", "opioid", "opiate", "fentanyl", "meth", "cocaine",
         "crack", "pill", "cannabis", "weed", "using"),
    ),
)
EMERGENCY_LINE = "Emergency services"

track = sa.table("track", sa.column("id", sa.Uuid()), sa.column("slug", sa.String()),
                 sa.column("kind", sa.String()))
crisis_line = sa.table("crisis_line", sa.column("id", sa.Uuid()), sa.column("name", sa.String()),
                       sa.column("categories", sa.JSON()))


def _kind(slug: str) -> str:
    for kind, words in KIND_WORDS:
        if any(word in slug for word in words):
            return kind
    return "other"


def _set_categories(change) -> None:  # type: ignore[no-untyped-def]
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(crisis_line.c.id, crisis_line.c.categories).where(
            crisis_line.c.name == EMERGENCY_LINE
        )
    ).all()
    for line_id, categories in rows:
        bind.execute(
            crisis_line.update()
            .where(crisis_line.c.id == line_id)
            .values(categories=change(list(categories)))
        )


def upgrade() -> None:
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=20), server_default='other', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_track_kind'), "kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")"
        )
    bind = op.get_bind()
    for track_id, slug in bind.execute(sa.select(track.c.id, track.c.slug)).all():
        kind = _kind(slug)
        if kind != "other":
            bind.execute(track.update().where(track.c.id == track_id).values(kind=kind))
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)

    with op.batch_alter_table('progress_summary', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tracks', sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )

    _set_categories(lambda categories: [*categories, "emergency"]
                    if "emergency" not in categories else categories)


def downgrade() -> None:
    _set_categories(lambda categories: [slug for slug in categories if slug != "emergency"])
    with op.batch_alter_table('progress_summary', schema=None) as batch_op:
        batch_op.drop_column('tracks')
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_track_kind'), type_='check')
        batch_op.drop_column('kind')
