"""directory

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:45:47.373296
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed here, not imported: a revision must not change when application code does.
TAXONOMY_ID = uuid.UUID("3bb58492-0916-5d5f-bdb3-edfcce75fe39")
TAXONOMY_DESCRIPTION = (
    "Kinds of help people leaving trafficking, the sex trade and addiction look for: shelter, "
    "hotlines, legal and immigration help, money, daycare, substance-use and mental-health care."
)


def upgrade() -> None:
    op.create_table('organization',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization'))
    )
    op.create_table('taxonomy',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=True),
    sa.Column('version', sa.String(length=50), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxonomy'))
    )
    op.create_table('service',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('free', sa.Boolean(), nullable=False),
    sa.Column('open_24_7', sa.Boolean(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('search_lat', sa.Float(), nullable=True),
    sa.Column('search_lng', sa.Float(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_service_organization_id_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service'))
    )
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_last_modified'), ['last_modified'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_service_search_point', ['search_lat', 'search_lng'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_timezone'), ['timezone'], unique=False)

    op.create_table('taxonomy_term',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('taxonomy_id', sa.Uuid(), nullable=True),
    sa.Column('code', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('language', sa.String(length=20), nullable=True),
    sa.Column('term_uri', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['taxonomy_id'], ['taxonomy.id'], name=op.f('fk_taxonomy_term_taxonomy_id_taxonomy'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxonomy_term')),
    sa.UniqueConstraint('taxonomy_id', 'code', name='uq_taxonomy_term_code')
    )
    with op.batch_alter_table('taxonomy_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_taxonomy_term_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_taxonomy_term_taxonomy_id'), ['taxonomy_id'], unique=False)

    op.create_table('service_hours',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.SmallInteger(), nullable=False),
    sa.Column('opens', sa.SmallInteger(), nullable=False),
    sa.Column('closes', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_hours_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_hours'))
    )
    with op.batch_alter_table('service_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_hours_service_id'), ['service_id'], unique=False)

    op.create_table('service_language',
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_language_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'code', name=op.f('pk_service_language'))
    )
    with op.batch_alter_table('service_language', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_language_code'), ['code'], unique=False)

    op.create_table('service_term',
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('term_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_term_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['taxonomy_term.id'], name=op.f('fk_service_term_term_id_taxonomy_term'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'term_id', name=op.f('pk_service_term'))
    )
    with op.batch_alter_table('service_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_term_term_id'), ['term_id'], unique=False)

    # Categories become the terms of Waymark's own taxonomy, keeping their ids.
    op.execute(
        sa.text(
            "INSERT INTO taxonomy (id, name, description) VALUES (:id, :name, :description)"
        ).bindparams(
            sa.bindparam("id", TAXONOMY_ID, type_=sa.Uuid()),
            name="Waymark categories",
            description=TAXONOMY_DESCRIPTION,
        )
    )
    op.execute(
        sa.text(
            "INSERT INTO taxonomy_term (id, taxonomy_id, code, name, description) "
            "SELECT id, :taxonomy, slug, name, description FROM category"
        ).bindparams(sa.bindparam("taxonomy", TAXONOMY_ID, type_=sa.Uuid()))
    )
    op.drop_table('category')

    if op.get_bind().dialect.name == "sqlite":
        # Full-text search: FTS5 keyed by the service id (rowids may change on VACUUM).
        op.execute(
            "CREATE VIRTUAL TABLE service_fts USING fts5("
            "service_id UNINDEXED, search_text, tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER service_fts_insert AFTER INSERT ON service BEGIN "
            "INSERT INTO service_fts (service_id, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER service_fts_update AFTER UPDATE OF search_text ON service BEGIN "
            "DELETE FROM service_fts WHERE service_id = old.id; "
            "INSERT INTO service_fts (service_id, search_text) VALUES (new.id, new.search_text); END"
        )
        op.execute(
            "CREATE TRIGGER service_fts_delete AFTER DELETE ON service BEGIN "
            "DELETE FROM service_fts WHERE service_id = old.id; END"
        )
    else:
        op.execute(
            "CREATE INDEX ix_service_search_text_fts ON service "
            "USING gin (to_tsvector('english', search_text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("service_fts_insert", "service_fts_update", "service_fts_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS service_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_service_search_text_fts")
    op.create_table('category',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('slug', name=op.f('uq_category_slug'))
    )
    op.execute(
        sa.text(
            "INSERT INTO category (id, slug, name, description) "
            "SELECT id, code, name, substr(description, 1, 500) FROM taxonomy_term "
            "WHERE taxonomy_id = :taxonomy"
        ).bindparams(sa.bindparam("taxonomy", TAXONOMY_ID, type_=sa.Uuid()))
    )
    with op.batch_alter_table('service_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_term_term_id'))

    op.drop_table('service_term')
    with op.batch_alter_table('service_language', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_language_code'))

    op.drop_table('service_language')
    with op.batch_alter_table('service_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_hours_service_id'))

    op.drop_table('service_hours')
    with op.batch_alter_table('taxonomy_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_taxonomy_term_taxonomy_id'))
        batch_op.drop_index(batch_op.f('ix_taxonomy_term_parent_id'))

    op.drop_table('taxonomy_term')
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_timezone'))
        batch_op.drop_index('ix_service_search_point')
        batch_op.drop_index(batch_op.f('ix_service_organization_id'))
        batch_op.drop_index(batch_op.f('ix_service_name'))
        batch_op.drop_index(batch_op.f('ix_service_last_modified'))

    op.drop_table('service')
    op.drop_table('taxonomy')
    op.drop_table('organization')
