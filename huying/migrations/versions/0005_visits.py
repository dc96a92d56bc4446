"""resident-point contact (issue #16): cadres' assignments to households with the next
visit's due moment, visits, and the cases their problems became

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 08:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('visit_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('since', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_visit_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['users.id'], name=op.f('fk_visit_assignments_cadre_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_visit_assignments_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visit_assignments_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_assignments'))
    )
    with op.batch_alter_table('visit_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_assignments_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_assignments_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_assignments_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_assignments_household_id'), ['household_id'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('cadre_id', sa.Integer(), nullable=False),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('how', sa.String(length=10), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=False),
    sa.Column('needs', sa.String(length=120), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cadre_id'], ['users.id'], name=op.f('fk_visits_cadre_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_visits_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visits_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits')),
    sa.UniqueConstraint('city_id', 'cadre_id', 'idempotency_key', name=op.f('uq_visits_city_id_cadre_id_idempotency_key'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_cadre_id'), ['cadre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_household_id'), ['household_id'], unique=False)

    op.create_table('visit_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_visit_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_visit_cases_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_visit_cases_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_cases_visit_id_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_cases')),
    sa.UniqueConstraint('case_id', name=op.f('uq_visit_cases_case_id'))
    )
    with op.batch_alter_table('visit_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_cases_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_cases_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_cases_visit_id'), ['visit_id'], unique=False)


def downgrade() -> None:
    op.drop_table('visit_cases')
    op.drop_table('visits')
    op.drop_table('visit_assignments')
