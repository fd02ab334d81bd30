"""unit prices keep 8 decimals: ERP prices without tax (U8 iUnitPrice, EBS) carry 6 or more

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from alembic import op

import orderhub.warehouse.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _alter(precision: int, scale: int) -> None:
    # SQLite keeps exact decimals as text of any scale: only server databases change type.
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "order_lines",
        "unit_price",
        type_=orderhub.warehouse.types.ExactDecimal(precision=precision, scale=scale),
        existing_nullable=False,
    )


def upgrade() -> None:
    _alter(28, 8)


def downgrade() -> None:
    _alter(20, 4)
