"""公示 and 议事: publicities open to objections (each objection a ticket), proposals and one vote per household

Revision ID: 804b7e3d2691
Revises: c7a4f2e9d1b6
Create Date: 2026-12-06 02:07:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '804b7e3d2691'
down_revision: str | None = 'c7a4f2e9d1b6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('publicities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('area_keys', sa.JSON(), nullable=False),
    sa.Column('building_numbers', sa.JSON(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('opens_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('closes_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('result_notice_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], name=op.f('fk_publicities_author_id_staff')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_publicities_community_id_communities')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_publicities_notice_id_notices')),
    sa.ForeignKeyConstraint(['result_notice_id'], ['notices.id'], name=op.f('fk_publicities_result_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publicities'))
    )
    with op.batch_alter_table('publicities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publicities_community_id'), ['community_id', 'stage'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publicity_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['publicity_id'], ['publicities.id'], name=op.f('fk_objections_publicity_id_publicities')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_objections_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_objections')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_objections_ticket_id'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_publicity_id'), ['publicity_id'], unique=False)

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('area_keys', sa.JSON(), nullable=False),
    sa.Column('building_numbers', sa.JSON(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('opens_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('suggestion_ticket_id', sa.Integer(), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('result_notice_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], name=op.f('fk_proposals_author_id_staff')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_proposals_community_id_communities')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_proposals_notice_id_notices')),
    sa.ForeignKeyConstraint(['result_notice_id'], ['notices.id'], name=op.f('fk_proposals_result_notice_id_notices')),
    sa.ForeignKeyConstraint(['suggestion_ticket_id'], ['tickets.id'], name=op.f('fk_proposals_suggestion_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_community_id'), ['community_id', 'stage'], unique=False)

    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('household', sa.String(length=60), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('option', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_votes_proposal_id_proposals')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_votes_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('proposal_id', 'household', name=op.f('uq_votes_proposal_id_household'))
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_votes_resident_id'), ['resident_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_votes_resident_id'))

    op.drop_table('votes')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposals_community_id'))

    op.drop_table('proposals')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_publicity_id'))

    op.drop_table('objections')
    with op.batch_alter_table('publicities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publicities_community_id'))

    op.drop_table('publicities')
