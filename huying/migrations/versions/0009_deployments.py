"""deployments (下沉, issue #16): an emergency deployment over a node, its three-person
teams per grid, their members (home point, travel, the local member) and daily check-ins.
Independent of other new tables: it needs only the core's (cities, geo_nodes, users,
people, organisations).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('started_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('travel_m', sa.Integer(), nullable=False),
    sa.Column('bound_m', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_deployments_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_deployments_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'], name=op.f('fk_deployments_ended_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_deployments_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployments'))
    )
    with op.batch_alter_table('deployments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployments_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployments_node_id'), ['node_id'], unique=False)

    op.create_table('deployment_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_deployment_teams_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployments.id'], name=op.f('fk_deployment_teams_deployment_id_deployments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grid_id'], ['geo_nodes.id'], name=op.f('fk_deployment_teams_grid_id_geo_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_teams')),
    sa.UniqueConstraint('deployment_id', 'number', name=op.f('uq_deployment_teams_deployment_id_number'))
    )
    with op.batch_alter_table('deployment_teams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_teams_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_teams_deployment_id'), ['deployment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_teams_grid_id'), ['grid_id'], unique=False)

    op.create_table('deployment_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('is_local', sa.Boolean(), nullable=False),
    sa.Column('home_lon', sa.Float(), nullable=True),
    sa.Column('home_lat', sa.Float(), nullable=True),
    sa.Column('home_grid_id', sa.Integer(), nullable=True),
    sa.Column('distance_m', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_deployment_members_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployments.id'], name=op.f('fk_deployment_members_deployment_id_deployments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['home_grid_id'], ['geo_nodes.id'], name=op.f('fk_deployment_members_home_grid_id_geo_nodes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_deployment_members_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_deployment_members_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['deployment_teams.id'], name=op.f('fk_deployment_members_team_id_deployment_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_members')),
    sa.UniqueConstraint('deployment_id', 'person_id', name=op.f('uq_deployment_members_deployment_id_person_id'))
    )
    with op.batch_alter_table('deployment_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_members_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_members_deployment_id'), ['deployment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_members_team_id'), ['team_id'], unique=False)

    op.create_table('deployment_checkins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_deployment_checkins_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['deployment_members.id'], name=op.f('fk_deployment_checkins_member_id_deployment_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['deployment_teams.id'], name=op.f('fk_deployment_checkins_team_id_deployment_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deployment_checkins_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_checkins')),
    sa.UniqueConstraint('member_id', 'day', name=op.f('uq_deployment_checkins_member_id_day'))
    )
    with op.batch_alter_table('deployment_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deployment_checkins_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_checkins_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deployment_checkins_team_id'), ['team_id'], unique=False)



def downgrade() -> None:
    op.drop_table('deployment_checkins')
    op.drop_table('deployment_members')
    op.drop_table('deployment_teams')
    op.drop_table('deployments')
