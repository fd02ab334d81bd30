"""A small clean warehouse for the standards' tests, written through the model.

Rows are built as unified entities (so they are what a sync would store) and inserted
with the warehouse's own tables; a test then breaks one record on purpose with SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table

from orderhub.model.entities import (
    Customer,
    Order,
    OrderLine,
    Payment,
    Shipment,
    TrackingEvent,
    UnifiedEntity,
)
from orderhub.warehouse.records import row_of
from orderhub.warehouse.schema import ENTITY_TABLE_NAMES, ENTITY_TABLES

SOURCES = ("shopify", "sap", "u8")
WHEN = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
PII_PHONE = "+8613812345678"
PII_EMAIL = "zhang.wei@example.com"


def _stored(entity: UnifiedEntity) -> dict[str, Any]:
    return {
        **row_of(entity),
        entity.KEY_COLUMN: entity.key,
        "source_stream": entity.KIND,
        "source_record_key": entity.source_id,
        "mapping_version": "test",
        "row_hash": "0" * 64,
        "loaded_at": WHEN,
    }


def entities(source: str, orders: int = 3) -> list[UnifiedEntity]:
    """Clean customers, orders, lines, payments, shipments and scans of one source."""
    made: list[UnifiedEntity] = []
    common = {"source_system": source, "source_updated_at": WHEN}
    for n in range(orders):
        customer = f"c{n}"
        made.append(
            Customer(
                **common,
                source_id=customer,
                email=PII_EMAIL if n == 0 else f"buyer{n}@shop.example",
                phone_raw=PII_PHONE if n == 0 else "138****1234",
                full_name="张伟",
                default_address={"country_code": "CN", "city": "上海"},
            )
        )
        made.append(
            Order(
                **common,
                source_id=f"o{n}",
                customer_source_id=customer,
                status="paid",
                status_raw="PAID",
                currency="CNY",
                subtotal_amount=Decimal("30.00"),
                discount_amount=Decimal("5.00"),
                shipping_amount=Decimal("10.00"),
                tax_amount=Decimal("1.50"),
                total_amount=Decimal("36.50"),
                ordered_at=WHEN,
                email=PII_EMAIL,
                phone_raw=PII_PHONE,
                shipping_address={"country_code": "CN"},
            )
        )
        for line, (qty, price) in enumerate([("2", "10.00"), ("1", "10.00")]):
            made.append(
                OrderLine(
                    **common,
                    source_id=f"o{n}-{line}",
                    order_source_id=f"o{n}",
                    quantity=Decimal(qty),
                    unit_price=Decimal(price),
                    line_total=Decimal(qty) * Decimal(price),
                    currency="CNY",
                )
            )
        made.append(
            Payment(
                **common,
                source_id=f"p{n}",
                order_source_id=f"o{n}",
                kind="capture",
                status="success",
                amount=Decimal("36.50"),
                currency="CNY",
                processed_at=WHEN,
            )
        )
        made.append(
            Shipment(
                **common,
                source_id=f"s{n}",
                order_source_id=f"o{n}",
                status="in_transit",
                shipped_at=WHEN,
            )
        )
        made.append(
            TrackingEvent(
                **common,
                source_id=f"t{n}",
                shipment_source_id=f"s{n}",
                status="in_transit",
                status_raw="IN_TRANSIT",
                occurred_at=WHEN,
            )
        )
    return made


def red_ink_return(source: str) -> list[UnifiedEntity]:
    """A U8-style red-ink return: every amount and quantity negative, prices positive."""
    common = {"source_system": source, "source_updated_at": WHEN}
    return [
        Order(
            **common,
            source_id="r0",
            status="returned",
            status_raw="RED",
            currency="CNY",
            subtotal_amount=Decimal("-20.00"),
            total_amount=Decimal("-20.00"),
            ordered_at=WHEN,
        ),
        OrderLine(
            **common,
            source_id="r0-0",
            order_source_id="r0",
            quantity=Decimal("-2"),
            unit_price=Decimal("10.00"),
            line_total=Decimal("-20.00"),
            currency="CNY",
        ),
    ]


def load_clean(engine: Engine, sources: tuple[str, ...] = SOURCES, orders: int = 3) -> None:
    """Insert the clean data set of every source; golden IDs set (dedupe has run)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for source in sources:
        returns = red_ink_return(source) if source == "u8" else []
        for entity in [*entities(source, orders), *returns]:
            row = _stored(entity)
            if isinstance(entity, Customer):
                row["golden_customer_id"] = entity.key
            rows.setdefault(entity.KIND, []).append(row)
    with engine.begin() as connection:
        for kind, batch in rows.items():
            table: Table = ENTITY_TABLES[kind]
            connection.execute(table.insert(), batch)


TABLE_OF = {name: ENTITY_TABLES[kind] for kind, name in ENTITY_TABLE_NAMES.items()}
