"""orderhub sync: tap-u8 | target-orderhub as processes, from an emulated U8 on MariaDB
(read through the MariaDB ODBC driver) into a SQLite warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote_plus

import pytest
import sqlalchemy as sa

from connectors.u8.schema import SO_SODetails, SO_SOMain
from connectors.u8.simulator import ACCOUNT_YEAR, U8Database, mariadb_odbc, odbc_url, simulate
from orderhub.exceptions import SyncError
from orderhub.runner.settings import PipelineSettings, Settings
from orderhub.runner.sync import SyncRunner
from orderhub.warehouse import schema

STREAMS = ["orders", "customers", "shipments"]


@pytest.fixture
def u8() -> Iterator[U8Database]:
    with simulate(seed=3, orders=21) as database:
        yield database


def runner_for(u8: U8Database, tmp_path: Path, **config: object) -> SyncRunner:
    pipeline = PipelineSettings(source="u8", config={**u8.tap_config(), **config}, streams=STREAMS)
    settings = Settings(
        warehouse=f"sqlite:///{tmp_path / 'warehouse.db'}", pipelines={"u8": pipeline}
    )
    return SyncRunner(settings, work_dir=tmp_path)


def table(runner: SyncRunner, entity: sa.Table) -> list[dict]:
    with runner.engine.connect() as connection:
        return [dict(r) for r in connection.execute(sa.select(entity)).mappings()]


def test_sync_loads_orders_lines_customers_and_shipments(u8: U8Database, tmp_path: Path) -> None:
    runner = runner_for(u8, tmp_path)
    first = runner.run("u8")
    assert first.status == "succeeded", first
    orders = {o["source_id"]: o for o in table(runner, schema.orders)}
    assert set(orders) == {k.replace("|", "-") for k in u8.current("orders")}
    # Seeded orders cycle through new, verified, partial, full, closed, return, line_closed.
    with u8.engine.connect() as connection:
        heads = {
            f"{ACCOUNT_YEAR}-{row.ID}": row
            for row in connection.execute(sa.select(SO_SOMain).order_by(SO_SOMain.c.ID))
        }
    expected = {
        "new": "pending_payment",
        "verified": "paid",
        "partial": "shipped",
        "full": "shipped",
        "closed": "completed",
        "return": "returned",
        "line_closed": "cancelled",
    }
    stages = list(expected)
    for index, key in enumerate(sorted(heads)):
        assert orders[key]["status"] == expected[stages[index % 7]], (key, orders[key])
    assert {o["currency"] for o in orders.values()} <= {"CNY", "USD", "HKD", "EUR", "JPY"}
    lines = table(runner, schema.order_lines)
    with u8.engine.connect() as connection:
        assert (
            len(lines)
            == connection.execute(sa.select(sa.func.count()).select_from(SO_SODetails)).scalar()
        )
    customers = table(runner, schema.customers)
    assert len(customers) == len(u8.current("customers"))
    assert "北京华联商厦股份有限公司" in {c["full_name"] for c in customers}
    shipments = table(runner, schema.shipments)
    assert len(shipments) == len(u8.current("shipments"))
    assert all(s["deleted_at"] is None and s["status"] == "picked_up" for s in shipments)
    assert {s["order_source_id"] for s in shipments} <= set(orders)

    changed = u8.change(8)
    second = runner.run("u8")
    assert second.status == "succeeded", second
    assert second.stream_counts["orders"]["records_in"] == len(changed["orders"])
    assert second.stream_counts["customers"]["records_in"] == len(changed["customers"])
    # Re-emitted orders do not drop the shipments another stream loaded for them.
    shipments = table(runner, schema.shipments)
    assert len(shipments) == len(u8.current("shipments"))
    assert all(s["deleted_at"] is None for s in shipments)
    third = runner.run("u8")
    assert third.records_in == 0


def test_bad_records_become_dead_letters_and_the_rest_loads(u8: U8Database, tmp_path: Path) -> None:
    with u8.engine.begin() as connection:
        # A customised database: text in a quantity column (SQL Server would be NVARCHAR).
        connection.exec_driver_sql("ALTER TABLE SO_SODetails MODIFY iQuantity VARCHAR(30)")
        ids = list(connection.execute(sa.select(SO_SOMain.c.ID).order_by(SO_SOMain.c.ID)).scalars())
        text_qty, null_code, bad_currency, bad_flag, year_one = ids[1:6]
        connection.execute(
            SO_SODetails.update().where(SO_SODetails.c["ID"] == text_qty).values(iQuantity="十二")
        )
        connection.execute(
            SO_SOMain.update().where(SO_SOMain.c["ID"] == null_code).values(cSOCode=None)
        )
        connection.execute(
            SO_SOMain.update().where(SO_SOMain.c["ID"] == bad_currency).values(cexch_name="比特币")
        )
        connection.execute(
            SO_SOMain.update().where(SO_SOMain.c["ID"] == bad_flag).values(bReturnFlag=2)
        )
        # year 1 local time has no UTC instant in range (was a crash on every rerun)
        first_day = datetime(1, 1, 1)
        connection.execute(
            SO_SOMain.update()
            .where(SO_SOMain.c["ID"] == year_one)
            .values(dDate=first_day, dcreatesystime=first_day)
        )
    runner = runner_for(u8, tmp_path)
    result = runner.run("u8")
    assert result.status == "succeeded" and result.dead_lettered == 5, result
    letters = {d["record_key"]: d for d in table(runner, schema.dead_letters)}
    expected = {
        text_qty: ("quantity", "十二"),
        null_code: ("order_number", "required"),
        bad_currency: ("currency", "比特币"),
        bad_flag: ("status", "order_status"),
        year_one: ("ordered_at", "0001-01-01"),
    }
    assert set(letters) == {f"{ACCOUNT_YEAR}|{i}" for i in expected}
    for order_id, words in expected.items():
        letter = letters[f"{ACCOUNT_YEAR}|{order_id}"]
        assert letter["source_system"] == "u8" and letter["stream"] == "orders"
        for word in words:
            assert word in f"{letter['field']} {letter['reason']}", letter
    loaded = {o["source_id"] for o in table(runner, schema.orders)}
    assert len(loaded) == len(ids) - len(expected)


def test_a_wrong_password_fails_the_sync_with_advice_and_without_the_password(
    u8: U8Database, tmp_path: Path
) -> None:
    wrong = "wrong-口令-Pw9"
    odbc = mariadb_odbc("mysql").replace("PWD=;", f"PWD={wrong};")
    runner = runner_for(u8, tmp_path, sqlalchemy_url=odbc_url(odbc))
    with pytest.raises(SyncError) as error:
        runner.run("u8")
    message = str(error.value)
    assert "login was refused" in message and "sqlalchemy_url" in message
    assert wrong not in message and quote_plus(wrong) not in message
    for log in tmp_path.glob("logs/*/*.log"):
        text = log.read_text()
        assert wrong not in text and quote_plus(wrong) not in text
