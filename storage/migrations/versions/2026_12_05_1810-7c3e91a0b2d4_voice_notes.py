"""voice notes: an attachment's kind, and the audio fetched from the platform

Revision ID: 7c3e91a0b2d4
Revises: 5b1d2c7e9a40
Create Date: 2026-12-05 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '7c3e91a0b2d4'
down_revision: str | None = '5b1d2c7e9a40'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), nullable=False, server_default='photo'))
        batch_op.add_column(sa.Column('content_type', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('fetch_attempts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_column('fetch_attempts')
        batch_op.drop_column('content')
        batch_op.drop_column('content_type')
        batch_op.drop_column('kind')
