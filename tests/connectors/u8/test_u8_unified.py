"""From U8 rows to the unified tables: Chinese text unchanged, red-ink returns signed,
shipments of another stream kept when their order is reloaded."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from connectors.u8 import sample
from connectors.u8.schema import Customer, SO_SODetails, SO_SOMain
from connectors.u8.simulator import ACCOUNT_YEAR, U8Database
from orderhub.connector_kit.run import TapOutput
from orderhub.target import TargetOrderhub
from orderhub.warehouse import schema
from tests.connectors.u8.conftest import sync


def load(warehouse_url: str, output: TapOutput) -> None:
    target = TargetOrderhub(
        config={"warehouse_url": warehouse_url, "source_system": "u8"}, validate_config=True
    )
    target.listen(io.StringIO("".join(json.dumps(m) + "\n" for m in output.messages)))


def rows(engine: Engine, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.select(table).where(*where)).mappings()]


def test_chinese_text_round_trips_unchanged(
    u8: U8Database, warehouse: Engine, warehouse_url: str
) -> None:
    load(warehouse_url, sync(u8.tap_config()))
    with u8.engine.connect() as connection:
        source_customers = {f"999-{r.cCusCode}": r for r in connection.execute(sa.select(Customer))}
        source_lines = {
            f"{ACCOUNT_YEAR}-{r.AutoID}": r.cInvName
            for r in connection.execute(sa.select(SO_SODetails))
        }
        source_orders = {
            f"{ACCOUNT_YEAR}-{r.ID}": r for r in connection.execute(sa.select(SO_SOMain))
        }
    customers = {c["source_id"]: c for c in rows(warehouse, schema.customers)}
    assert set(customers) == set(source_customers)
    for key, customer in customers.items():
        assert customer["full_name"] == source_customers[key].cCusName
        assert customer["default_address"]["line1"] == source_customers[key].cCusAddress
        assert customer["default_address"]["name"] == source_customers[key].cCusPerson
    assert customers["999-C0000"]["full_name"] == "北京华联商厦股份有限公司"
    assert customers["999-C0000"]["default_address"]["line1"].startswith("北京市朝阳区")
    lines = {
        line["source_id"]: line["product_name"] for line in rows(warehouse, schema.order_lines)
    }
    assert lines == source_lines
    assert {name for name in lines.values()} <= {p[1] for p in sample.PRODUCTS}
    for order in rows(warehouse, schema.orders):
        address = order["shipping_address"]
        assert address["line1"] == source_orders[order["source_id"]].cCusOAddress
        assert address["company"] == source_orders[order["source_id"]].cCusName


def test_a_red_ink_return_is_loaded_signed_as_a_return(
    u8: U8Database, warehouse: Engine, warehouse_url: str
) -> None:
    load(warehouse_url, sync(u8.tap_config()))
    with u8.engine.connect() as connection:
        returns = {
            f"{ACCOUNT_YEAR}-{i}"
            for i in connection.execute(
                sa.select(SO_SOMain.c.ID).where(SO_SOMain.c.bReturnFlag == 1)
            ).scalars()
        }
    assert returns
    assert not rows(warehouse, schema.dead_letters)
    for order in rows(warehouse, schema.orders, schema.orders.c.source_id.in_(returns)):
        assert order["status"] == "returned"
        assert order["total_amount"] < 0 and order["tax_amount"] < 0
        lines = rows(
            warehouse, schema.order_lines, schema.order_lines.c.order_key == order["order_key"]
        )
        assert lines and all(line["quantity"] < 0 and line["line_total"] < 0 for line in lines)
        assert all(line["unit_price"] > 0 for line in lines)
        # lines exclude tax: they add up to the subtotal, and tax makes the (negative) total
        assert sum(Decimal(line["line_total"]) for line in lines) == order["subtotal_amount"]
        assert order["subtotal_amount"] + order["tax_amount"] == order["total_amount"]


def test_reloading_an_order_keeps_the_shipments_of_the_shipments_stream(
    u8: U8Database, warehouse: Engine, warehouse_url: str
) -> None:
    first = sync(u8.tap_config())
    load(warehouse_url, first)
    live = schema.shipments.c.deleted_at.is_(None)
    shipped = rows(warehouse, schema.shipments, live)
    assert shipped
    order_of = {s["order_key"] for s in shipped}
    # Every order with a shipment changes (a line only): its lines come again, newer.
    with u8.engine.begin() as connection:
        for order in rows(warehouse, schema.orders, schema.orders.c.order_key.in_(order_of)):
            order_id = int(order["source_id"].rsplit("-", 1)[1])
            connection.execute(
                SO_SODetails.update().where(SO_SODetails.c["ID"] == order_id).values(cSCloser=None)
            )
    second = sync(u8.tap_config(), state=first.final_state)
    assert len(second.records("orders")) == len(order_of)
    load(warehouse_url, second)
    assert len(rows(warehouse, schema.shipments, live)) == len(shipped)
    # Lines the order payload no longer has are still soft-deleted (its own stream).
    # U8's client deletes a line by saving the order: the header is modified with it.
    with u8.engine.begin() as connection:
        order = rows(warehouse, schema.orders, schema.orders.c.order_key == min(order_of))[0]
        order_id = int(order["source_id"].rsplit("-", 1)[1])
        doomed = connection.execute(
            sa.select(sa.func.max(SO_SODetails.c.AutoID)).where(SO_SODetails.c["ID"] == order_id)
        ).scalar_one()
        connection.execute(SO_SODetails.delete().where(SO_SODetails.c.AutoID == doomed))
        connection.execute(
            SO_SOMain.update().where(SO_SOMain.c["ID"] == order_id).values(cmodifier="张三")
        )
    load(warehouse_url, sync(u8.tap_config(), state=second.final_state))
    line_key = schema.order_lines.c.source_id == f"{ACCOUNT_YEAR}-{doomed}"
    assert rows(warehouse, schema.order_lines, line_key)[0]["deleted_at"] is not None
    assert len(rows(warehouse, schema.shipments, live)) == len(shipped)
