"""inspection walks (issue #16): walks planned privately, started and ended, and the cases
the problems found on them became (fixed on the spot or put on a ledger)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('walks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('planner_id', sa.Integer(), nullable=False),
    sa.Column('planned_on', sa.Date(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_walks_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_walks_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['planner_id'], ['users.id'], name=op.f('fk_walks_planner_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walks'))
    )
    with op.batch_alter_table('walks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_walks_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_walks_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_walks_planner_id'), ['planner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_walks_started_at'), ['started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_walks_status'), ['status'], unique=False)

    op.create_table('walk_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('walk_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_walk_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_walk_cases_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['walk_id'], ['walks.id'], name=op.f('fk_walk_cases_walk_id_walks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_walk_cases')),
    sa.UniqueConstraint('case_id', name=op.f('uq_walk_cases_case_id'))
    )
    with op.batch_alter_table('walk_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_walk_cases_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_walk_cases_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_walk_cases_walk_id'), ['walk_id'], unique=False)


def downgrade() -> None:
    op.drop_table('walk_cases')
    op.drop_table('walks')
