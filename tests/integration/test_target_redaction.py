"""target-orderhub redacts the secrets it is given from dead-letter reasons."""

from __future__ import annotations

from sqlalchemy import Engine, select

from orderhub.warehouse import schema
from tests.integration.test_target_load import run_target
from tests.shopify_records import messages, order

TOKEN = "987654321012"


def reasons(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(schema.dead_letters.c.reason)).scalars())


def test_dead_letter_reasons_never_carry_a_secret(warehouse: Engine, warehouse_url: str) -> None:
    run_target(warehouse_url, messages([order(1, currency=TOKEN), order(2)]),
               redact_values=[TOKEN])  # fmt: skip
    [reason] = reasons(warehouse)
    assert TOKEN not in reason
    assert "'***' is not an ISO 4217 currency code" in reason  # the rest stays readable


def test_without_secrets_the_reason_quotes_the_value(warehouse: Engine, warehouse_url: str) -> None:
    # The control: the reason does quote the bad value, so the test above is meaningful.
    run_target(warehouse_url, messages([order(1, currency=TOKEN)]))
    [reason] = reasons(warehouse)
    assert f"'{TOKEN}' is not an ISO 4217 currency code" in reason


def test_a_target_owned_run_records_its_host_and_pid(warehouse: Engine, warehouse_url: str) -> None:
    import os

    from orderhub.warehouse.locks import this_host

    run_target(warehouse_url, messages([order(1)]))
    with warehouse.connect() as connection:
        row = connection.execute(select(schema.sync_runs)).one()
    assert (row.host, row.pid, row.status) == (this_host(), os.getpid(), "succeeded")
