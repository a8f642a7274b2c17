"""staff link codes

Revision ID: ae0f88e7cff9
Revises: fe6cfd908948
Create Date: 2026-11-22 23:17:42.907425
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = 'ae0f88e7cff9'
down_revision: str | None = 'fe6cfd908948'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_link_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('expires_at', storage.models.AwareDateTime(timezone=True), nullable=False),
    sa.Column('used_at', storage.models.AwareDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_link_codes_staff_id_staff')),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_staff_link_codes'))
    )
    with op.batch_alter_table('staff_link_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_link_codes_staff_id'), ['staff_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('staff_link_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_link_codes_staff_id'))

    op.drop_table('staff_link_codes')
