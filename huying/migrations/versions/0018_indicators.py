"""the indicator catalogue: the rollup counts first responses and handlings (on time or
not), first dispatches, first overdue marks, closings of dispatched cases (and of those
never returned or transferred) and follow-ups answered "not solved"; every city's rollup is
recomputed from its events

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 17:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import huying.db  # noqa: F401

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('responded', 'responded_on_time', 'handled', 'handled_on_time', 'registered', 'went_overdue',
           'dispatch_closed', 'dispatch_accurate', 'unsolved')


def upgrade() -> None:
    from huying.metrics import rollup

    with op.batch_alter_table('metrics_grid_month', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    bind = op.get_bind()
    session = Session(bind=bind)
    counters = (*rollup.COUNTERS[:-1], *COLUMNS, 'close_seconds')
    for (city_id,) in bind.execute(sa.text("SELECT id FROM cities")).all():
        rollup.rebuild(session, city_id, counters, kinds=True)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('metrics_grid_month', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
