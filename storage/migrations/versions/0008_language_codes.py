"""language codes up to 16 characters (hi_Latn: Hindi in Latin letters)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("members", "contacts")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column('lang', existing_type=sa.String(length=5), type_=sa.String(length=16))


def downgrade() -> None:
    for table in TABLES:
        op.execute(sa.text(f"UPDATE {table} SET lang = 'hi' WHERE lang = 'hi_Latn'"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column('lang', existing_type=sa.String(length=16), type_=sa.String(length=5))
