"""councils, the three lists and matches

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 13:38:09.896746
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('council_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_council_members_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_council_members_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_council_members_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_members')),
    sa.UniqueConstraint('node_id', 'organisation_id', name=op.f('uq_council_members_node_id_organisation_id'))
    )
    with op.batch_alter_table('council_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_members_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_members_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_members_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('community_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('closed_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_community_needs_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_community_needs_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_community_needs_household_id_households'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_community_needs_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_needs'))
    )
    with op.batch_alter_table('community_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_needs_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_needs_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_needs_node_id'), ['node_id'], unique=False)

    op.create_table('community_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('list_kind', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('centre_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['centre_id'], ['centres.id'], name=op.f('fk_community_offers_centre_id_centres'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_community_offers_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_community_offers_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_community_offers_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_community_offers_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_offers'))
    )
    with op.batch_alter_table('community_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_offers_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_offers_list_kind'), ['list_kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_offers_node_id'), ['node_id'], unique=False)

    op.create_table('council_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_council_meetings_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_council_meetings_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_council_meetings_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_meetings'))
    )
    with op.batch_alter_table('council_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_meetings_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_meetings_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_meetings_node_id'), ['node_id'], unique=False)

    op.create_table('community_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('window', sa.JSON(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('proposed_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_community_matches_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['community_needs.id'], name=op.f('fk_community_matches_need_id_community_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['community_offers.id'], name=op.f('fk_community_matches_offer_id_community_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_matches'))
    )
    with op.batch_alter_table('community_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_matches_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_matches_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_matches_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_matches_status'), ['status'], unique=False)

    op.create_table('council_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_council_attendees_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meetings.id'], name=op.f('fk_council_attendees_meeting_id_council_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_council_attendees_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_council_attendees_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_attendees'))
    )
    with op.batch_alter_table('council_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_attendees_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_attendees_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('council_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_council_decisions_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['council_meetings.id'], name=op.f('fk_council_decisions_meeting_id_council_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['need_id'], ['community_needs.id'], name=op.f('fk_council_decisions_need_id_community_needs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_decisions'))
    )
    with op.batch_alter_table('council_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_decisions_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_council_decisions_meeting_id'), ['meeting_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('council_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_council_decisions_city_id'))

    op.drop_table('council_decisions')
    with op.batch_alter_table('council_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_attendees_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_council_attendees_city_id'))

    op.drop_table('council_attendees')
    with op.batch_alter_table('community_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_matches_status'))
        batch_op.drop_index(batch_op.f('ix_community_matches_offer_id'))
        batch_op.drop_index(batch_op.f('ix_community_matches_need_id'))
        batch_op.drop_index(batch_op.f('ix_community_matches_city_id'))

    op.drop_table('community_matches')
    with op.batch_alter_table('council_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_meetings_node_id'))
        batch_op.drop_index(batch_op.f('ix_council_meetings_held_on'))
        batch_op.drop_index(batch_op.f('ix_council_meetings_city_id'))

    op.drop_table('council_meetings')
    with op.batch_alter_table('community_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_offers_node_id'))
        batch_op.drop_index(batch_op.f('ix_community_offers_list_kind'))
        batch_op.drop_index(batch_op.f('ix_community_offers_city_id'))

    op.drop_table('community_offers')
    with op.batch_alter_table('community_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_needs_node_id'))
        batch_op.drop_index(batch_op.f('ix_community_needs_household_id'))
        batch_op.drop_index(batch_op.f('ix_community_needs_city_id'))

    op.drop_table('community_needs')
    with op.batch_alter_table('council_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_members_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_council_members_node_id'))
        batch_op.drop_index(batch_op.f('ix_council_members_city_id'))

    op.drop_table('council_members')
