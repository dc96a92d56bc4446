"""an account's session generation: sign-out, a new password or deactivation end every web
session of the account at once; failed sign-ins indexed by account (the lock across
addresses) (issue #19); events indexed by kind and time (the cases behind a figure, #15)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 07:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    op.create_index('ix_login_failures_username_at', 'login_failures', ['username', 'at'])
    # the cases behind a figure (huying.metrics.drill): one kind of event of a period (issue 15)
    op.create_index('ix_case_events_city_action_at', 'case_events', ['city_id', 'action', 'at'])


def downgrade() -> None:
    op.drop_index('ix_case_events_city_action_at', table_name='case_events')
    op.drop_index('ix_login_failures_username_at', table_name='login_failures')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_epoch')
