"""contact addresses of accounts for notifications (e-mail, SMS), verified by a code; the
outbox's failed messages become dead letters

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 19:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contact_addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('address', sa.String(length=80), nullable=False),
    sa.Column('verified_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('code_tries', sa.Integer(), nullable=False),
    sa.Column('codes_sent', sa.Integer(), nullable=False),
    sa.Column('code_window_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_contact_addresses_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_addresses_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_addresses')),
    sa.UniqueConstraint('user_id', 'channel', name=op.f('uq_contact_addresses_user_id_channel'))
    )
    with op.batch_alter_table('contact_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_addresses_city_id'), ['city_id'], unique=False)
    # the outbox's given-up messages were "failed"; they are the dead letters now
    op.execute("UPDATE outbox SET status = 'dead' WHERE status = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE outbox SET status = 'failed' WHERE status = 'dead'")
    op.execute("UPDATE outbox SET status = 'sent' WHERE status = 'routed'")
    with op.batch_alter_table('contact_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_addresses_city_id'))
    op.drop_table('contact_addresses')
