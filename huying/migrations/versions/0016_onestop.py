"""case kinds and service requests

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 13:37:43.115999
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('service_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('home_node_id', sa.Integer(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivery', sa.String(length=12), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_service_requests_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_service_requests_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_service_requests_centre_id_centres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_service_requests_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['home_node_id'], ['geo_nodes.id'], name=op.f('fk_service_requests_home_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_service_requests_household_id_households'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'], name=op.f('fk_service_requests_item_id_service_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requests')),
    sa.UniqueConstraint('case_id', name=op.f('uq_service_requests_case_id'))
    )
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.create_index('ix_service_requests_centre', ['centre_id', 'accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_requests_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='problem', nullable=False))
        batch_op.add_column(sa.Column('time_limit_days', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('time_limit_days')
        batch_op.drop_column('kind')

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_requests_item_id'))
        batch_op.drop_index(batch_op.f('ix_service_requests_city_id'))
        batch_op.drop_index('ix_service_requests_centre')

    op.drop_table('service_requests')
