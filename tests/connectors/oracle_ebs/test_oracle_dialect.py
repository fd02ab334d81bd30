"""Every statement the tap issues, compiled for Oracle (python-oracledb) and checked.

The tests run the tap against PostgreSQL; this proves the same statements are what an
EBS database needs: named binds, FETCH FIRST keyset pages, DATE binds compared with naive
server-local times, upper-case quoted identifiers, IN lists within Oracle's limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import oracledb
import pytest
from sqlalchemy.dialects.oracle import oracledb as oracle_oracledb
from sqlalchemy.sql import Select

from connectors.oracle_ebs.client import EbsClient
from connectors.oracle_ebs.queries import QUERY_METHODS, EbsQueries
from connectors.oracle_ebs.simulator import EbsDatabase
from tests.connectors.oracle_ebs.conftest import sync

Captured = tuple[str, Select, Mapping[str, Any]]
DIALECT = oracle_oracledb.dialect()
PAGED = ("key_page", "changed_keys")


@pytest.fixture
def issued() -> Iterator[list[Captured]]:
    """Every (name, statement, parameters) the tap executes while the fixture is active."""
    captured: list[Captured] = []

    def listen(name: str, statement: Select, params: Mapping[str, Any]) -> None:
        captured.append((name, statement, dict(params)))

    EbsClient.listeners.append(listen)
    try:
        yield captured
    finally:
        EbsClient.listeners.remove(listen)


def oracle_sql(statement: Select, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The SQL python-oracledb would receive (IN lists expanded) and its bind values."""
    compiled = statement.compile(dialect=DIALECT)
    expanded = compiled.construct_expanded_state(dict(params))
    return expanded.statement, dict(expanded.parameters)


def check(name: str, statement: Select, params: Mapping[str, Any]) -> list[str]:
    """What is wrong with one statement for Oracle, as readable problems."""
    sql, bound = oracle_sql(statement, params)
    problems = []
    if "%(" in sql or "?" in sql:
        problems.append("not the named bind style")
    if re.search(r"'[^']*'", sql):
        problems.append("a literal instead of a bind")
    if "OFFSET" in sql.upper() or " LIMIT " in sql.upper():
        problems.append("OFFSET/LIMIT paging")
    if name.split(".")[1] in PAGED and not re.search(r"FETCH FIRST \d+ ROWS ONLY", sql):
        problems.append("no FETCH FIRST page")
    if re.search(r"\)\s*[<>]=?\s*\(", sql):
        problems.append("a row-value comparison (Oracle has none)")
    if "TIMESTAMP" in sql.upper() or "TIME ZONE" in sql.upper():
        problems.append("a TIMESTAMP in the SQL")
    identifiers = re.findall(r'"([^"]+)"', sql)
    lower = [i for i in identifiers if i != i.upper()]
    if lower:
        problems.append(f"identifiers not as Oracle stores them: {lower}")
    for bind in re.findall(r":(\w+)", sql):
        if bind not in bound:
            problems.append(f"bind :{bind} has no value")
    if len(re.findall(r":ids_\d+", sql)) > 1000:
        problems.append("an IN list beyond Oracle's 1000")
    for key, value in bound.items():
        if isinstance(value, datetime) and (value.tzinfo is not None or value.microsecond):
            problems.append(f":{key} is not a naive DATE value ({value!r})")
    for key, bind in statement.compile(dialect=DIALECT).binds.items():
        if isinstance(params.get(key), datetime):
            api_type = bind.type.dialect_impl(DIALECT).get_dbapi_type(oracledb)
            if api_type != oracledb.DB_TYPE_DATE:
                problems.append(f":{key} is bound as {api_type}, not DATE")
    return problems


def test_every_statement_of_full_and_incremental_syncs_suits_oracle(
    ebs: EbsDatabase, issued: list[Captured]
) -> None:
    first = sync(ebs, org_ids=[204, 458])
    ebs.change(8)
    ebs.delete(2)
    sync(ebs, state=first.final_state, org_ids=[204, 458])
    sync(ebs, state=first.final_state)  # no operating-unit filter
    problems = [
        f"{name}: {problem}\n  {oracle_sql(statement, params)[0]}"
        for name, statement, params in issued
        for problem in check(name, statement, params)
    ]
    assert not problems, "\n".join(problems)
    used = {name.split(".")[1] for name, _, _ in issued}
    assert used == set(QUERY_METHODS), f"statements never exercised: {set(QUERY_METHODS) - used}"
    methods = {m for m in vars(EbsQueries) if not m.startswith("_")}
    assert methods == set(QUERY_METHODS), "add new query methods to QUERY_METHODS"


def test_the_checks_catch_what_oracle_would_refuse() -> None:
    """The checker itself: a statement with each fault is reported."""
    import sqlalchemy as sa

    from connectors.oracle_ebs.schema import OE_ORDER_HEADERS_ALL as H

    offset = sa.select(H.c.HEADER_ID).order_by(H.c.HEADER_ID).offset(10).limit(5)
    assert "OFFSET/LIMIT paging" in check("orders.key_page", offset, {})
    row_value = sa.select(H.c.HEADER_ID).where(
        sa.tuple_(H.c.LAST_UPDATE_DATE, H.c.HEADER_ID) > sa.tuple_(sa.bindparam("d"), 1)
    )
    assert any("row-value" in p for p in check("orders.x", row_value, {"d": datetime(2026, 1, 1)}))
    aware = sa.select(H.c.HEADER_ID).where(sa.bindparam("since") <= H.c.LAST_UPDATE_DATE)
    since = datetime(2026, 1, 1).astimezone()
    assert any("naive" in p for p in check("orders.x", aware, {"since": since}))
    literal = sa.select(H.c.HEADER_ID).where(sa.literal_column("'X'") == H.c.FLOW_STATUS_CODE)
    assert "a literal instead of a bind" in check("orders.x", literal, {})
    lower = sa.table("oe_order_headers_all", sa.column("Header_Id"))
    assert any("identifiers" in p for p in check("orders.x", sa.select(lower.c.Header_Id), {}))
