"""staff answers: a staff command's answer kept by its message, so a platform's retry gets it again

Revision ID: 4e8a1c7d2f60
Revises: 9d4f2b6c1e83
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = '4e8a1c7d2f60'
down_revision: str | None = '9d4f2b6c1e83'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'staff_answers',
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('message_key', sa.String(length=100), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'message_key', name=op.f('pk_staff_answers')),
    )


def downgrade() -> None:
    op.drop_table('staff_answers')
