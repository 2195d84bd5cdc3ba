"""crisis line languages

Which languages each crisis line answers in, how many more through interpreters, and the way to
reach it in a language where it differs (988 in Spanish: press 2, or text AYUDA). The seeded
lines of existing installations get these facts here, as the seed gives new ones.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app/seed/crisis_lines_us.json gave them when this was written (verified 2026-11-23).
FACTS = {
    "National Human Trafficking Hotline": (
        ["en", "es"],
        "200+ (calls only)",
        {"es": {
            "phone": "1-888-373-7888",
            "note": "Hay personas que hablan español. El texto (233733) y el chat funcionan en "
            "inglés y en español.",
        }},
    ),
    "988 Suicide & Crisis Lifeline": (
        ["en", "es"],
        None,
        {"es": {"phone": "988, luego marca 2", "text": {"number": "988", "message": "AYUDA"}}},
    ),
    "SAMHSA National Helpline": (["en", "es"], None, {}),
    "National Domestic Violence Hotline": (["en", "es"], "200+ (calls)", {}),
}


def upgrade() -> None:
    with op.batch_alter_table('crisis_line', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language_codes', sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(
            sa.Column('interpreted_languages', sa.String(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column('by_language', sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
    lines = sa.table(
        "crisis_line",
        sa.column("name", sa.String()),
        sa.column("language_codes", sa.JSON()),
        sa.column("interpreted_languages", sa.String()),
        sa.column("by_language", sa.JSON()),
    )
    for name, (codes, interpreted, ways) in FACTS.items():
        op.get_bind().execute(
            lines.update()
            .where(lines.c.name == name)
            .values(
                language_codes=codes,
                interpreted_languages=interpreted,
                by_language=ways,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('crisis_line', schema=None) as batch_op:
        batch_op.drop_column('by_language')
        batch_op.drop_column('interpreted_languages')
        batch_op.drop_column('language_codes')
