"""194R catch-up: each redemption keeps the TDS rate, the benefit value its TDS covers and the brand's part

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 09:15:00

Existing rows were taxed on their own value: their covered value is their gross value, and a
gross-up row's whole TDS was the brand's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tds_rate_percent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tds_base_paise', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('tds_brand_paise', sa.BigInteger(), server_default='0', nullable=False))
    op.execute("UPDATE redemptions SET tds_base_paise = gross_paise WHERE tds_paise > 0")
    op.execute("UPDATE redemptions SET tds_brand_paise = tds_paise WHERE tds_paise > 0 AND tds_mode = 'grossup'")
    op.execute("UPDATE redemptions SET tds_rate_percent = CASE WHEN tds_mode = 'grossup' "
               "THEN (tds_paise * 100 + (gross_paise + tds_paise) / 2) / (gross_paise + tds_paise) "
               "ELSE (tds_paise * 100 + gross_paise / 2) / gross_paise END WHERE tds_paise > 0")


def downgrade() -> None:
    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_column('tds_brand_paise')
        batch_op.drop_column('tds_base_paise')
        batch_op.drop_column('tds_rate_percent')
