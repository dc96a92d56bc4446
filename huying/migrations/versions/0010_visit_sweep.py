"""households overdue for their visit go through the one sweeper: each open assignment
stores when to look at it next (``sweep_at``) and how far it went (``notified``)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visit_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sweep_at', huying.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('notified', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_visit_assignments_sweep_at'), ['sweep_at'], unique=False)
    # open assignments are looked at from their due moment: the first sweep after the upgrade
    # tells the cadres of households already overdue (nobody told them before)
    op.execute("UPDATE visit_assignments SET sweep_at = due_at WHERE ended_at IS NULL")


def downgrade() -> None:
    with op.batch_alter_table('visit_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_assignments_sweep_at'))
        batch_op.drop_column('notified')
        batch_op.drop_column('sweep_at')
