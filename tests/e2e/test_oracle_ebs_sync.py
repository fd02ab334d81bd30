"""orderhub sync: tap-oracle-ebs | target-orderhub as processes, from a simulated EBS on
PostgreSQL into a SQLite warehouse; bad rows of a legacy database become dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.oracle_ebs.schema import (
    HZ_CUST_ACCOUNTS,
    OE_ORDER_HEADERS_ALL,
    OE_ORDER_HOLDS_ALL,
    OE_ORDER_LINES_ALL,
    WSH_DELIVERY_DETAILS,
)
from connectors.oracle_ebs.simulator import EbsDatabase, simulate
from orderhub.exceptions import SyncError
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema

H, L = OE_ORDER_HEADERS_ALL.c, OE_ORDER_LINES_ALL.c


@pytest.fixture
def ebs() -> Iterator[EbsDatabase]:
    with simulate(seed=5, count=60) as database:
        yield database


def settings(config: dict, warehouse: str) -> Settings:
    return Settings(
        warehouse=warehouse,
        pipelines={
            "ebs": PipelineSettings(
                source="oracle_ebs", config=config, streams=["orders", "customers", "shipments"]
            )
        },
    )


def source_rows(ebs: EbsDatabase, query: sa.Select) -> list[sa.Row]:
    with ebs.engine.connect() as connection:
        return list(connection.execute(query))


def warehouse_rows(runner: SyncRunner, query: sa.Select) -> list[sa.Row]:
    with runner.engine.connect() as connection:
        return list(connection.execute(query))


def make_legacy(ebs: EbsDatabase) -> dict[str, int]:
    """A legacy EBS copy: text in a NUMBER column, a line without its key, an unknown code."""
    lines = source_rows(ebs, sa.select(L.HEADER_ID, L.LINE_ID).order_by(L.LINE_ID))
    headers = sorted({h for h, _ in lines})
    bad = {
        "text_quantity": headers[1],
        "null_key": headers[2],
        "unknown_code": headers[3],
        "end_of_time": headers[4],
    }
    with ebs.engine.begin() as c:
        c.execute(
            sa.text('ALTER TABLE "OE_ORDER_LINES_ALL" DROP CONSTRAINT "OE_ORDER_LINES_ALL_pkey"')
        )
        c.execute(sa.text('ALTER TABLE "OE_ORDER_LINES_ALL" ALTER COLUMN "LINE_ID" DROP NOT NULL'))
        c.execute(
            sa.text(
                'ALTER TABLE "OE_ORDER_LINES_ALL" ALTER COLUMN "ORDERED_QUANTITY" TYPE varchar(40)'
            )
        )
        first_line = {h: line for h, line in reversed(lines)}
        c.execute(
            sa.text(
                'UPDATE "OE_ORDER_LINES_ALL" SET "ORDERED_QUANTITY" = :text WHERE "LINE_ID" = :l'
            ),
            {"l": first_line[bad["text_quantity"]], "text": "12 EA"},
        )
        c.execute(
            sa.text('UPDATE "OE_ORDER_LINES_ALL" SET "LINE_ID" = NULL WHERE "LINE_ID" = :l'),
            {"l": first_line[bad["null_key"]]},
        )
        c.execute(
            OE_ORDER_HEADERS_ALL.update()
            .where(bad["unknown_code"] == H.HEADER_ID)
            .values(FLOW_STATUS_CODE="AWAITING_MARS_APPROVAL")
        )
        # Oracle's last DATE: no UTC instant in range east of UTC+0 (was a crash, every rerun)
        c.execute(
            OE_ORDER_HEADERS_ALL.update()
            .where(bad["end_of_time"] == H.HEADER_ID)
            .values(ORDERED_DATE=datetime(9999, 12, 31, 23, 59, 59))
        )
    return bad


def test_ebs_syncs_into_the_unified_tables_and_bad_rows_are_dead_letters(
    ebs: EbsDatabase, sqlite_url: str, tmp_path: Path
) -> None:
    bad = make_legacy(ebs)
    runner = SyncRunner(settings(ebs.tap_config(), sqlite_url), work_dir=tmp_path)
    run = runner.run("ebs")
    assert run.status == "succeeded", run

    letters = {
        int(r.record_key): r
        for r in warehouse_rows(
            runner,
            sa.select(schema.dead_letters).where(
                schema.dead_letters.c.source_system == "oracle_ebs"
            ),
        )
    }
    assert set(letters) == set(bad.values())
    quantity = letters[bad["text_quantity"]]
    assert quantity.stream == "orders" and quantity.field.startswith("order_line[")
    assert quantity.field.endswith(".quantity") and "'12 EA'" in quantity.reason
    assert letters[bad["null_key"]].rule == "required"
    assert letters[bad["null_key"]].field.endswith(".source_id")
    unknown = letters[bad["unknown_code"]]
    assert unknown.rule == "unknown_code" and "AWAITING_MARS_APPROVAL" in unknown.reason
    assert unknown.field == "order.status"
    end_of_time = letters[bad["end_of_time"]]
    assert end_of_time.field == "order.ordered_at" and "9999-12-31" in end_of_time.reason

    headers = source_rows(ebs, sa.select(OE_ORDER_HEADERS_ALL))
    loaded = {int(r.source_id): r for r in warehouse_rows(runner, sa.select(schema.orders))}
    assert set(loaded) == {h.HEADER_ID for h in headers} - set(bad.values())
    held = {
        h
        for (h,) in source_rows(
            ebs,
            sa.select(OE_ORDER_HOLDS_ALL.c.HEADER_ID).where(
                OE_ORDER_HOLDS_ALL.c.RELEASED_FLAG == "N"
            ),
        )
    }
    for header in headers:
        if header.HEADER_ID not in loaded:
            continue
        status = loaded[header.HEADER_ID].status
        expected = {
            "ENTERED": "pending_payment",
            "CANCELLED": "cancelled",
            "CLOSED": "returned" if header.ORDER_CATEGORY_CODE == "RETURN" else "completed",
        }.get(header.FLOW_STATUS_CODE)
        if header.HEADER_ID in held and header.FLOW_STATUS_CODE == "BOOKED" and status != "shipped":
            expected = "on_hold"
        elif header.ORDER_CATEGORY_CODE == "RETURN" and header.FLOW_STATUS_CODE == "BOOKED":
            expected = "returned"
        if expected:
            assert status == expected, f"order {header.HEADER_ID} ({header.FLOW_STATUS_CODE})"
        # naive Los Angeles wall time at the source, the same instant in UTC here
        local = header.ORDERED_DATE or header.CREATION_DATE
        assert loaded[header.HEADER_ID].ordered_at == ebs.clock.to_utc(local)
    statuses = {r.status for r in loaded.values()}
    assert {
        "pending_payment",
        "allocated",
        "packed",
        "completed",
        "cancelled",
        "on_hold",
        "returned",
    } <= statuses

    # Totals are computed from the lines; return lines count negative.
    with ebs.engine.connect() as connection:  # ORDERED_QUANTITY is text now: read it raw
        lines = list(
            connection.execute(
                sa.text(
                    'SELECT "HEADER_ID", "ORDERED_QUANTITY", "UNIT_SELLING_PRICE", '
                    '"LINE_CATEGORY_CODE" FROM "OE_ORDER_LINES_ALL"'
                )
            )
        )
    for header_id, order in loaded.items():
        expected_total = sum(
            (
                Decimal(q) * p * (-1 if cat == "RETURN" else 1)
                for h, q, p, cat in lines
                if h == header_id
            ),
            Decimal(0),
        )
        assert order.total_amount == expected_total, header_id
    assert any(o.total_amount < 0 for o in loaded.values())  # an RMA
    line_count = warehouse_rows(runner, sa.select(sa.func.count()).select_from(schema.order_lines))[
        0
    ][0]
    assert line_count == sum(1 for h, *_ in lines if h in loaded)

    accounts = source_rows(ebs, sa.select(HZ_CUST_ACCOUNTS.c.CUST_ACCOUNT_ID))
    customers = warehouse_rows(runner, sa.select(schema.customers))
    assert {int(c.source_id) for c in customers} == {a for (a,) in accounts}
    assert all(c.email and c.phone and c.default_address for c in customers)
    details = source_rows(ebs, sa.select(WSH_DELIVERY_DETAILS.c.DELIVERY_DETAIL_ID))
    shipments = warehouse_rows(runner, sa.select(schema.shipments))
    assert {int(s.source_id) for s in shipments} == {d for (d,) in details}
    assert {"info_received", "in_transit", "delivered"} <= {s.status for s in shipments}

    # the second sync reads only what changed, and a delete reaches the warehouse
    changed = ebs.change(6)
    deleted = ebs.delete(1)
    again = runner.run("ebs")
    assert again.stream_counts["orders"]["records_in"] < len(headers) // 2
    gone = int(next(iter(deleted["orders"])))
    row = warehouse_rows(
        runner, sa.select(schema.orders.c.deleted_at).where(schema.orders.c.source_id == str(gone))
    )
    assert row and row[0].deleted_at is not None
    versions = {
        int(r.source_id): r.source_updated_at
        for r in warehouse_rows(runner, sa.select(schema.orders))
    }
    current = ebs.current("orders")
    for key in changed["orders"] - set(map(str, bad.values())):
        assert versions[int(key)].isoformat().replace("+00:00", "") == current[key].replace(
            "+00:00", ""
        )


def test_an_unreachable_database_fails_naming_the_setting_without_the_password(
    sqlite_url: str, tmp_path: Path
) -> None:
    secret = "Ebs-Pa55word-e2e"
    config = {
        "sqlalchemy_url": f"postgresql+psycopg://apps:{secret}@127.0.0.1:9/ebs",
        "timezone": "UTC",
    }
    runner = SyncRunner(settings(config, sqlite_url), work_dir=tmp_path)
    with pytest.raises(SyncError) as error:
        runner.run("ebs")
    assert "sqlalchemy_url" in str(error.value)
    assert secret not in str(error.value)
    for log in tmp_path.rglob("*.log"):
        assert secret not in log.read_text()
