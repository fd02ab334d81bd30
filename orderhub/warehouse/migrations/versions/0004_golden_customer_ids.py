"""customers carry the golden customer ID dedupe assigns across sources

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("golden_customer_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_customers_golden_customer_id", ["golden_customer_id"])


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_golden_customer_id")
        batch.drop_column("golden_customer_id")
