"""figures in the article's terms: the rollup counts the cases of the contact channels
(requests collected on visits and handled; problems found on walks, fixed on the spot,
closed); every city's rollup is recomputed from its events

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ('visit_requests', 'visit_requests_closed', 'walk_problems', 'walk_fixed', 'walk_closed')


def upgrade() -> None:
    from huying.metrics import rollup

    with op.batch_alter_table('metrics_grid_month', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default='0'))
    bind = op.get_bind()
    session = Session(bind=bind)
    for (city_id,) in bind.execute(sa.text("SELECT id FROM cities")).all():
        # the counters of this revision (0018 adds its own and rebuilds again)
        rollup.rebuild(session, city_id, rollup.COUNTERS, kinds=False)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('metrics_grid_month', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
