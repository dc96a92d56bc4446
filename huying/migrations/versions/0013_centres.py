"""service centres, the catalogue of service items (HSDS shape) and the history of community resources

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 13:33:23.774545
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('department', sa.String(length=30), nullable=True),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('time_limit_days', sa.Integer(), nullable=False),
    sa.Column('one_stop', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_service_items_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_service_items_city_id_code'))
    )
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_items_city_id'), ['city_id'], unique=False)

    op.create_table('centres',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('setting', sa.String(length=12), nullable=True),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('opening_hours', sa.String(length=200), nullable=False),
    sa.Column('phone_masked', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_centres_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_centres_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_centres_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centres')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_centres_city_id_code'))
    )
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centres_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_centres_node_id'), ['node_id'], unique=False)

    op.create_table('centre_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_centre_items_centre_id_centres'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_centre_items_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['service_items.id'], name=op.f('fk_centre_items_item_id_service_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_centre_items')),
    sa.UniqueConstraint('centre_id', 'item_id', name=op.f('uq_centre_items_centre_id_item_id'))
    )
    with op.batch_alter_table('centre_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_centre_items_centre_id'), ['centre_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_centre_items_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_centre_items_item_id'), ['item_id'], unique=False)

    op.create_table('community_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_community_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_community_events_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_events'))
    )
    with op.batch_alter_table('community_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_community_events_subject', ['subject', 'subject_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('community_events', schema=None) as batch_op:
        batch_op.drop_index('ix_community_events_subject')
        batch_op.drop_index(batch_op.f('ix_community_events_city_id'))

    op.drop_table('community_events')
    with op.batch_alter_table('centre_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centre_items_item_id'))
        batch_op.drop_index(batch_op.f('ix_centre_items_city_id'))
        batch_op.drop_index(batch_op.f('ix_centre_items_centre_id'))

    op.drop_table('centre_items')
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_centres_node_id'))
        batch_op.drop_index(batch_op.f('ix_centres_city_id'))

    op.drop_table('centres')
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_items_city_id'))

    op.drop_table('service_items')
