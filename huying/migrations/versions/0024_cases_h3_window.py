"""the duplicate look-up's index bounds its window (issue 21): cases by city, H3 cell and
moment of report, so that a look-up reads the cases of its window, not every case ever
reported in the cells around the point

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-08 05:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_city_h3')
        batch_op.create_index('ix_cases_city_h3_at', ['city_id', 'h3_cell', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_city_h3_at')
        batch_op.create_index('ix_cases_city_h3', ['city_id', 'h3_cell'], unique=False)
