"""wechat: token store, reply window, delivery claims, attachments

Revision ID: fe6cfd908948
Revises: e312761915bf
Create Date: 2026-11-22 22:29:17.659036
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = 'fe6cfd908948'
down_revision: str | None = 'e312761915bf'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('access_tokens',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('token', sa.String(length=1000), nullable=False),
    sa.Column('expires_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_access_tokens'))
    )
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('media_id', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_attachments_resident_id_residents')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_attachments_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_resident_id'), ['resident_id', 'ticket_id'], unique=False)

    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_inbound_at', storage.models.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sends_since_inbound', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undeliverable_reason', sa.String(length=200), nullable=True))

    with op.batch_alter_table('processed_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', storage.models.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('delivered_by', sa.String(length=10), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('processed_messages', schema=None) as batch_op:
        batch_op.drop_column('delivered_by')
        batch_op.drop_column('delivered_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('undeliverable_reason')

    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_column('sends_since_inbound')
        batch_op.drop_column('last_inbound_at')

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_resident_id'))

    op.drop_table('attachments')
    op.drop_table('access_tokens')
