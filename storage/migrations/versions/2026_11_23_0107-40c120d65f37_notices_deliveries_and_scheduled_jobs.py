"""notices deliveries and scheduled jobs

Revision ID: 40c120d65f37
Revises: ae0f88e7cff9
Create Date: 2026-11-23 01:07:53.341764
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '40c120d65f37'
down_revision: str | None = 'ae0f88e7cff9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('scheduled_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('run_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.Column('done_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_jobs'))
    )
    with op.batch_alter_table('scheduled_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_jobs_done_at'), ['done_at', 'run_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_jobs_kind'), ['kind', 'subject_id'], unique=False)

    op.create_table('worker_beats',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('seen_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_beats'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('identifier', sa.String(length=120), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=40), nullable=False),
    sa.Column('template', sa.String(length=40), nullable=True),
    sa.Column('sender', sa.String(length=200), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('msg_type', sa.String(length=10), nullable=False),
    sa.Column('references_id', sa.Integer(), nullable=True),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('category', sa.String(length=12), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('urgency', sa.String(length=12), nullable=False),
    sa.Column('severity', sa.String(length=12), nullable=False),
    sa.Column('certainty', sa.String(length=12), nullable=False),
    sa.Column('headline', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('instruction', sa.Text(), nullable=True),
    sa.Column('area_keys', sa.JSON(), nullable=False),
    sa.Column('building_numbers', sa.JSON(), nullable=False),
    sa.Column('effective_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('send_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=True),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['staff.id'], name=op.f('fk_notices_author_id_staff')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_notices_community_id_communities')),
    sa.ForeignKeyConstraint(['references_id'], ['notices.id'], name=op.f('fk_notices_references_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('identifier', name=op.f('uq_notices_identifier'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_community_id'), ['community_id', 'stage'], unique=False)

    op.create_table('notice_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_approvals_notice_id_notices')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_notice_approvals_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_approvals')),
    sa.UniqueConstraint('notice_id', 'staff_id', name=op.f('uq_notice_approvals_notice_id_staff_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('notice_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_notice_id'), ['notice_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_notice_id_notices'), 'notices', ['notice_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_notice_id_notices'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_notice_id'))
        batch_op.drop_column('notice_id')
        batch_op.drop_column('claimed_by')

    op.drop_table('notice_approvals')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_community_id'))

    op.drop_table('notices')
    op.drop_table('worker_beats')
    with op.batch_alter_table('scheduled_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_jobs_kind'))
        batch_op.drop_index(batch_op.f('ix_scheduled_jobs_done_at'))

    op.drop_table('scheduled_jobs')
