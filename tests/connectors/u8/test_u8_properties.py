"""Property tests: any CJK / full-width text survives the tap and the mapping unchanged;
naive U8 times become the right UTC instant in any zone."""

from __future__ import annotations

import copy
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.u8.records import RowConverter
from connectors.u8.schema import Customer
from connectors.u8.simulator import U8Database, mariadb_database, mariadb_odbc, odbc_url
from orderhub.mapping.catalog import MappingCatalog
from tests.connectors.u8.conftest import sync

CJK = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK unified ideographs
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),  # full-width ASCII forms
    st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),  # Extension B (4 bytes)
    st.sampled_from("（）【】《》「」、。・　—"),
    st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),  # kana (Japanese buyers)
)


def test_any_cjk_text_round_trips_through_the_tap_and_the_mapping() -> None:
    mapping = MappingCatalog.load(sources={"u8"}).get("u8", "customers")
    counter = itertools.count(1)
    with mariadb_database() as name:
        u8 = U8Database(odbc_url(mariadb_odbc(name)), orders=1)
        state: dict[str, Any] = {"value": sync(u8.tap_config()).final_state}
        try:

            @settings(
                max_examples=30,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            )
            @given(name=st.text(CJK, min_size=1, max_size=98), address=st.text(CJK, max_size=255))
            def check(name: str, address: str) -> None:
                code = f"H{next(counter):05d}"
                with u8.engine.begin() as connection:
                    connection.execute(
                        Customer.insert().values(cCusCode=code, cCusName=name, cCusAddress=address)
                    )
                output = sync(u8.tap_config(), state=copy.deepcopy(state["value"]))
                state["value"] = output.final_state
                (record,) = output.records("customers")
                assert record["cCusCode"] == code
                assert record["cCusName"] == name
                assert record["cCusAddress"] == address
                (customer,) = mapping.map(record)
                # The unified model trims surrounding whitespace (an ideographic space
                # U+3000 included), and nothing else.
                assert customer.full_name == name.strip()

            check()
        finally:
            u8.engine.dispose()


ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Tokyo", "Europe/Berlin", "America/New_York")


@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    zone=st.sampled_from(ZONES),
)
def test_naive_server_times_become_the_same_instant_in_utc(moment: datetime, zone: str) -> None:
    converter = RowConverter([sa.column("dDate", sa.DateTime)], ZoneInfo(zone))
    for value in (moment, moment.isoformat(sep=" ")):  # pyodbc datetime, SQLite text
        utc = datetime.fromisoformat(converter.convert("dDate", value))
        assert utc.utcoffset() == timedelta(0)
        local = moment.replace(tzinfo=ZoneInfo(zone))
        assert utc == local.astimezone(UTC)
        # Back in the server's zone it reads as the wall time U8 stored (unless the wall
        # time does not exist: a spring-forward gap).
        back = utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        gap = local.astimezone(UTC).astimezone(ZoneInfo(zone)).replace(tzinfo=None) != moment
        assert back == moment or gap


@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2050, 1, 1)))
def test_shanghai_is_always_eight_hours_ahead(moment: datetime) -> None:
    converter = RowConverter([sa.column("d", sa.DateTime)], ZoneInfo("Asia/Shanghai"))
    assert datetime.fromisoformat(converter.convert("d", moment)) == (
        moment - timedelta(hours=8)
    ).replace(tzinfo=UTC)


@given(
    value=st.decimals(
        allow_nan=False, allow_infinity=False, places=6, min_value=-(10**15), max_value=10**15
    )
)
def test_amounts_are_exact_decimal_text(value: Decimal) -> None:
    converter = RowConverter([sa.column("iSum", sa.Numeric(28, 6))], ZoneInfo("Asia/Shanghai"))
    text = converter.convert("iSum", value)
    assert "E" not in text and Decimal(text) == value
    assert converter.convert("iSum", "十二") == "十二"  # not a number: passed on, named later
