"""the shipped tree's English category names given to the cities loaded before it had them
(names set by hand are kept; issue #15)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from huying.cityconfig import categories

    bind = op.get_bind()
    session = Session(bind=bind)
    for (city_id,) in bind.execute(sa.text("SELECT id FROM cities")).all():
        categories.fill_english_names(session, city_id)
    session.flush()


def downgrade() -> None:
    # names are data: an English name stays where it was given
    pass
