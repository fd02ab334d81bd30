"""The ECC simulator on the wire: ICF logon, SOAP runtime faults, the function module's
selection and paging, as a client other than zeep sees them."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from lxml import etree

from connectors.sap.ecc.client import NAMESPACE
from connectors.sap.ecc.sim_soap import SOAP_ENV
from connectors.sap.ecc.simulator import EccSimulator, simulate


@pytest.fixture(scope="module")
def ecc() -> Iterator[EccSimulator]:
    with simulate(seed=5, count=25, timezone="America/New_York") as service:
        yield service


def auth(service: EccSimulator, password: str | None = None) -> dict[str, str]:
    pair = f"{service.username}:{password or service.password}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def envelope(operation: str, **arguments: str) -> bytes:
    fields = "".join(f"<{k}>{v}</{k}>" for k, v in arguments.items())
    return (
        f'<soap-env:Envelope xmlns:soap-env="{SOAP_ENV}"><soap-env:Body>'
        f'<n0:{operation} xmlns:n0="{NAMESPACE}">{fields}</n0:{operation}>'
        "</soap-env:Body></soap-env:Envelope>"
    ).encode()


def post(service: EccSimulator, body: bytes, **kwargs: object) -> httpx.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8", **auth(service)}
    headers.update(kwargs.pop("headers", {}))  # type: ignore[arg-type]
    return httpx.post(
        service.url, content=body, headers=headers, params={"sap-client": "100"}, **kwargs
    )


def fault(response: httpx.Response) -> tuple[str, str]:
    tree = etree.fromstring(response.content)
    node = tree.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
    assert node is not None, response.text
    return node.findtext("faultcode") or "", node.findtext("faultstring") or ""


def test_logon_needs_basic_auth_and_says_how(ecc: EccSimulator) -> None:
    body = envelope("Z_SD_CUSTOMERS_CHANGED")
    for headers in ({}, auth(ecc, "wrong")):
        response = httpx.post(ecc.url, content=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith('Basic realm="SAP NetWeaver')
    unknown_client = httpx.post(
        ecc.url, content=body, headers=auth(ecc), params={"sap-client": "999"}
    )
    assert unknown_client.status_code == 401 and "client 999" in unknown_client.text


def test_the_wsdl_is_served_and_unknown_paths_are_404(ecc: EccSimulator) -> None:
    # (The kit's loopback server drops blank query values, so ``?wsdl=1``, not ``?wsdl``.)
    wsdl = httpx.get(ecc.url + "?wsdl=1", headers=auth(ecc))
    assert wsdl.status_code == 200 and b"Z_SD_SALESORDERS_CHANGED" in wsdl.content
    assert (
        httpx.get(ecc.base_url + "/sap/bc/srt/rfc/sap/other", headers=auth(ecc)).status_code == 404
    )


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (envelope("Z_SD_DELETE_EVERYTHING"), "text/xml", "not part of ZSD_SALESORDERS"),
        (b"<not-xml", "text/xml", "XML parse error"),
        (envelope("Z_SD_CUSTOMERS_CHANGED", IV_CHANGED_DATE="2024-05-01"), "text/xml", "missing"),
        (
            envelope(
                "Z_SD_CUSTOMERS_CHANGED",
                IV_CHANGED_DATE="01.05.2024",
                IV_CHANGED_TIME="10:00:00",
                IV_MAX_ROWS="5",
            ),
            "text/xml",
            "is not a date10",
        ),
        (
            envelope(
                "Z_SD_CUSTOMERS_CHANGED",
                IV_CHANGED_DATE="2024-05-01",
                IV_CHANGED_TIME="10:00:00",
                IV_MAX_ROWS="5",
                IV_SECRET="1",
            ),
            "text/xml",
            "IV_SECRET unexpected",
        ),
        (envelope("Z_SD_CUSTOMERS_CHANGED"), "application/soap+xml", "content type"),
    ],
)
def test_bad_requests_get_client_faults(
    ecc: EccSimulator, body: bytes, content_type: str, expected: str
) -> None:
    response = post(ecc, body, headers={"Content-Type": content_type})
    assert response.status_code == 500
    code, text = fault(response)
    assert code == "soap-env:Client" and expected in text


def test_the_function_module_checks_answer_in_return(ecc: EccSimulator) -> None:
    response = post(
        ecc,
        envelope(
            "Z_SD_SALESORDERS_CHANGED",
            IV_CHANGED_DATE="2024-02-30",
            IV_CHANGED_TIME="10:00:00",
            IV_MAX_ROWS="5",
        ),
    )
    assert response.status_code == 200
    tree = etree.fromstring(response.content)
    assert tree.findtext(".//RETURN/item/TYPE") == "E"
    assert tree.findtext(".//RETURN/item/PARAMETER") == "IV_CHANGED_DATE"
    assert tree.find(".//ET_HEADERS/item") is None


def test_selection_is_in_server_time_and_pages_cover_it_exactly(ecc: EccSimulator) -> None:
    stamps = sorted(
        datetime.fromisoformat(f"{o['header']['UDATE']}T{o['header']['UTIME']}")
        for o in ecc.store.orders.values()
    )
    since = stamps[len(stamps) // 2]  # a wall time in New York
    expected = {
        n
        for n, o in ecc.store.orders.items()
        if datetime.fromisoformat(f"{o['header']['UDATE']}T{o['header']['UTIME']}") >= since
    }
    arguments = {
        "IV_CHANGED_DATE": since.date().isoformat(),
        "IV_CHANGED_TIME": since.time().isoformat(),
        "IV_MAX_ROWS": "4",
    }
    read: list[str] = []
    for _ in range(20):
        tree = etree.fromstring(
            post(ecc, envelope("Z_SD_SALESORDERS_CHANGED", **arguments)).content
        )
        page = [h.findtext("VBELN") for h in tree.iterfind(".//ET_HEADERS/item")]
        assert len(page) <= 4
        items = {i.findtext("VBELN") for i in tree.iterfind(".//ET_ITEMS/item")}
        assert items == set(page), "items come with their own headers only"
        read += page
        if tree.findtext(".//EV_MORE_DATA") != "X":
            break
        arguments |= {
            "IV_CONT_DATE": tree.findtext(".//EV_CONT_DATE") or "",
            "IV_CONT_TIME": tree.findtext(".//EV_CONT_TIME") or "",
            "IV_CONT_VBELN": tree.findtext(".//EV_CONT_VBELN") or "",
        }
    assert len(read) == len(set(read)) and set(read) == expected
