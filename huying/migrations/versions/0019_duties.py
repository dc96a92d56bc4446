"""responsibility lists, yearly reviews (述职评议), weak organisations (软弱涣散)

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-06 16:53:18.132187
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import huying.db


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('duty_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=160), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_duty_lists_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_lists')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_duty_lists_city_id_code'))
    )
    with op.batch_alter_table('duty_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_lists_city_id'), ['city_id'], unique=False)

    op.create_table('weak_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('quarters', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_weak_rules_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weak_rules')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_weak_rules_city_id_code'))
    )
    with op.batch_alter_table('weak_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weak_rules_city_id'), ['city_id'], unique=False)

    op.create_table('duty_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answerable', sa.String(length=80), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_duty_items_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['duty_lists.id'], name=op.f('fk_duty_items_list_id_duty_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_items')),
    sa.UniqueConstraint('list_id', 'number', name=op.f('uq_duty_items_list_id_number'))
    )
    with op.batch_alter_table('duty_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_items_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_items_list_id'), ['list_id'], unique=False)

    op.create_table('accountability_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_accountability_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_accountability_events_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accountability_events'))
    )
    with op.batch_alter_table('accountability_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountability_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_accountability_events_subject', ['subject', 'subject_id'], unique=False)

    op.create_table('duty_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('stored_path', sa.String(length=300), nullable=True),
    sa.Column('content_type', sa.String(length=80), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_duty_evidence_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_duty_evidence_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['duty_items.id'], name=op.f('fk_duty_evidence_item_id_duty_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_duty_evidence_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_evidence'))
    )
    with op.batch_alter_table('duty_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_evidence_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_evidence_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_duty_evidence_node_year', ['node_id', 'year'], unique=False)

    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('report', sa.Text(), nullable=True),
    sa.Column('report_by_id', sa.Integer(), nullable=True),
    sa.Column('report_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('overall', sa.Float(), nullable=True),
    sa.Column('grade', sa.String(length=12), nullable=True),
    sa.Column('published_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_reviews_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reviews_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_reviews_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_by_id'], ['users.id'], name=op.f('fk_reviews_report_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews')),
    sa.UniqueConstraint('node_id', 'year', name=op.f('uq_reviews_node_id_year'))
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_node_id'), ['node_id'], unique=False)

    op.create_table('review_reviewers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.String(length=16), nullable=False),
    sa.Column('scored_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_review_reviewers_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_reviewers_review_id_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_reviewers')),
    sa.UniqueConstraint('review_id', 'user_id', name=op.f('uq_review_reviewers_review_id_user_id'))
    )
    with op.batch_alter_table('review_reviewers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_reviewers_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_reviewers_review_id'), ['review_id'], unique=False)

    op.create_table('review_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_review_scores_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['duty_items.id'], name=op.f('fk_review_scores_item_id_duty_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_review_scores_review_id_reviews'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_review_scores_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_scores')),
    sa.UniqueConstraint('review_id', 'user_id', 'item_id', name=op.f('uq_review_scores_review_id_user_id_item_id'))
    )
    with op.batch_alter_table('review_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_scores_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_scores_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_scores_review_id'), ['review_id'], unique=False)

    op.create_table('weak_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('node_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('quarter', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('flagged_by_id', sa.Integer(), nullable=True),
    sa.Column('flagged_at', huying.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', huying.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cleared_how', sa.String(length=12), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_weak_flags_case_id_cases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_weak_flags_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['flagged_by_id'], ['users.id'], name=op.f('fk_weak_flags_flagged_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['node_id'], ['geo_nodes.id'], name=op.f('fk_weak_flags_node_id_geo_nodes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rule_id'], ['weak_rules.id'], name=op.f('fk_weak_flags_rule_id_weak_rules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weak_flags')),
    sa.UniqueConstraint('node_id', 'year', name=op.f('uq_weak_flags_node_id_year'))
    )
    with op.batch_alter_table('weak_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weak_flags_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weak_flags_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_weak_flags_node_id'), ['node_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('weak_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weak_flags_node_id'))
        batch_op.drop_index(batch_op.f('ix_weak_flags_city_id'))
        batch_op.drop_index(batch_op.f('ix_weak_flags_case_id'))

    op.drop_table('weak_flags')
    with op.batch_alter_table('review_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_scores_review_id'))
        batch_op.drop_index(batch_op.f('ix_review_scores_item_id'))
        batch_op.drop_index(batch_op.f('ix_review_scores_city_id'))

    op.drop_table('review_scores')
    with op.batch_alter_table('review_reviewers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_reviewers_review_id'))
        batch_op.drop_index(batch_op.f('ix_review_reviewers_city_id'))

    op.drop_table('review_reviewers')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_node_id'))
        batch_op.drop_index(batch_op.f('ix_reviews_city_id'))

    op.drop_table('reviews')
    with op.batch_alter_table('duty_evidence', schema=None) as batch_op:
        batch_op.drop_index('ix_duty_evidence_node_year')
        batch_op.drop_index(batch_op.f('ix_duty_evidence_item_id'))
        batch_op.drop_index(batch_op.f('ix_duty_evidence_city_id'))

    op.drop_table('duty_evidence')
    with op.batch_alter_table('accountability_events', schema=None) as batch_op:
        batch_op.drop_index('ix_accountability_events_subject')
        batch_op.drop_index(batch_op.f('ix_accountability_events_city_id'))

    op.drop_table('accountability_events')
    with op.batch_alter_table('duty_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_items_list_id'))
        batch_op.drop_index(batch_op.f('ix_duty_items_city_id'))

    op.drop_table('duty_items')
    with op.batch_alter_table('weak_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weak_rules_city_id'))

    op.drop_table('weak_rules')
    with op.batch_alter_table('duty_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_lists_city_id'))

    op.drop_table('duty_lists')
