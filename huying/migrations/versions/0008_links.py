"""member–household links (党员联户, issue #16): the members who take households (home
point, capacity, specialties, active) and the links with their history

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('link_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('specialties', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('left_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_link_members_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_link_members_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_link_members_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_members')),
    sa.UniqueConstraint('city_id', 'person_id', name=op.f('uq_link_members_city_id_person_id'))
    )
    with op.batch_alter_table('link_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_members_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_members_node_id'), ['node_id'], unique=False)

    op.create_table('member_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('since', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('need', sa.String(length=30), nullable=True),
    sa.Column('need_matched', sa.Boolean(), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_member_links_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_member_links_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_member_links_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_member_links_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_links'))
    )
    with op.batch_alter_table('member_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_links_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_links_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_links_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_links_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_member_links_open_household', ['household_id'], unique=True,
                              sqlite_where=sa.text('ended_at IS NULL'),
                              postgresql_where=sa.text('ended_at IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('member_links', schema=None) as batch_op:
        batch_op.drop_index('uq_member_links_open_household')
        batch_op.drop_index(batch_op.f('ix_member_links_person_id'))
        batch_op.drop_index(batch_op.f('ix_member_links_node_id'))
        batch_op.drop_index(batch_op.f('ix_member_links_household_id'))
        batch_op.drop_index(batch_op.f('ix_member_links_city_id'))
    op.drop_table('member_links')
    with op.batch_alter_table('link_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_members_node_id'))
        batch_op.drop_index(batch_op.f('ix_link_members_city_id'))
    op.drop_table('link_members')
