"""early status callbacks: kept until the sender records the SID they name

Revision ID: 0009
Revises: 0003
Create Date: 2026-12-02 08:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'early_statuses',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('twilio_sid', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('error_code', sa.Integer(), nullable=True),
        sa.Column('received_at', storage.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_early_statuses')),
    )
    with op.batch_alter_table('early_statuses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_early_statuses_twilio_sid'), ['twilio_sid'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('early_statuses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_early_statuses_twilio_sid'))
    op.drop_table('early_statuses')
