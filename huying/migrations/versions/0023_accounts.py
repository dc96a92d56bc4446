"""accounts administered (issue 22): users.must_change_password, password_resets,
organisation_towns (the towns a department serves)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation_towns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_organisation_towns_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_organisation_towns_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_towns_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_towns')),
    sa.UniqueConstraint('organisation_id', 'node_id', name=op.f('uq_organisation_towns_organisation_id_node_id'))
    )
    with op.batch_alter_table('organisation_towns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_towns_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_towns_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('password_resets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_password_resets_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_password_resets_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_resets_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_resets')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_password_resets_code_hash'))
    )
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_resets_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_resets_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        # a constant default: SQLite adds the column in place (an expression would make the
        # batch recreate the table, and dropping the old one would null every reference to it)
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('password_resets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_resets_user_id'))
        batch_op.drop_index(batch_op.f('ix_password_resets_city_id'))
    op.drop_table('password_resets')
    with op.batch_alter_table('organisation_towns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_towns_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_towns_city_id'))
    op.drop_table('organisation_towns')
