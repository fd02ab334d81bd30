"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 01:50:13.938223
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orderhub.warehouse.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column(
            "source_updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("phone_raw", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phone_status", sa.String(length=32), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column(
            "default_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("source_stream", sa.String(length=128), nullable=False),
        sa.Column("source_record_key", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("customer_key", name=op.f("pk_customers")),
        sa.UniqueConstraint(
            "source_system", "source_id", name=op.f("uq_customers_source_system_source_id")
        ),
    )
    op.create_table(
        "dead_letters",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=255), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "first_seen_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "resolved_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint(
            "record_key",
            "source_system",
            "stream",
            "payload_hash",
            name=op.f("uq_dead_letters_record_key_source_system_stream_payload_hash"),
        ),
    )
    op.create_table(
        "order_lines",
        sa.Column("line_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column(
            "source_updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("order_source_id", sa.Text(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=True),
        sa.Column("sku", sa.Text(), nullable=True),
        sa.Column("product_name", sa.Text(), nullable=True),
        sa.Column(
            "quantity", orderhub.warehouse.types.ExactDecimal(precision=20, scale=4), nullable=False
        ),
        sa.Column(
            "unit_price",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=False,
        ),
        sa.Column(
            "discount_amount",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=True,
        ),
        sa.Column(
            "line_total",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=False,
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("order_key", sa.Uuid(), nullable=True),
        sa.Column("source_stream", sa.String(length=128), nullable=False),
        sa.Column("source_record_key", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("line_key", name=op.f("pk_order_lines")),
        sa.UniqueConstraint(
            "source_system", "source_id", name=op.f("uq_order_lines_source_system_source_id")
        ),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index("ix_order_lines_order_key", ["order_key"], unique=False)

    op.create_table(
        "order_status_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("order_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column("previous_status", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_raw", sa.Text(), nullable=True),
        sa.Column(
            "occurred_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column(
            "recorded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_status_history")),
        sa.UniqueConstraint(
            "order_key",
            "occurred_at",
            "status",
            name=op.f("uq_order_status_history_order_key_occurred_at_status"),
        ),
    )
    op.create_table(
        "orders",
        sa.Column("order_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column(
            "source_updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("phone_raw", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phone_status", sa.String(length=32), nullable=True),
        sa.Column("order_number", sa.Text(), nullable=True),
        sa.Column("customer_source_id", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_raw", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column(
            "subtotal_amount",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=True,
        ),
        sa.Column(
            "discount_amount",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=True,
        ),
        sa.Column(
            "shipping_amount",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=True,
        ),
        sa.Column(
            "tax_amount",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=True,
        ),
        sa.Column(
            "total_amount",
            orderhub.warehouse.types.ExactDecimal(precision=20, scale=4),
            nullable=False,
        ),
        sa.Column(
            "ordered_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "cancelled_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("closed_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column(
            "shipping_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "billing_address",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("customer_key", sa.Uuid(), nullable=True),
        sa.Column("status_set_by", sa.String(length=16), server_default="source", nullable=False),
        sa.Column("source_stream", sa.String(length=128), nullable=False),
        sa.Column("source_record_key", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("order_key", name=op.f("pk_orders")),
        sa.UniqueConstraint(
            "source_system", "source_id", name=op.f("uq_orders_source_system_source_id")
        ),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_customer_key", ["customer_key"], unique=False)

    op.create_table(
        "payments",
        sa.Column("payment_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column(
            "source_updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("order_source_id", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column(
            "amount", orderhub.warehouse.types.ExactDecimal(precision=20, scale=4), nullable=False
        ),
        sa.Column("currency", sa.Text(), nullable=False),
        sa.Column("gateway", sa.Text(), nullable=True),
        sa.Column(
            "processed_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("order_key", sa.Uuid(), nullable=True),
        sa.Column("source_stream", sa.String(length=128), nullable=False),
        sa.Column("source_record_key", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("payment_key", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "source_system", "source_id", name=op.f("uq_payments_source_system_source_id")
        ),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_order_key", ["order_key"], unique=False)

    op.create_table(
        "raw_records",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "source_version", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("mapped_version", sa.String(length=128), nullable=True),
        sa.Column(
            "first_seen_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_run_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_records")),
        sa.UniqueConstraint(
            "record_key",
            "source_system",
            "stream",
            name=op.f("uq_raw_records_record_key_source_system_stream"),
        ),
    )
    op.create_table(
        "shipments",
        sa.Column("shipment_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column(
            "source_updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("order_source_id", sa.Text(), nullable=False),
        sa.Column("carrier", sa.Text(), nullable=True),
        sa.Column("tracking_number", sa.Text(), nullable=True),
        sa.Column("tracking_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("status_raw", sa.Text(), nullable=True),
        sa.Column("shipped_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "delivered_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("order_key", sa.Uuid(), nullable=True),
        sa.Column("source_stream", sa.String(length=128), nullable=False),
        sa.Column("source_record_key", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("shipment_key", name=op.f("pk_shipments")),
        sa.UniqueConstraint(
            "source_system", "source_id", name=op.f("uq_shipments_source_system_source_id")
        ),
    )
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.create_index("ix_shipments_order_key", ["order_key"], unique=False)

    op.create_table(
        "sync_runs",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("pipeline", sa.String(length=128), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "started_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("records_in", sa.Integer(), nullable=False),
        sa.Column("upserted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("dead_lettered", sa.Integer(), nullable=False),
        sa.Column("rejected_transitions", sa.Integer(), nullable=False),
        sa.Column(
            "stream_counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_sync_runs")),
    )
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sync_runs_pipeline_started_at", ["pipeline", "started_at"], unique=False
        )

    op.create_table(
        "sync_state",
        sa.Column("pipeline", sa.String(length=128), nullable=False),
        sa.Column(
            "state",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("run_id", sa.String(length=36), nullable=True),
        sa.Column(
            "updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("pipeline", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "tracking_events",
        sa.Column("event_key", sa.Uuid(), nullable=False),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=255), nullable=False),
        sa.Column(
            "source_updated_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("shipment_source_id", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_raw", sa.Text(), nullable=False),
        sa.Column(
            "occurred_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("shipment_key", sa.Uuid(), nullable=True),
        sa.Column("source_stream", sa.String(length=128), nullable=False),
        sa.Column("source_record_key", sa.Text(), nullable=False),
        sa.Column("mapping_version", sa.String(length=128), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", orderhub.warehouse.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_key", name=op.f("pk_tracking_events")),
        sa.UniqueConstraint(
            "source_system", "source_id", name=op.f("uq_tracking_events_source_system_source_id")
        ),
    )
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.create_index("ix_tracking_events_shipment_key", ["shipment_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tracking_events", schema=None) as batch_op:
        batch_op.drop_index("ix_tracking_events_shipment_key")

    op.drop_table("tracking_events")
    op.drop_table("sync_state")
    with op.batch_alter_table("sync_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_runs_pipeline_started_at")

    op.drop_table("sync_runs")
    with op.batch_alter_table("shipments", schema=None) as batch_op:
        batch_op.drop_index("ix_shipments_order_key")

    op.drop_table("shipments")
    op.drop_table("raw_records")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_order_key")

    op.drop_table("payments")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_customer_key")

    op.drop_table("orders")
    op.drop_table("order_status_history")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_order_lines_order_key")

    op.drop_table("order_lines")
    op.drop_table("dead_letters")
    op.drop_table("customers")
