"""unlinked clues: the retry cache keyed by sealed keys and without a resident for a clue's turns; a clue's
contact offer found by a sealed token instead of its receipt

The retry cache's old rows are keyed by `<sender>:<message id>` in the clear; they are dropped (a retry that
crosses the upgrade is answered as a new message).

Revision ID: b5d2e8f1a3c9
Revises: 4e8a1c7d2f60
Create Date: 2026-12-05 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b5d2e8f1a3c9'
down_revision: str | None = '4e8a1c7d2f60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM processed_messages")
    with op.batch_alter_table('processed_messages') as batch:
        batch.alter_column('resident_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('clues') as batch:
        batch.add_column(sa.Column('contact_seal', sa.String(length=64), nullable=True))
        batch.create_unique_constraint(batch.f('uq_clues_contact_seal'), ['contact_seal'])


def downgrade() -> None:
    with op.batch_alter_table('clues') as batch:
        batch.drop_constraint(batch.f('uq_clues_contact_seal'), type_='unique')
        batch.drop_column('contact_seal')
    op.execute("DELETE FROM processed_messages WHERE resident_id IS NULL")
    with op.batch_alter_table('processed_messages') as batch:
        batch.alter_column('resident_id', existing_type=sa.Integer(), nullable=False)
