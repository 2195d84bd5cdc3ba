"""checkins tracks steps member keys crisis lines

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:24:23.996893
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crisis_line',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('tty', sa.String(length=40), nullable=True),
    sa.Column('text_number', sa.String(length=20), nullable=True),
    sa.Column('text_message', sa.String(length=80), nullable=True),
    sa.Column('chat_url', sa.String(length=300), nullable=True),
    sa.Column('hours', sa.String(length=40), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('source_url', sa.String(length=300), nullable=False),
    sa.Column('verified_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_line')),
    sa.UniqueConstraint('name', name=op.f('uq_crisis_line_name'))
    )
    op.create_table('checkin',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('mood', sa.SmallInteger(), nullable=True),
    sa.Column('craving', sa.SmallInteger(), nullable=True),
    sa.Column('difficulty', sa.SmallInteger(), nullable=True),
    sa.Column('safe', sa.Boolean(), nullable=True),
    sa.Column('attended_meeting', sa.Boolean(), nullable=True),
    sa.Column('reached_out', sa.Boolean(), nullable=True),
    sa.Column('lapses', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('triggers_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('note_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('etag', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_checkin_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin')),
    sa.UniqueConstraint('account_id', 'day', name='uq_checkin_account_day')
    )
    op.create_table('member_key',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('wrapped_key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_member_key_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_member_key'))
    )
    op.create_table('step_progress',
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('revisits', sa.Integer(), nullable=False),
    sa.Column('note_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('not_started', 'working', 'done')", name=op.f('ck_step_progress_status')),
    sa.CheckConstraint('number BETWEEN 1 AND 12', name=op.f('ck_step_progress_number')),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_step_progress_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'number', name=op.f('pk_step_progress'))
    )
    op.create_table('track',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_track_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_track')),
    sa.UniqueConstraint('account_id', 'slug', name='uq_track_account_slug')
    )
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_track_account_id'), ['account_id'], unique=False)




def downgrade() -> None:
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_track_account_id'))

    op.drop_table('track')
    op.drop_table('step_progress')
    op.drop_table('member_key')
    op.drop_table('checkin')
    op.drop_table('crisis_line')

