"""tap-sap's OData client against the simulated S/4HANA: paging, auth, errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.sap.client import SapODataClient
from connectors.sap.simulator import SALES, SapSimulator, simulate
from orderhub.connector_kit.source import Fault
from orderhub.exceptions import ConfigurationError, SourceError


@pytest.fixture
def sim() -> Iterator[SapSimulator]:
    with simulate(count=30) as simulator:
        yield simulator


def read(config: dict[str, Any], since: datetime | None = None) -> list[dict[str, Any]]:
    client = SapODataClient(config)
    try:
        return list(client.orders(since))
    finally:
        client.close()


def order_requests(sim: SapSimulator) -> list[dict[str, str]]:
    return [r.query for r in sim.requests if r.path.endswith("/A_SalesOrder")]


def assert_complete_and_sorted(records: list[dict[str, Any]], sim: SapSimulator) -> None:
    keys = [r["SalesOrder"] for r in records]
    assert len(keys) == len(set(keys)), "an order was read twice"
    assert set(keys) == set(sim.store.orders)
    stamps = [(r["LastChangeDateTime"], r["SalesOrder"]) for r in records]
    assert stamps == sorted(stamps)


def test_server_driven_paging_follows_next_with_skiptoken(sim: SapSimulator) -> None:
    records = read({**sim.basic_config(), "page_size": 15})
    assert_complete_and_sorted(records, sim)
    queries = order_requests(sim)
    assert any("$skiptoken" in q for q in queries), "__next was not followed"
    first = queries[0]
    assert first["$inlinecount"] == "allpages" and first["$expand"] == "to_Item,to_Partner"
    assert first["$orderby"] == "LastChangeDateTime,SalesOrder"
    assert first["$filter"].startswith("LastChangeDateTime ge datetimeoffset'")
    # sap-client and sap-language on every call, the __next ones included
    assert all(q["sap-client"] == "100" and q["sap-language"] == "EN" for q in queries)


@pytest.mark.parametrize("envelope", ["list", "results"])
def test_client_paging_with_top_and_skip_when_no_next(sim: SapSimulator, envelope: str) -> None:
    sim.services[SALES].server_page_size = None
    sim.services[SALES].envelope = envelope
    records = read({**sim.basic_config(), "page_size": 7})
    assert_complete_and_sorted(records, sim)
    queries = order_requests(sim)
    assert len(queries) >= 30 // 7 and not any("$skiptoken" in q for q in queries)
    assert {q["$top"] for q in queries} == {"7"}


def test_not_following_next_restarts_at_the_last_timestamp(sim: SapSimulator) -> None:
    records = read({**sim.basic_config(), "page_size": 15, "follow_next": False})
    assert_complete_and_sorted(records, sim)
    assert not any("$skiptoken" in q for q in order_requests(sim))


def test_ties_on_one_timestamp_across_windows_are_read_once(sim: SapSimulator) -> None:
    sim.services[SALES].server_page_size = None
    same = datetime.now(UTC) - timedelta(days=1)
    for order in list(sim.store.orders.values())[:17]:
        order.changed = same
    records = read({**sim.basic_config(), "page_size": 5})
    assert_complete_and_sorted(records, sim)
    skips = [int(q["$skip"]) for q in order_requests(sim)]
    assert max(skips) >= 10, "ties were not skipped within the instant"


def test_orders_changing_between_pages_do_not_shift_rows_out(sim: SapSimulator) -> None:
    sim.services[SALES].server_page_size = None
    client = SapODataClient({**sim.basic_config(), "page_size": 4})
    seen: list[str] = []
    for index, record in enumerate(client.orders(None)):
        seen.append(record["SalesOrder"])
        if index in (2, 9, 15):
            sim.store.change_orders(3)  # they move to the end of the result
    client.close()
    assert set(seen) == set(sim.store.orders), "an unchanged order was skipped"


def test_an_item_only_change_shows_up_as_a_changed_order(sim: SapSimulator) -> None:
    config = sim.basic_config()
    first = read(config)
    bookmark = datetime.fromisoformat(first[-1]["LastChangeDateTime"])
    number = first[0]["SalesOrder"]
    before = first[0]["items"][0]["RequestedQuantity"]
    time.sleep(0.01)
    sim.store.change_item_only(number)
    again = {r["SalesOrder"]: r for r in read(config, since=bookmark)}
    assert number in again
    assert again[number]["items"][0]["RequestedQuantity"] != before


def test_partner_functions_are_passed_as_the_system_sends_them(sim: SapSimulator) -> None:
    internal = read(sim.basic_config())
    assert {p["PartnerFunction"] for r in internal for p in r["partners"]} == {
        "AG",
        "WE",
        "RE",
        "RG",
    }
    sim.partner_codes = "external"
    external = read(sim.basic_config())
    assert {p["PartnerFunction"] for r in external for p in r["partners"]} == {
        "SP",
        "SH",
        "BP",
        "PY",
    }
    sold_to = next(p for p in external[0]["partners"] if p["PartnerFunction"] == "SP")
    assert sold_to["Customer"] == external[0]["SoldToParty"] and "__metadata" not in sold_to


def test_header_order_related_billing_is_totalled_from_items(sim: SapSimulator) -> None:
    for record in read(sim.basic_config()):
        codes = {i["OrderRelatedBillingStatus"] for i in record["items"]} - {None}
        expected = None if not codes else (codes.pop() if len(codes) == 1 else "B")
        assert record["OverallOrdReltdBillgStatus"] == expected
        assert "__metadata" not in record and "to_Item" not in record
        assert all("__deferred" not in str(v) for v in record.values())


def test_oauth_client_credentials_and_renewal_on_expiry(sim: SapSimulator) -> None:
    config = {**sim.tap_config(), "backoff_factor": 0.01}
    client = SapODataClient(config)
    rows = client.orders(None)
    next(rows)
    issued = len(sim.tokens)
    sim.inject(Fault.EXPIRED_TOKEN, 1)  # every token issued so far is now refused
    rest = list(rows)
    client.close()
    assert len(rest) == 29 and len(sim.tokens) == 1 and issued == 1


def test_an_oauth_token_is_renewed_before_it_expires(sim: SapSimulator) -> None:
    sim.token_lifetime = 30.2  # the client renews 30 s before the server's expiry
    client = SapODataClient(sim.tap_config())
    list(client.customers(None))
    time.sleep(0.3)
    list(client.orders(None))
    client.close()
    assert len(sim.tokens) >= 2


@pytest.mark.parametrize(
    ("change", "settings", "secret"),
    [
        (
            {"password": "wrong-password-1"},
            ["`username`", "`password`", "`sap_client`"],
            "wrong-password-1",
        ),
        ({"sap_client": "200"}, ["`sap_client`"], "Welcome-S4-2024!"),
    ],
)
def test_bad_basic_credentials_or_client_name_the_setting(
    sim: SapSimulator,
    change: dict[str, str],
    settings: list[str],
    secret: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as error:
        read({**sim.basic_config(), **change})
    message = str(error.value)
    assert "HTTP 401" in message and all(s in message for s in settings)
    assert secret not in message and secret not in caplog.text


def test_a_bad_oauth_secret_names_the_setting_and_hides_it(
    sim: SapSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError) as error:
        read({**sim.tap_config(), "oauth_client_secret": "not-the-secret-42"})
    assert "`oauth_client_secret`" in str(error.value) and "invalid_client" in str(error.value)
    assert "not-the-secret-42" not in str(error.value) + caplog.text


def test_an_unreachable_host_names_service_url() -> None:
    config = {
        "service_url": "http://127.0.0.1:9/sap/opu/odata/sap/API_SALES_ORDER_SRV",
        "username": "U",
        "password": "pw-unreachable-1",
        "max_attempts": 2,
        "backoff_factor": 0.01,
    }
    with pytest.raises(ConfigurationError, match="`service_url`") as error:
        read(config)
    assert "pw-unreachable-1" not in str(error.value)


@pytest.mark.parametrize("xml", [False, True])
def test_odata_error_bodies_name_the_entity_set(sim: SapSimulator, xml: bool) -> None:
    sim.xml_errors = xml
    client = SapODataClient(sim.basic_config())
    wrong_literal = client.sales.read(
        "A_SalesOrder",
        filter_at=lambda at: "LastChangeDateTime ge datetime'2024-01-01T00:00:00'",
        start="",
        moment_of=lambda row: "",
        orderby="LastChangeDateTime",
    )
    with pytest.raises(SourceError) as error:
        next(wrong_literal)
    message = str(error.value)
    assert "entity set A_SalesOrder" in message and "HTTP 400" in message
    assert "Invalid parametertype used at function 'ge'" in message
    assert "/IWBEP/CM_MGW_RT/022" in message
    client.close()


def test_a_cross_origin_next_link_is_refused(sim: SapSimulator) -> None:
    service = sim.services[SALES]
    original = service.collection

    def elsewhere(*args: Any) -> dict[str, Any]:
        body = original(*args)
        if "__next" in body["d"]:
            body["d"]["__next"] = body["d"]["__next"].replace(sim.base_url, "http://evil.example")
        return body

    service.collection = elsewhere  # type: ignore[method-assign]
    with pytest.raises(SourceError, match="Refusing to follow __next to another origin"):
        read({**sim.basic_config(), "page_size": 15})


def test_faults_are_retried_with_retry_after(sim: SapSimulator) -> None:
    for fault in (Fault.RATE_LIMITED, Fault.SERVER_ERROR, Fault.MALFORMED_PAGE):
        sim.inject(fault, 1)
    started = time.monotonic()
    records = read(sim.basic_config())
    assert time.monotonic() - started >= sim.retry_after_seconds
    assert_complete_and_sorted(records, sim)


def test_a_page_sap_cannot_serialise_is_read_one_order_at_a_time(sim: SapSimulator) -> None:
    bad = sim.corrupt("gateway_error")
    records = read({**sim.basic_config(), "page_size": 15, "max_attempts": 2})
    assert_complete_and_sorted(records, sim)
    broken = [r for r in records if r.get("_source_error")]
    assert [r["SalesOrder"] for r in broken] == [bad]
    assert "Unit of measure PCE is not defined" in broken[0]["_source_error"]
    assert broken[0]["LastChangeDateTime"] and broken[0]["items"] == []
    good = [r for r in records if not r.get("_source_error")]
    assert all(r["items"] and r["TransactionCurrency"] for r in good)
    single = {r.path for r in sim.requests if r.path.endswith("')")}
    assert 1 <= len(single) <= 15, "only the refused window is read one by one"


def test_customers_are_cut_exactly_at_since(sim: SapSimulator) -> None:
    client = SapODataClient(sim.basic_config())
    everyone = list(client.customers(None))
    assert {c["Customer"] for c in everyone} == set(sim.store.partners)
    since = datetime.now(UTC).replace(microsecond=0)
    changed = sim.store.change_partners(3, at=since + timedelta(seconds=1))
    later = list(client.customers(since))
    client.close()
    assert {c["Customer"] for c in later} == changed
    assert all(datetime.fromisoformat(c["LastChangeDateTime"]) >= since for c in later)
    assert all("#" in c["StreetName"] for c in later)  # the change itself arrived


def test_business_partner_times_are_read_in_the_system_time_zone() -> None:
    from zoneinfo import ZoneInfo

    from connectors.sap.records import bp_moment

    berlin = ZoneInfo("Europe/Berlin")
    changed = {"LastChangeDate": "2024-05-01", "LastChangeTime": "10:00:00"}
    assert bp_moment(changed, berlin).astimezone(UTC).isoformat() == "2024-05-01T08:00:00+00:00"  # type: ignore[union-attr]
    created = {"LastChangeDate": None, "CreationDate": "2024-01-15", "CreationTime": "23:30:00"}
    assert bp_moment(created, berlin).astimezone(UTC).isoformat() == "2024-01-15T22:30:00+00:00"  # type: ignore[union-attr]
    assert bp_moment({}, berlin) is None


def test_next_links_follow_the_host_the_client_named() -> None:
    # In the compose stack the simulator serves 0.0.0.0 and the tap reaches it by its
    # service name: a __next link naming 0.0.0.0 would send the tap to its own container.
    simulator = SapSimulator(count=20, host="0.0.0.0")
    simulator.start()
    try:
        port = simulator.base_url.rsplit(":", 1)[1]
        named = simulator.basic_config()["service_url"].replace("0.0.0.0", "localhost")
        config = {**simulator.basic_config(), "service_url": named, "page_size": 50}
        records = read(config)
        pages = order_requests(simulator)
        assert len(pages) > 1, "the server's page size should have forced __next links"
        assert {r["SalesOrder"] for r in records} == set(simulator.store.orders)
        hosts = {r.headers["host"] for r in simulator.requests}
        assert hosts == {f"localhost:{port}"}
    finally:
        simulator.stop()
