"""message path: send attempts, raw inbound form, media retry bookkeeping

Revision ID: 0003
Revises: 0008
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_started_at', storage.base.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_form', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('normalized', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('not_before', storage.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('contact_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=True)
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('first_failed_at', storage.base.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_column('first_failed_at')
        batch_op.drop_column('attempts')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.alter_column('contact_id', existing_type=sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                              nullable=False)
        batch_op.drop_column('not_before')
        batch_op.drop_column('normalized')
        batch_op.drop_column('raw_form')
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_column('send_started_at')
