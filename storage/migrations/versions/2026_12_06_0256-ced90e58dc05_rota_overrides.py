"""rota overrides: who is on duty for one date's shift, changed by a secretary from the profile's rota

Revision ID: ced90e58dc05
Revises: 804b7e3d2691
Create Date: 2026-12-06 02:56:31
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = 'ced90e58dc05'
down_revision: str | None = '804b7e3d2691'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rota_overrides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('starts', sa.String(length=5), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.models.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['community_id'], ['communities.id'],
                                name=op.f('fk_rota_overrides_community_id_communities')),
        sa.ForeignKeyConstraint(['set_by_id'], ['staff.id'], name=op.f('fk_rota_overrides_set_by_id_staff')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_rota_overrides_staff_id_staff')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_rota_overrides')),
        sa.UniqueConstraint('community_id', 'role', 'day', 'starts',
                            name=op.f('uq_rota_overrides_community_id_role_day_starts')),
    )


def downgrade() -> None:
    op.drop_table('rota_overrides')
