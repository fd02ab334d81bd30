"""hardening: run owners and pipeline locks, history event keys, amounts after refunds

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:50:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

import orderhub.warehouse.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_UTC = orderhub.warehouse.types.UTCDateTime(timezone=True)
#: The namespace orderhub.warehouse.order_status derives history event keys in.
_EVENT_NAMESPACE = uuid.UUID("0f6a1c8e-3b52-4d6e-9f1e-7c2b8d4a5e90")


def _event_key(row: sa.Row, origin: str) -> uuid.UUID:
    occurred = row.occurred_at
    text = "\x1f".join(
        [
            str(row.order_key),
            occurred.isoformat() if hasattr(occurred, "isoformat") else str(occurred),
            row.previous_status or "",
            row.status,
            "1" if row.accepted else "0",
            origin,
        ]
    )
    return uuid.uuid5(_EVENT_NAMESPACE, text)


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=32)
        )
        batch_op.add_column(sa.Column("unmapped", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("invalid_messages", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))

    op.create_table(
        "pipeline_locks",
        sa.Column("pipeline", sa.String(length=128), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("private_dir", sa.Text(), nullable=True),
        sa.Column("acquired_at", _UTC, nullable=False),
        sa.Column("heartbeat_at", _UTC, nullable=False),
        sa.PrimaryKeyConstraint("pipeline", name=op.f("pk_pipeline_locks")),
    )

    with op.batch_alter_table("dead_letters") as batch_op:
        batch_op.alter_column("source_system", existing_type=sa.String(64), type_=sa.Text())
        batch_op.alter_column("stream", existing_type=sa.String(128), type_=sa.Text())
        batch_op.alter_column("field", existing_type=sa.String(255), type_=sa.Text())

    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column("refunded_amount", orderhub.warehouse.types.ExactDecimal(), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "current_total_amount", orderhub.warehouse.types.ExactDecimal(), nullable=True
            )
        )
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.add_column(
            sa.Column("current_quantity", orderhub.warehouse.types.ExactDecimal(), nullable=True)
        )

    with op.batch_alter_table("order_status_history") as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="source")
        )
        batch_op.add_column(sa.Column("mapping_version", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", _UTC, nullable=True))
        batch_op.add_column(sa.Column("event_key", sa.Uuid(), nullable=True))
    history = sa.table(
        "order_status_history",
        sa.column("id", sa.BigInteger()),
        sa.column("order_key", sa.Uuid()),
        sa.column("previous_status", sa.String()),
        sa.column("status", sa.String()),
        sa.column("status_raw", sa.Text()),
        sa.column("occurred_at", _UTC),
        sa.column("accepted", sa.Boolean()),
        sa.column("origin", sa.String()),
        sa.column("event_key", sa.Uuid()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(history)).all()
    origin_of = {
        row.id: "tracking" if (row.status_raw or "").startswith("tracking:") else "source"
        for row in rows
    }
    for row in rows:
        origin = origin_of[row.id]
        connection.execute(
            history.update()
            .where(history.c.id == row.id)
            .values(event_key=_event_key(row, origin), origin=origin)
        )
    with op.batch_alter_table("order_status_history") as batch_op:
        batch_op.alter_column("event_key", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_constraint(
            "uq_order_status_history_order_key_occurred_at_status", type_="unique"
        )
        batch_op.create_unique_constraint(op.f("uq_order_status_history_event_key"), ["event_key"])
        batch_op.create_index("ix_order_status_history_order_key", ["order_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("order_status_history") as batch_op:
        batch_op.drop_index("ix_order_status_history_order_key")
        batch_op.drop_constraint(op.f("uq_order_status_history_event_key"), type_="unique")
        batch_op.drop_column("event_key")
        batch_op.create_unique_constraint(
            "uq_order_status_history_order_key_occurred_at_status",
            ["order_key", "occurred_at", "status"],
        )
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("mapping_version")
        batch_op.drop_column("origin")
    with op.batch_alter_table("order_lines") as batch_op:
        batch_op.drop_column("current_quantity")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("current_total_amount")
        batch_op.drop_column("refunded_amount")
    op.drop_table("pipeline_locks")
    with op.batch_alter_table("sync_runs") as batch_op:
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
        batch_op.drop_column("invalid_messages")
        batch_op.drop_column("unmapped")
