"""public-welfare exchange: projects, goods, agreements, pledges, milestones

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 13:35:45.410231
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('need', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('beneficiaries', sa.Integer(), nullable=False),
    sa.Column('beneficiary_kind', sa.String(length=20), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('pledged_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('pledges', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_projects_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['organisations.id'], name=op.f('fk_exchange_projects_claimed_by_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_exchange_projects_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_exchange_projects_posted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_projects')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_exchange_projects_city_id_code'))
    )
    with op.batch_alter_table('exchange_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_projects_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_projects_node_id'), ['node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_projects_opened_at'), ['opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_projects_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_projects_type'), ['type'], unique=False)

    op.create_table('exchange_agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('community_party_id', sa.Integer(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('term_until', sa.Date(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_agreements_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['community_party_id'], ['organisations.id'], name=op.f('fk_exchange_agreements_community_party_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_exchange_agreements_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['exchange_projects.id'], name=op.f('fk_exchange_agreements_project_id_exchange_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_exchange_agreements_signed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_agreements')),
    sa.UniqueConstraint('project_id', 'organisation_id', name=op.f('uq_exchange_agreements_project_id_organisation_id'))
    )
    with op.batch_alter_table('exchange_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_agreements_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_agreements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_agreements_project_id'), ['project_id'], unique=False)

    op.create_table('exchange_pledges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_exchange_pledges_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_pledges_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_exchange_pledges_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['exchange_projects.id'], name=op.f('fk_exchange_pledges_project_id_exchange_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_pledges'))
    )
    with op.batch_alter_table('exchange_pledges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_pledges_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_pledges_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_pledges_project_id'), ['project_id'], unique=False)

    op.create_table('exchange_project_goods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('unit', sa.String(length=12), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('pledged', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_project_goods_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['exchange_projects.id'], name=op.f('fk_exchange_project_goods_project_id_exchange_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_project_goods')),
    sa.UniqueConstraint('project_id', 'name', name=op.f('uq_exchange_project_goods_project_id_name'))
    )
    with op.batch_alter_table('exchange_project_goods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_project_goods_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_project_goods_project_id'), ['project_id'], unique=False)

    op.create_table('exchange_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('reached_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['exchange_agreements.id'], name=op.f('fk_exchange_milestones_agreement_id_exchange_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_milestones_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['exchange_projects.id'], name=op.f('fk_exchange_milestones_project_id_exchange_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_milestones'))
    )
    with op.batch_alter_table('exchange_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_milestones_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_milestones_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_milestones_project_id'), ['project_id'], unique=False)

    op.create_table('exchange_pledge_goods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('goods_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_pledge_goods_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goods_id'], ['exchange_project_goods.id'], name=op.f('fk_exchange_pledge_goods_goods_id_exchange_project_goods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pledge_id'], ['exchange_pledges.id'], name=op.f('fk_exchange_pledge_goods_pledge_id_exchange_pledges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_pledge_goods'))
    )
    with op.batch_alter_table('exchange_pledge_goods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_pledge_goods_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_pledge_goods_goods_id'), ['goods_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_pledge_goods_pledge_id'), ['pledge_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('exchange_pledge_goods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_pledge_goods_pledge_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_pledge_goods_goods_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_pledge_goods_city_id'))

    op.drop_table('exchange_pledge_goods')
    with op.batch_alter_table('exchange_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_milestones_project_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_milestones_city_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_milestones_agreement_id'))

    op.drop_table('exchange_milestones')
    with op.batch_alter_table('exchange_project_goods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_project_goods_project_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_project_goods_city_id'))

    op.drop_table('exchange_project_goods')
    with op.batch_alter_table('exchange_pledges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_pledges_project_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_pledges_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_pledges_city_id'))

    op.drop_table('exchange_pledges')
    with op.batch_alter_table('exchange_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_agreements_project_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_agreements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_agreements_city_id'))

    op.drop_table('exchange_agreements')
    with op.batch_alter_table('exchange_projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_projects_type'))
        batch_op.drop_index(batch_op.f('ix_exchange_projects_status'))
        batch_op.drop_index(batch_op.f('ix_exchange_projects_opened_at'))
        batch_op.drop_index(batch_op.f('ix_exchange_projects_node_id'))
        batch_op.drop_index(batch_op.f('ix_exchange_projects_city_id'))

    op.drop_table('exchange_projects')
