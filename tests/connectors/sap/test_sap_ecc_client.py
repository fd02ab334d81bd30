"""EccClient against the ECC simulator: paging, CDC in server time, errors, secrets."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from singer_sdk.exceptions import FatalAPIError

from connectors.sap.ecc.client import ORDERS, EccClient, EccServiceError, endpoint
from connectors.sap.ecc.sim_soap import ReturnError
from connectors.sap.ecc.simulator import EccSimulator, simulate
from connectors.sap.tap import TapSap
from orderhub.connector_kit import Fault
from orderhub.connector_kit.run import run_tap
from orderhub.exceptions import ConfigurationError


@pytest.fixture
def ecc() -> Iterator[EccSimulator]:
    with simulate(seed=3, count=30) as service:
        yield service


def config(service: EccSimulator, **overrides: Any) -> dict[str, Any]:
    return service.tap_config() | {"max_attempts": 3} | overrides


def order_calls(service: EccSimulator) -> list[dict[str, str]]:
    return [c for c in service.calls if c["operation"] == ORDERS.name]


def test_pages_follow_the_continuation_key(ecc: EccSimulator) -> None:
    orders = list(EccClient(config(ecc, page_size=7)).orders(None))
    assert {o["SalesOrder"] for o in orders} == set(ecc.current("orders"))
    assert len(orders) == 30
    stamps = [o["LastChangeDateTime"] for o in orders]
    assert stamps == sorted(stamps)
    calls = order_calls(ecc)
    assert len(calls) == 5  # 7 + 7 + 7 + 7 + 2
    assert "IV_CONT_VBELN" not in calls[0]
    for before, after in itertools.pairwise(calls):
        assert after["IV_CONT_VBELN"] and after["IV_MAX_ROWS"] == "7"
        assert (after["IV_CONT_DATE"], after["IV_CONT_TIME"]) >= (
            before.get("IV_CONT_DATE", ""),
            before.get("IV_CONT_TIME", ""),
        )
    # Every order carries its own items and partners, none of another page's.
    for order in orders:
        assert order["items"] and all(
            i["SalesOrder"] == order["SalesOrder"] for i in order["items"]
        )
        assert {p["PartnerFunction"] for p in order["partners"]} == {"AG", "WE"}


def test_changed_since_is_sent_in_server_time(ecc: EccSimulator) -> None:
    since = datetime(2024, 7, 1, 10, 0, 30, 999000, tzinfo=UTC)
    list(EccClient(config(ecc, timezone="America/New_York")).orders(since))
    # 10:00:30Z is 06:00:30 in New York (EDT, UTC-4); the service has no fractions.
    assert order_calls(ecc)[0]["IV_CHANGED_DATE"] == "2024-07-01"
    assert order_calls(ecc)[0]["IV_CHANGED_TIME"] == "06:00:30"


def test_a_second_read_returns_the_changes_and_the_lookback_window_only(ecc: EccSimulator) -> None:
    client = EccClient(config(ecc))
    first = list(client.orders(None))
    bookmark = datetime.fromisoformat(first[-1]["LastChangeDateTime"])
    changed = ecc.change(4)["orders"]
    floor = bookmark - timedelta(minutes=10)  # the stream's lookback
    second = list(client.orders(floor))
    keys = {o["SalesOrder"] for o in second}
    assert changed <= keys
    for order in second:
        assert datetime.fromisoformat(order["LastChangeDateTime"]) >= floor
    current = ecc.current("orders")
    assert all(o["LastChangeDateTime"] == current[o["SalesOrder"]] for o in second)


def test_an_order_changed_while_paging_comes_again_but_no_version_twice(
    ecc: EccSimulator,
) -> None:
    client = EccClient(config(ecc, page_size=5))
    seen: list[tuple[str, str]] = []
    changed: set[str] = set()
    for index, order in enumerate(client.orders(None)):
        seen.append((order["SalesOrder"], order["LastChangeDateTime"]))
        if index == 0:
            changed = ecc.change(3)["orders"]
    assert len(seen) == len(set(seen))
    latest = dict(seen)
    current = ecc.current("orders")
    for key in changed:
        assert latest[key] == current[key]


def test_customers(ecc: EccSimulator) -> None:
    customers = list(EccClient(config(ecc, page_size=4)).customers(None))
    assert {c["Customer"] for c in customers} == set(ecc.current("customers"))
    assert all(c["PhoneNumber"] and c["Country"] for c in customers)


def test_a_bapiret2_error_names_the_operation_and_what_to_fix(ecc: EccSimulator) -> None:
    ecc.denied_sales_orgs = {"1000"}
    with pytest.raises(EccServiceError) as error:
        list(EccClient(config(ecc)).orders(None))
    message = str(error.value)
    assert "Z_SD_SALESORDERS_CHANGED" in message
    assert "ZSD_OH/010" in message and "sales organization 1000" in message
    assert "authorization" in message.lower() and "SU53" in message
    assert len(order_calls(ecc)) == 1, "an application error is not retried"


def test_the_row_limit_error_points_at_page_size(ecc: EccSimulator) -> None:
    client = EccClient(config(ecc))
    with pytest.raises(EccServiceError, match="`page_size`"):
        client.call(ORDERS, IV_CHANGED_DATE="0000-00-00", IV_CHANGED_TIME="00:00:00", IV_MAX_ROWS=0)


def test_a_soap_fault_names_the_abap_exception(ecc: EccSimulator) -> None:
    client = EccClient(config(ecc))
    with pytest.raises(EccServiceError) as error:
        client.call(
            ORDERS,
            IV_CHANGED_DATE="2024-01-01",
            IV_CHANGED_TIME="00:00:00",
            IV_CONT_DATE="2024-01-02",
            IV_MAX_ROWS=10,
        )
    message = str(error.value)
    assert "SOAP fault" in message and "Client" in message
    assert "INVALID_CONTINUATION" in message and "Z_SD_SALESORDERS_CHANGED" in message


def test_a_bad_password_fails_at_once_naming_the_settings(
    ecc: EccSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "Wrong-Secret-123!"
    with pytest.raises(FatalAPIError) as error:
        list(EccClient(config(ecc, password=wrong)).orders(None))
    message = str(error.value)
    assert "HTTP 401" in message and "`password`" in message and "`username`" in message
    assert wrong not in message and wrong not in caplog.text
    assert not ecc.calls, "a refused logon is not retried"


def test_an_expired_password(ecc: EccSimulator) -> None:
    ecc.inject(Fault.EXPIRED_TOKEN, 1)
    with pytest.raises(FatalAPIError, match="password expired") as error:
        list(EccClient(config(ecc)).customers(None))
    assert ecc.password not in str(error.value)


def test_an_unknown_sap_client_is_a_logon_error(ecc: EccSimulator) -> None:
    with pytest.raises(FatalAPIError, match="client 200 does not exist") as error:
        list(EccClient(config(ecc, sap_client="200")).orders(None))
    assert "`sap_client`" in str(error.value)


def test_an_unreachable_host_gives_up_with_a_clear_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {
        "soap_url": f"http://127.0.0.1:{port}/sap/bc/srt/rfc/sap/zsd_salesorders/100/x/y",
        "username": "ORDERHUB_RFC",
        "password": "Never-Shown-42",
        "sap_client": "100",
        "timezone": "Europe/Berlin",
        "max_attempts": 2,
        "backoff_factor": 0.01,
    }
    with caplog.at_level(logging.WARNING), pytest.raises(FatalAPIError) as error:
        list(EccClient(settings).orders(None))
    message = str(error.value)
    assert "Giving up" in message and "after 2 attempts" in message and "ConnectionError" in message
    assert "Z_SD_SALESORDERS_CHANGED" in message
    assert "Never-Shown-42" not in message + caplog.text


@pytest.mark.parametrize("fault", [Fault.SERVER_ERROR, Fault.MALFORMED_PAGE, Fault.TIMEOUT])
def test_transient_faults_are_retried(
    ecc: EccSimulator, fault: Fault, caplog: pytest.LogCaptureFixture
) -> None:
    ecc.inject(fault, 1)
    with caplog.at_level(logging.WARNING):
        orders = list(EccClient(config(ecc, request_timeout=0.5)).orders(None))
    assert len(orders) == 30
    assert "Retrying SAP ECC operation Z_SD_SALESORDERS_CHANGED" in caplog.text
    assert ecc.password not in caplog.text


def test_a_rate_limit_waits_for_retry_after(ecc: EccSimulator) -> None:
    ecc.retry_after_seconds = 0.3
    ecc.inject(Fault.RATE_LIMITED, 1)
    started = time.monotonic()
    assert len(list(EccClient(config(ecc)).customers(None))) == len(ecc.current("customers"))
    assert time.monotonic() - started >= 0.3


def test_settings_are_checked_before_any_call() -> None:
    base = {"soap_url": "http://h/x", "username": "U", "password": "p", "timezone": "UTC"}
    with pytest.raises(ConfigurationError, match="`page_size`"):
        EccClient(base | {"page_size": 9000})
    with pytest.raises(ConfigurationError, match="`timezone`"):
        EccClient(base | {"timezone": ""})
    with pytest.raises(ConfigurationError, match="`sap_client`"):
        EccClient(base | {"sap_client": "1"})
    with pytest.raises(ConfigurationError, match="`password`"):
        EccClient(base | {"password": ""})
    with pytest.raises(ConfigurationError, match="`soap_url`") as error:
        EccClient(base | {"soap_url": "ftp://user:Top-Secret@h/x"})
    assert "Top-Secret" not in str(error.value)


def test_the_endpoint_carries_sap_client_once() -> None:
    url = endpoint("https://ecc:8443/sap/bc/srt/rfc/sap/zsd?sap-client=200&x=1", 100)
    assert url == "https://ecc:8443/sap/bc/srt/rfc/sap/zsd?x=1&sap-client=100"


def test_a_short_dump_is_retried_then_reported(ecc: EccSimulator) -> None:
    ecc.dumps = 1
    assert len(list(EccClient(config(ecc)).orders(None))) == 30
    ecc.dumps = 5
    with pytest.raises(FatalAPIError) as error:
        list(EccClient(config(ecc, max_attempts=2)).orders(None))
    message = str(error.value)
    assert "after 2 attempts" in message and "soap-env:Server" in message
    assert "web service error log" in message


def test_a_continuation_key_that_does_not_move_stops_the_run(
    ecc: EccSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    select = ecc._select

    def stuck(rows: Any, key: str, since: Any, after: Any, size: int) -> Any:
        return select(rows, key, since, None, size)  # ignores the continuation key

    monkeypatch.setattr(ecc, "_select", stuck)
    with pytest.raises(EccServiceError, match="paging is broken"):
        list(EccClient(config(ecc, page_size=5)).orders(None))
    assert len(order_calls(ecc)) == 2


def test_warnings_in_return_are_logged_and_the_run_goes_on(
    ecc: EccSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    text = "Change documents of 2 orders are archived; their creation stamp is used"
    ecc.notes = [ReturnError("ZSD_OH", "020", text, kind="W")]
    with caplog.at_level(logging.WARNING):
        assert len(list(EccClient(config(ecc)).orders(None))) == 30
    assert f"W ZSD_OH/020: {text}" in caplog.text


def test_the_tap_over_soap_never_logs_the_password(
    ecc: EccSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    ecc.inject(Fault.SERVER_ERROR, 1)
    ecc.inject(Fault.MALFORMED_PAGE, 1)
    with caplog.at_level(logging.DEBUG):
        output = run_tap(TapSap, ecc.tap_config(), streams=("orders", "customers"))
    assert len(output.records("orders")) == 30
    assert "Retrying SAP ECC operation" in caplog.text
    assert ecc.password not in caplog.text
    assert ecc.password not in json.dumps(output.messages)
