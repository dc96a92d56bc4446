"""walk networks of the service circle

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 13:37:11.479238
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('walk_networks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('nodes', sa.Integer(), nullable=False),
    sa.Column('edges', sa.Integer(), nullable=False),
    sa.Column('length_m', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_walk_networks_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_walk_networks_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walk_networks')),
    sa.UniqueConstraint('city_id', name=op.f('uq_walk_networks_city_id'))
    )
    with op.batch_alter_table('walk_networks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_walk_networks_city_id'), ['city_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('walk_networks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_walk_networks_city_id'))

    op.drop_table('walk_networks')
