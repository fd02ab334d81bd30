"""The SOAP side of the ECC simulator: parsing calls, writing answers and faults as
SAP's SOAP runtime does (``soap-env`` envelope with an empty Header, ``n0:`` response
element, unqualified ABAP field names, table rows as ``<item>``, canonical decimals,
faults with ``xml:lang`` on faultstring and an ABAP exception in ``detail``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from connectors.sap.ecc.client import NAMESPACE, WSDL

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
ENV = ElementMaker(namespace=SOAP_ENV, nsmap={"soap-env": SOAP_ENV})
N0 = ElementMaker(namespace=NAMESPACE, nsmap={"n0": NAMESPACE})
E = ElementMaker()  # unqualified children, as the SAP runtime writes them
XML = {"Content-Type": "text/xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
PATH = "/sap/bc/srt/rfc/sap/zsd_salesorders/100/zsd_salesorders/zsd_salesorders_binding"
SYSTEM = "ECD"
#: Parameters per operation: required ones, and the continuation key's number field.
OPERATIONS = {
    "Z_SD_SALESORDERS_CHANGED": "VBELN",
    "Z_SD_CUSTOMERS_CHANGED": "KUNNR",
}


class SoapFault(Exception):
    """A request answered with a SOAP fault (HTTP 500)."""

    def __init__(
        self, code: str, text: str, exception: str | None = None, operation: str | None = None
    ) -> None:
        super().__init__(text)
        self.code, self.text, self.exception = code, text, exception
        self.operation = operation


class ReturnError(Exception):
    """A check of the function module: an E message in RETURN, no rows."""

    def __init__(
        self, ident: str, number: str, text: str, parameter: str = "", kind: str = "E"
    ) -> None:
        super().__init__(text)
        self.ident, self.number, self.text, self.parameter = ident, number, text, parameter
        self.kind = kind


def parse_call(body: bytes) -> tuple[str, dict[str, str]]:
    """The operation in a SOAP 1.1 body and its arguments by name."""
    try:
        envelope = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapFault("Client", f"SRT: XML parse error: {exc}") from None
    if envelope.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("VersionMismatch", "SRT: not a SOAP 1.1 envelope")
    body_element = envelope.find(f"{{{SOAP_ENV}}}Body")
    call = body_element[0] if body_element is not None and len(body_element) else None
    if call is None:
        raise SoapFault("Client", "SRT: the SOAP body is empty")
    qname = etree.QName(call)
    if qname.namespace != NAMESPACE or qname.localname not in OPERATIONS:
        raise SoapFault("Client", f"SRT: Operation {qname.text} is not part of ZSD_SALESORDERS")
    key = OPERATIONS[qname.localname]
    allowed = {"IV_CHANGED_DATE", "IV_CHANGED_TIME", "IV_MAX_ROWS", "IV_CONT_DATE"}
    allowed |= {"IV_CONT_TIME", f"IV_CONT_{key}"}
    arguments: dict[str, str] = {}
    for child in call:
        name = etree.QName(child).localname
        if etree.QName(child).namespace or name not in allowed:
            raise SoapFault(
                "Client", f"Deserialization failed: element {etree.QName(child).text} unexpected"
            )
        arguments[name] = (child.text or "").strip()
    for required in ("IV_CHANGED_DATE", "IV_CHANGED_TIME", "IV_MAX_ROWS"):
        if required not in arguments:
            raise SoapFault("Client", f"Deserialization failed: {required} missing")
    return qname.localname, arguments


def stamp_argument(arguments: dict[str, str], day_field: str, time_field: str) -> datetime | None:
    """A date + time argument as a wall time; the initial date means "from the start"."""
    day, clock = arguments.get(day_field, ""), arguments.get(time_field, "")
    if len(day) != 10 or not (day[:4] + day[5:7] + day[8:]).isdigit() or day[4::3] != "--":
        raise SoapFault("Client", f"Deserialization failed: {day_field} {day!r} is not a date10")
    if len(clock) != 8 or not clock.replace(":", "").isdigit() or clock[2::3] != "::":
        raise SoapFault("Client", f"Deserialization failed: {time_field} {clock!r} is not a time")
    if day == "0000-00-00":
        return None
    try:
        return datetime.strptime(f"{day} {clock}", "%Y-%m-%d %H:%M:%S")
    except ValueError:  # the runtime checks the pattern only; the FM checks the calendar
        text = f"{day} {clock} is not a valid date and time"
        raise ReturnError("ZSD_OH", "001", text, day_field) from None


def _value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "as_tuple"):  # Decimal: canonical xsd:decimal, as ABAP writes P fields
        text = format(value.normalize(), "f")
        return text if "." in text else text + ".0"
    return str(value)


def _structures() -> dict[str, tuple[str, ...]]:
    """Field order of each table's row structure, read from the WSDL (the runtime writes
    every field, in order, even when blank)."""
    xsd = "http://www.w3.org/2001/XMLSchema"
    schema = etree.parse(str(WSDL), PARSER)
    fields = {
        kind.get("name"): tuple(e.get("name") for e in kind.iter(f"{{{xsd}}}element"))
        for kind in schema.iter(f"{{{xsd}}}complexType")
        if kind.get("name")
    }
    return {
        "ET_HEADERS": fields["ZSDS_OH_HEADER"],
        "ET_ITEMS": fields["ZSDS_OH_ITEM"],
        "ET_PARTNERS": fields["ZSDS_OH_PARTNER"],
        "ET_CUSTOMERS": fields["ZSDS_OH_CUSTOMER"],
        "RETURN": fields["BAPIRET2"],
    }


STRUCTURES = _structures()


def table(name: str, rows: list[dict[str, Any]]) -> Any:
    """A table parameter: one ``<item>`` per row, every field of the structure."""
    element = getattr(E, name)()
    for row in rows:
        element.append(E.item(*(getattr(E, f)(_value(row.get(f, ""))) for f in STRUCTURES[name])))
    return element


def empty_answer(name: str) -> list[Any]:
    key = OPERATIONS[name]
    tables = ("ET_HEADERS", "ET_ITEMS", "ET_PARTNERS") if key == "VBELN" else ("ET_CUSTOMERS",)
    return [
        *(getattr(E, t)() for t in tables),
        E.EV_CONT_DATE("0000-00-00"),
        E.EV_CONT_TIME("00:00:00"),
        getattr(E, f"EV_CONT_{key}")(""),
        E.EV_MORE_DATA(""),
    ]


def note_row(error: ReturnError) -> dict[str, Any]:
    """A BAPIRET2 row for a message."""
    row = {"TYPE": error.kind, "ID": error.ident, "NUMBER": error.number}
    row |= {"MESSAGE": error.text, "LOG_MSG_NO": "000000", "PARAMETER": error.parameter}
    return row | {"ROW": 0, "SYSTEM": f"{SYSTEM}CLNT100"}


def return_table(error: ReturnError) -> Any:
    """RETURN with one BAPIRET2 error row."""
    return table("RETURN", [note_row(error)])


def fault_body(fault: SoapFault) -> Any:
    detail = E.detail()
    name = fault.operation
    if fault.exception and name:
        detail.append(N0(f"{name}.Exception", E.Name(fault.text), E.Text(fault.exception)))
    string = E.faultstring(fault.text)
    string.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    return ENV.Fault(E.faultcode(f"soap-env:{fault.code}"), string, detail)


def envelope(content: Any) -> bytes:
    envelope = ENV.Envelope(ENV.Header(), ENV.Body(content))
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def html_page(title: str, text: str) -> bytes:
    return f"<html><head><title>{title}</title></head><body><p>{text}</p></body></html>".encode()
