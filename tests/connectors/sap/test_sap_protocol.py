"""The protocol switch: odata by default, soap through connectors.sap.ecc."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

import pytest

from connectors.sap.client import SapODataClient
from connectors.sap.streams import record_source
from connectors.sap.tap import TapSap
from orderhub.connector_kit.run import run_tap
from orderhub.exceptions import ConfigurationError

ODATA = {
    "service_url": "http://127.0.0.1:9/sap/opu/odata/sap/API_SALES_ORDER_SRV",
    "username": "COMM_USER",
    "password": "s3cret-pass",
}


def test_odata_is_the_default() -> None:
    assert isinstance(record_source(ODATA), SapODataClient)


def test_unknown_protocol_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="`protocol`"):
        record_source({**ODATA, "protocol": "rfc"})


def test_soap_without_the_ecc_client_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "connectors.sap.ecc.client", None)  # import fails
    with pytest.raises(ConfigurationError, match="`protocol` soap") as error:
        run_tap(
            TapSap,
            {
                "protocol": "soap",
                "soap_url": "http://127.0.0.1:9/ecc",
                "username": "U",
                "password": "s3cret-pass",
            },
            streams=("orders",),
        )
    assert "s3cret-pass" not in str(error.value)


class FakeEcc:
    """Stands in for the ECC helper's client: records in the shared shape."""

    seen: ClassVar[list[tuple[str, datetime | None]]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def orders(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        FakeEcc.seen.append(("orders", since))
        yield {
            "SalesOrder": "0000000001",
            "LastChangeDateTime": "2024-05-01T10:00:00+00:00",
            "items": [],
            "partners": [],
        }

    def customers(self, since: datetime | None) -> Iterator[dict[str, Any]]:
        FakeEcc.seen.append(("customers", since))
        yield {"Customer": "0000100001", "LastChangeDateTime": "2024-05-01T09:00:00+00:00"}


def test_soap_reads_both_streams_from_the_ecc_client(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("connectors.sap.ecc.client")
    module.EccClient = FakeEcc  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "connectors.sap.ecc.client", module)
    FakeEcc.seen = []
    output = run_tap(
        TapSap,
        {
            "protocol": "soap",
            "soap_url": "http://ecc.example/",
            "username": "U",
            "password": "p4ss-word",
            "start_date": "2024-05-01T00:00:00Z",
            "lookback_minutes": 5,
        },
    )
    assert [r["SalesOrder"] for r in output.records("orders")] == ["0000000001"]
    assert [r["Customer"] for r in output.records("customers")] == ["0000100001"]
    # the lookback is applied before the client sees the bound
    assert {since.isoformat() for _, since in FakeEcc.seen if since} == {
        "2024-04-30T23:55:00+00:00"
    }


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"page_size": 0}, "page_size"),  # would read nothing and look healthy
        ({"page_size": -5}, "page_size"),
        ({"page_size": 99999}, "page_size"),
        ({"lookback_minutes": -5}, "lookback_minutes"),  # would skip changes
        ({"start_date": "yesterday"}, "start_date"),
        ({"start_date": "2024-13-45"}, "start_date"),
    ],
)
def test_settings_that_would_lose_or_skip_data_are_refused_by_name(
    settings: dict[str, Any], named: str
) -> None:
    config = {"service_url": "http://127.0.0.1:9/sap/opu/odata/sap/API_SALES_ORDER_SRV"}
    with pytest.raises(ConfigurationError) as refused:
        record_source({**config, **settings})
    assert f"`{named}`" in str(refused.value)
