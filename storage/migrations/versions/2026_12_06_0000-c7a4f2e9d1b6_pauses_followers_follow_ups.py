"""pauses, followers and follow-ups: a ticket's clock can stop while the office waits; every resident who
reported a problem follows its one ticket (the first reporter included, so existing tickets get their
reporter as a follower); 回访 after closing

Revision ID: c7a4f2e9d1b6
Revises: b5d2e8f1a3c9
Create Date: 2026-12-06 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = 'c7a4f2e9d1b6'
down_revision: str | None = 'b5d2e8f1a3c9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('paused_at', storage.models.AwareDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('pause_reason', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_tickets_merged_into_id_tickets'), 'tickets', ['merged_into_id'],
                                 ['id'])
    op.create_table(
        'ticket_followers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_ticket_followers_resident_id_residents')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_followers_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_followers')),
        sa.UniqueConstraint('ticket_id', 'resident_id', name=op.f('uq_ticket_followers_ticket_id_resident_id')),
    )
    op.create_index(op.f('ix_ticket_followers_ticket_id'), 'ticket_followers', ['ticket_id'])
    op.create_index(op.f('ix_ticket_followers_resident_id'), 'ticket_followers', ['resident_id'])
    op.execute("INSERT INTO ticket_followers (ticket_id, resident_id, channel, created_at) "
               "SELECT id, resident_id, channel, created_at FROM tickets")
    op.create_table(
        'follow_ups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=True),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('asked_at', storage.models.AwareDateTime(timezone=True), nullable=False),
        sa.Column('answered_at', storage.models.AwareDateTime(timezone=True), nullable=True),
        sa.Column('fixed', sa.Boolean(), nullable=True),
        sa.Column('satisfied', sa.Boolean(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_follow_ups_recorded_by_id_staff')),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_follow_ups_resident_id_residents')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_follow_ups_staff_id_staff')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_follow_ups_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups')),
    )
    op.create_index(op.f('ix_follow_ups_ticket_id'), 'follow_ups', ['ticket_id'])
    op.create_index(op.f('ix_follow_ups_staff_id'), 'follow_ups', ['staff_id'])
    op.create_index(op.f('ix_follow_ups_resident_id'), 'follow_ups', ['resident_id'])


def downgrade() -> None:
    op.drop_table('follow_ups')
    op.drop_table('ticket_followers')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint(batch.f('fk_tickets_merged_into_id_tickets'), type_='foreignkey')
        batch.drop_column('merged_into_id')
        batch.drop_column('pause_reason')
        batch.drop_column('paused_at')
