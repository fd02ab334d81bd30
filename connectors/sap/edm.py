"""OData v2 values and ``$metadata``: what SAP sends, read the way SAP means it.

The JSON format of OData v2 carries no types: ``/Date(1714557600000)/`` is a calendar
date or a moment depending on the property, and decimals arrive as strings. So every
value is parsed with the type the service's ``$metadata`` declares for its property:

- ``Edm.DateTimeOffset`` -> ISO-8601 UTC text (``2024-05-01T10:00:00.123000+00:00``). In
  ``/Date(ms+0030)/`` the milliseconds are the UTC instant and the offset (minutes) is
  only how the server would display it.
- ``Edm.DateTime`` with ``sap:display-format="Date"`` (SalesOrderDate, CreationDate) ->
  ``YYYY-MM-DD``: SAP sends a calendar date as its UTC midnight, so it is never shifted
  into a time zone (that would move it to the previous day west of Greenwich).
- other ``Edm.DateTime`` -> ISO-8601 UTC text (SAP sends them without an offset).
- ``Edm.Decimal`` -> the exact decimal text, never a float; text that is not a decimal
  is passed on unchanged so the mapping dead-letters it with its field name.
- ``Edm.String`` -> ``""`` (ABAP's initial value for an absent code) becomes null.
- ``Edm.Time`` (``PT10H30M00S``) -> ``HH:MM:SS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: ``/Date(ms)/``, ``/Date(ms+0000)/``, ``/Date(-ms-0130)/``; JSON may escape the slashes.
_JSON_DATE = re.compile(r"^\\?/Date\((?P<ms>[+-]?\d+)(?P<offset>[+-]\d{1,4})?\)\\?/$")
_EDM_TIME = re.compile(r"^PT(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?$")
_ISO_FRACTION = re.compile(r"(\.\d{6})\d+")
_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

EDMX = "http://schemas.microsoft.com/ado/2007/06/edmx"
SAP = "http://www.sap.com/Protocols/SAPData"
METADATA_DIR = Path(__file__).parent / "metadata"


class EdmValueError(ValueError):
    """A value does not have the form its Edm type requires."""


def parse_json_moment(text: str) -> datetime:
    """A JSON date (``/Date(ms[±mmmm])/``) or an ISO form as an aware UTC datetime.

    ISO forms come from gateways configured for them (``2024-05-01T10:00:00Z``, with up to
    seven fractional digits as ``Precision="7"`` allows); one without an offset is UTC,
    as OData v2 defines for ``Edm.DateTime``.
    """
    value = text.strip()
    match = _JSON_DATE.match(value)
    if match:
        return EPOCH + timedelta(milliseconds=int(match["ms"]))
    iso = _ISO_FRACTION.sub(r"\1", value.replace("Z", "+00:00").replace("z", "+00:00"))
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise EdmValueError(f"{text!r} is neither /Date(ms)/ nor ISO-8601") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """The record form of a moment: ISO-8601 in UTC with microseconds."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_calendar_date(text: str) -> date:
    """A date carried as its UTC midnight (``/Date(ms)/``) or as ISO text."""
    value = text.strip()
    match = _JSON_DATE.match(value)
    if match:
        return (EPOCH + timedelta(milliseconds=int(match["ms"]))).date()
    try:
        return datetime.fromisoformat(value[:10]).date()
    except ValueError:
        raise EdmValueError(f"{text!r} is not a date") from None


def parse_decimal(value: Any) -> str:
    """An ``Edm.Decimal`` as exact decimal text; raises on anything that is not one."""
    if isinstance(value, bool) or value is None:
        raise EdmValueError(f"{value!r} is not a decimal")
    text = str(value).strip()
    if not _DECIMAL_TEXT.match(text):
        raise EdmValueError(f"{value!r} is not a decimal")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise EdmValueError(f"{value!r} is not a decimal") from None
    return format(number, "f")


def parse_edm_time(text: str) -> str:
    """``PT10H30M05S`` as ``10:30:05``."""
    match = _EDM_TIME.match(text.strip())
    if not match or not text.strip() or text.strip() == "PT":
        raise EdmValueError(f"{text!r} is not an Edm.Time")
    seconds = float(match["s"] or 0)
    return f"{int(match['h'] or 0):02d}:{int(match['m'] or 0):02d}:{int(seconds):02d}"


@dataclass(frozen=True)
class EdmProperty:
    """One property of an entity type, with what the parsers need to know."""

    name: str
    type: str
    display_format: str | None = None
    nullable: bool = True
    filterable: bool = True
    sortable: bool = True
    scale: int | None = None

    @property
    def is_calendar_date(self) -> bool:
        return self.type == "Edm.DateTime" and self.display_format == "Date"

    def parse(self, value: Any) -> Any:
        """The record value of this property (see the module docstring)."""
        if value is None:
            return None
        if self.type == "Edm.String":
            text = str(value)
            return text if text != "" else None
        if self.type == "Edm.Decimal":
            try:
                return parse_decimal(value)
            except EdmValueError:
                return str(value)  # the mapping dead-letters it, naming the field
        if isinstance(value, str) and value == "":
            return None
        if self.type == "Edm.DateTimeOffset":
            return iso_utc(parse_json_moment(str(value)))
        if self.type == "Edm.DateTime":
            if self.is_calendar_date:
                return parse_calendar_date(str(value)).isoformat()
            return iso_utc(parse_json_moment(str(value)))
        if self.type == "Edm.Time":
            return parse_edm_time(str(value))
        if self.type in {"Edm.Int64", "Edm.Int32", "Edm.Int16", "Edm.Byte"}:
            return int(value)
        return value


@dataclass(frozen=True)
class EntityType:
    """An entity type: its key, properties and navigation properties (name -> type)."""

    name: str
    keys: tuple[str, ...]
    properties: dict[str, EdmProperty]
    navigations: dict[str, tuple[str, bool]] = field(default_factory=dict)

    def parse(self, entity: dict[str, Any]) -> dict[str, Any]:
        """An entity's properties parsed; ``__metadata``, navigations and unknown keys
        dropped (a navigation that is wanted is read by the caller before this)."""
        return {name: prop.parse(entity.get(name)) for name, prop in self.properties.items()}


@dataclass(frozen=True)
class ServiceMetadata:
    """A service's entity types and entity sets, read from its ``$metadata``."""

    types: dict[str, EntityType]
    entity_sets: dict[str, str]

    def entity_set(self, name: str) -> EntityType:
        try:
            return self.types[self.entity_sets[name]]
        except KeyError:
            raise KeyError(f"the service has no entity set {name!r}") from None

    def navigation(self, owner: EntityType, name: str) -> EntityType:
        return self.types[owner.navigations[name][0]]


def _local(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def parse_metadata(document: bytes) -> ServiceMetadata:
    """Entity types, keys, property types and navigations of an EDMX document."""
    root = etree.fromstring(document, parser=etree.XMLParser(resolve_entities=False))
    schemas = root.findall(f"{{{EDMX}}}DataServices/*")
    types: dict[str, EntityType] = {}
    entity_sets: dict[str, str] = {}
    for schema in schemas:
        ns = etree.QName(schema).namespace
        ends: dict[tuple[str, str], tuple[str, bool]] = {}
        for assoc in schema.findall(f"{{{ns}}}Association"):
            for end in assoc.findall(f"{{{ns}}}End"):
                many = end.get("Multiplicity") == "*"
                ends[(assoc.get("Name", ""), end.get("Role", ""))] = (
                    _local(end.get("Type", "")),
                    many,
                )
        for node in schema.findall(f"{{{ns}}}EntityType"):
            keys = tuple(ref.get("Name", "") for ref in node.findall(f"{{{ns}}}Key/*"))
            props = {
                p.get("Name", ""): EdmProperty(
                    name=p.get("Name", ""),
                    type=p.get("Type", ""),
                    display_format=p.get(f"{{{SAP}}}display-format"),
                    nullable=p.get("Nullable") != "false",
                    filterable=p.get(f"{{{SAP}}}filterable") != "false",
                    sortable=p.get(f"{{{SAP}}}sortable") != "false",
                    scale=int(p.get("Scale", "0")) if p.get("Scale", "0").isdigit() else None,
                )
                for p in node.findall(f"{{{ns}}}Property")
            }
            navs = {
                n.get("Name", ""): ends[(_local(n.get("Relationship", "")), n.get("ToRole", ""))]
                for n in node.findall(f"{{{ns}}}NavigationProperty")
            }
            name = node.get("Name", "")
            types[name] = EntityType(name, keys, props, navs)
        for container in schema.findall(f"{{{ns}}}EntityContainer"):
            for entity_set in container.findall(f"{{{ns}}}EntitySet"):
                entity_sets[entity_set.get("Name", "")] = _local(entity_set.get("EntityType", ""))
    if not entity_sets:
        raise EdmValueError("the $metadata document declares no entity sets")
    return ServiceMetadata(types, entity_sets)


def shipped_metadata(service: str) -> bytes:
    """The EDMX shipped with the connector for ``service`` (e.g. API_SALES_ORDER_SRV)."""
    return (METADATA_DIR / f"{service}.edmx").read_bytes()
