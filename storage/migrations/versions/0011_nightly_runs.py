"""nightly runs: the IST days the nightly loyalty job completed (the embedded clock catches up the others)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.base

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'nightly_runs',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('done_at', storage.base.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_nightly_runs')),
    )


def downgrade() -> None:
    op.drop_table('nightly_runs')
