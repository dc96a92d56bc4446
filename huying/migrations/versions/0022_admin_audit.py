"""the administrative audit trail (issue 22): admin_events

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 20:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('admin_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_admin_events_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_events'))
    )
    with op.batch_alter_table('admin_events', schema=None) as batch_op:
        batch_op.create_index('ix_admin_events_city_at', ['city_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_admin_events_subject', ['subject', 'subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('admin_events', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_events_subject')
        batch_op.drop_index(batch_op.f('ix_admin_events_city_id'))
        batch_op.drop_index('ix_admin_events_city_at')
    op.drop_table('admin_events')
