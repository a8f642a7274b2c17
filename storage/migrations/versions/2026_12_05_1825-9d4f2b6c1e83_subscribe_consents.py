"""subscribe consents: each one-time consent a WeChat user gives to a subscribe-message template

Revision ID: 9d4f2b6c1e83
Revises: 7c3e91a0b2d4
Create Date: 2026-12-05 18:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '9d4f2b6c1e83'
down_revision: str | None = '7c3e91a0b2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'subscribe_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('openid', sa.String(length=64), nullable=False),
        sa.Column('template_id', sa.String(length=100), nullable=False),
        sa.Column('granted_at', storage.models.AwareDateTime(timezone=True), nullable=False),
        sa.Column('spent_at', storage.models.AwareDateTime(timezone=True), nullable=True),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_subscribe_consents_outbox_id_outbox')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribe_consents')),
    )
    op.create_index(op.f('ix_subscribe_consents_openid'), 'subscribe_consents', ['openid', 'template_id', 'spent_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_subscribe_consents_openid'), table_name='subscribe_consents')
    op.drop_table('subscribe_consents')
