"""cadres are assigned enterprises and other units as well as households (驻点联系): an
assignment, a visit and a visit's case name one or the other

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('visit_assignments', 'visits', 'visit_cases')
ONE = "(household_id IS NULL) <> (unit_id IS NULL)"


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
            batch_op.alter_column('household_id', existing_type=sa.Integer(), nullable=True)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_unit_id_units'), 'units', ['unit_id'], ['id'],
                                        ondelete='CASCADE')
            batch_op.create_index(batch_op.f(f'ix_{table}_unit_id'), ['unit_id'], unique=False)
            if table != 'visit_cases':
                batch_op.create_check_constraint('one_contact', ONE)


def downgrade() -> None:
    # the enterprises' rows have no household: they go with the column
    for table in reversed(TABLES):
        op.execute(f"DELETE FROM {table} WHERE household_id IS NULL")
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table != 'visit_cases':
                batch_op.drop_constraint(batch_op.f(f'ck_{table}_one_contact'), type_='check')
            batch_op.drop_index(batch_op.f(f'ix_{table}_unit_id'))
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_unit_id_units'), type_='foreignkey')
            batch_op.alter_column('household_id', existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column('unit_id')
