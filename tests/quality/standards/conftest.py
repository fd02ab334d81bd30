"""A warehouse per dialect, loaded clean, with one standard broken per sap record, and
the standards run once on it (GX set-up is slow: shared by the module)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from orderhub.warehouse.engine import create_warehouse_engine, migrate
from tests.conftest import scratch_pg_database
from tests.quality.standards.data import TABLE_OF, load_clean

FUTURE = datetime(2999, 1, 1, tzinfo=UTC)
#: What each break does, and the (rule -> sap source ids) the standards must report.
BREAKS: list[tuple[str, str, dict[str, Any]]] = [
    ("orders", "o1", {"total_amount": "99.00", "email": "not an email"}),
    ("order_lines", "o2-0", {"unit_price": "11.00"}),
    ("customers", "c1", {"phone_raw": "138****0000", "phone_status": "e164", "phone": "+86138"}),
    ("customers", "c2", {"phone_raw": "12345", "phone_status": "invalid", "phone": None}),
    ("customers", "c1", {"email": "not-an-email"}),
    ("customers", "c0", {"default_address": {"country_code": "XX"}}),
    ("customers", "c2", {"golden_customer_id": None}),
    ("customers", "c0", {"created_at": FUTURE}),
    ("orders", "o0", {"status": "teleported", "currency": "XYZ", "refunded_amount": "-1"}),
    ("orders", "o2", {"shipping_amount": "-10.00", "total_amount": "16.50"}),
    ("orders", "o1", {"customer_key": uuid.uuid4(), "shipping_address": {"country_code": "ZZ"}}),
    ("order_lines", "o0-1", {"quantity": "-1", "unit_price": "-10.00"}),
    ("order_lines", "o1-1", {"order_key": uuid.uuid4()}),
    ("order_lines", "o2-1", {"currency": "QQQ"}),
    ("orders", "o2", {"phone_raw": "12345", "phone_status": "invalid", "phone": None}),
    ("orders", "o0", {"phone_status": "masked", "phone": None, "ordered_at": FUTURE}),
    ("orders", "o0", {"billing_address": {"country_code": "cn"}}),
    ("payments", "p1", {"processed_at": FUTURE}),
    ("shipments", "s2", {"shipped_at": FUTURE}),
    ("payments", "p0", {"amount": "-5.00"}),
    ("payments", "p1", {"currency": "ZZZ"}),
    ("payments", "p2", {"order_key": uuid.uuid4()}),
    ("shipments", "s0", {"status": "lost"}),
    ("shipments", "s1", {"order_key": uuid.uuid4()}),
    ("tracking_events", "t0", {"status": "teleported"}),
    ("tracking_events", "t1", {"shipment_key": uuid.uuid4()}),
    ("tracking_events", "t2", {"occurred_at": FUTURE}),
]
EXPECTED: dict[str, set[str]] = {
    # o1: total off, and its line o1-1 moved to no order (lines no longer sum up).
    "orders.total_reconciles": {"o1"},
    "orders.email_format": {"o1"},
    "order_lines.total_reconciles": {"o2-0"},
    "customers.phone_flagged": {"c1"},
    "customers.phone_valid": {"c2"},
    "customers.email_format": {"c1"},
    "customers.country_iso3166": {"c0"},
    "customers.golden_id_present": {"c2"},
    "customers.not_in_future": {"c0"},
    "orders.status_canonical": {"o0"},
    "orders.currency_iso4217": {"o0"},
    "orders.refunded_not_negative": {"o0"},
    "orders.amounts_not_negative": {"o2"},
    "orders.customer_key_resolves": {"o1"},
    "orders.shipping_country_iso3166": {"o1"},
    "order_lines.quantities_not_negative": {"o0-1"},
    "order_lines.unit_price_not_negative": {"o0-1"},
    "order_lines.order_key_resolves": {"o1-1"},
    "order_lines.currency_iso4217": {"o2-1"},
    "orders.phone_valid": {"o2"},
    "orders.phone_flagged": {"o0"},
    "orders.not_in_future": {"o0"},
    "orders.billing_country_iso3166": {"o0"},
    "payments.not_in_future": {"p1"},
    "shipments.not_in_future": {"s2"},
    "payments.amount_not_negative": {"p0"},
    "payments.currency_iso4217": {"p1"},
    "payments.order_key_resolves": {"p2"},
    "shipments.status_canonical": {"s0"},
    "shipments.order_key_resolves": {"s1"},
    "tracking_events.status_canonical": {"t0"},
    "tracking_events.shipment_key_resolves": {"t1"},
    "tracking_events.not_in_future": {"t2"},
}


def break_standards(engine: Engine, source: str = "sap") -> None:
    """Apply :data:`BREAKS` to ``source``'s records through the warehouse tables."""
    with engine.begin() as connection:
        for table_name, source_id, values in BREAKS:
            table = TABLE_OF[table_name]
            connection.execute(
                table.update()
                .where(table.c.source_system == source, table.c.source_id == source_id)
                .values(**values)
            )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def broken_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated warehouse: shopify and u8 clean, sap with :data:`BREAKS`."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("standards")
        yield from _loaded(f"sqlite:///{folder / 'warehouse.db'}")
        return
    with scratch_pg_database() as url:
        yield from _loaded(url)


def _loaded(url: str) -> Iterator[str]:
    engine = create_warehouse_engine(url)
    migrate(engine)
    load_clean(engine)
    break_standards(engine)
    engine.dispose()
    yield url


@pytest.fixture(scope="module")
def reports_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")
