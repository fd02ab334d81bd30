"""customers carry the golden customer ID dedupe assigns across sources; dedupe keeps its
runs, pair evidence, steward decisions and golden ID history

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orderhub.warehouse.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id(name: str = "id") -> sa.Column[int]:
    return sa.Column(
        name,
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def _pair_keys() -> list[sa.Column[str]]:
    return [
        sa.Column("left_source_system", sa.String(64), nullable=False),
        sa.Column("left_source_id", sa.String(255), nullable=False),
        sa.Column("right_source_system", sa.String(64), nullable=False),
        sa.Column("right_source_id", sa.String(255), nullable=False),
    ]


def _pair_unique(table: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(
        "left_source_system",
        "left_source_id",
        "right_source_system",
        "right_source_id",
        name=f"uq_{table}_pair",
    )


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("golden_customer_id", sa.Uuid(), nullable=True))
        batch.create_index("ix_customers_golden_customer_id", ["golden_customer_id"])
    moment = orderhub.warehouse.types.UTCDateTime
    counts = [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in (
            "customers",
            "golden_ids",
            "match_pairs",
            "review_pairs",
            "pending_review",
            "created",
            "merges",
            "splits",
            "retired",
            "changed",
        )
    ]
    op.create_table(
        "dedupe_runs",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("started_at", moment(), nullable=False),
        sa.Column("finished_at", moment(), nullable=True),
        *counts,
        sa.PrimaryKeyConstraint("run_id", name="pk_dedupe_runs"),
    )
    op.create_table(
        "dedupe_pairs",
        _id("pair_id"),
        sa.Column("run_id", sa.String(36), nullable=False),
        *_pair_keys(),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("band", sa.String(16), nullable=True),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("golden_customer_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("pair_id", name="pk_dedupe_pairs"),
        _pair_unique("dedupe_pairs"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "dedupe_decisions",
        _id(),
        *_pair_keys(),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("decided_by", sa.String(255), nullable=False),
        sa.Column("decided_at", moment(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dedupe_decisions"),
        _pair_unique("dedupe_decisions"),
    )
    op.create_table(
        "golden_id_events",
        _id(),
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("golden_customer_id", sa.Uuid(), nullable=False),
        sa.Column("other_ids", _json(), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("occurred_at", moment(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_golden_id_events"),
    )
    op.create_index(
        "ix_golden_id_events_golden_customer_id", "golden_id_events", ["golden_customer_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_golden_id_events_golden_customer_id", table_name="golden_id_events")
    for table in ("golden_id_events", "dedupe_decisions", "dedupe_pairs", "dedupe_runs"):
        op.drop_table(table)
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_golden_customer_id")
        batch.drop_column("golden_customer_id")
