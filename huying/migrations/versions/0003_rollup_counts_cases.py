"""the figures count cases: an escalation and a dissatisfied follow-up count at a case's
first only (huying.metrics.drill); the rollup of every city is recomputed from its events

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 07:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from huying.metrics import rollup

    bind = op.get_bind()
    session = Session(bind=bind)
    for (city_id,) in bind.execute(sa.text("SELECT id FROM cities")).all():
        # the counters of this revision (later ones add theirs and rebuild again)
        rollup.rebuild(session, city_id, ("received", "closed", "fixed_on_spot", "on_time", "reworked", "satisfied",
                                          "dissatisfied", "escalations", "close_seconds"),
                       kinds=False)
    session.flush()


def downgrade() -> None:
    # the rollup is derived data: the older code recomputes it with `huying stats` as before
    pass
