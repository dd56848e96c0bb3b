"""member GSTIN and firm name (invoices pay only the buyer's member)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("gstin", sa.String(length=15), nullable=True))
        batch.add_column(sa.Column("firm_name", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("gstin_shared", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.create_index(batch.f("ix_members_gstin"), ["gstin"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_index(batch.f("ix_members_gstin"))
        batch.drop_column("gstin_shared")
        batch.drop_column("firm_name")
        batch.drop_column("gstin")
