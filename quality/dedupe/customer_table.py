"""The customers table as dedupe reads it: one list per field, rows in natural-key order.

A million customers as record objects cost seconds to build and gigabytes to hold; as a
few lists of strings they are what the columnar linker reads anyway, and a row number
stands for the customer (ordered as its natural key, so the smallest row of a cluster
is its founding member).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from itertools import pairwise

from sqlalchemy import Connection, func, select

from orderhub.exceptions import OrderhubError
from orderhub.reports import mask_identifier
from orderhub.warehouse.schema import customers
from quality.dedupe.columns import no_cycle_collection
from quality.dedupe.pairs import CustomerRecord, NaturalKey


class DedupeInputError(OrderhubError):
    """A customers row dedupe cannot read, named by its natural key."""


#: Rows fetched per round trip while streaming.
CHUNK = 50_000
_STREAM = {"stream_results": True, "yield_per": CHUNK}


@dataclass
class CustomerTable:
    """The active customers as one list per field, row ``i`` in every list one customer,
    rows in natural-key order (so a row number orders like the key it stands for).

    What the columnar linker reads: a million customers stay a few lists of strings
    instead of a million record objects.
    """

    systems: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)
    phones: list[str | None] = field(default_factory=list)
    emails: list[str | None] = field(default_factory=list)
    cities: list[str | None] = field(default_factory=list)
    addresses: list[str | None] = field(default_factory=list)
    #: The golden ID each carries now (None: never assigned).
    previous: list[uuid.UUID | None] = field(default_factory=list)
    deleted: int = 0
    #: Every golden ID any customer carries, deleted ones included: never reissued.
    carried: set[uuid.UUID] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.ids)

    def key(self, row: int) -> NaturalKey:
        return (self.systems[row], self.ids[row])

    def records(self) -> list[CustomerRecord]:
        """The rows as records, for a linker that takes records (tests, other linkers)."""
        return [
            CustomerRecord(*values)
            for values in zip(
                self.systems,
                self.ids,
                self.names,
                self.phones,
                self.emails,
                self.cities,
                self.addresses,
                strict=True,
            )
        ]

    def _sort(self) -> None:
        """Natural-key order, if the database's collation ordered otherwise."""
        keys = list(zip(self.systems, self.ids, strict=True))
        if all(a < b for a, b in pairwise(keys)):
            return
        order = sorted(range(len(keys)), key=keys.__getitem__)
        for name in ("systems", "ids", "names", "phones", "emails", "cities", "addresses"):
            values = getattr(self, name)
            setattr(self, name, [values[i] for i in order])
        self.previous = [self.previous[i] for i in order]


def read_customer_table(connection: Connection) -> CustomerTable:
    """Active customers as a :class:`CustomerTable`, streamed in chunks; deleted ones
    only counted (and their golden IDs kept as carried),.

    Only the columns dedupe reads leave the database, the address fields extracted
    there: parsing a million address documents in Python would cost seconds.
    """
    _check_addresses(connection)
    c = customers.c
    address = c.default_address
    query = select(
        c.source_system,
        c.source_id,
        c.full_name,
        c.first_name,
        c.last_name,
        c.phone,
        c.phone_raw,
        c.email,
        address["city"].as_string(),
        address["line1"].as_string(),
        address["line2"].as_string(),
        address["phone"].as_string(),
        c.golden_customer_id,
        c.deleted_at,
    )
    postgres = connection.dialect.name == "postgresql"
    # Byte order is Python's string order; the database's collation may differ.
    order = [col.collate("C") if postgres else col for col in (c.source_system, c.source_id)]
    table = CustomerTable()
    result = connection.execute(query.order_by(*order), execution_options=_STREAM)
    with no_cycle_collection():
        for chunk in result.partitions(CHUNK):
            for (
                system,
                source_id,
                full_name,
                first,
                last,
                phone,
                phone_raw,
                email,
                city,
                line1,
                line2,
                address_phone,
                gid,
                deleted_at,
            ) in chunk:
                if gid is not None:
                    table.carried.add(gid)
                if deleted_at is not None:
                    table.deleted += 1
                    continue
                table.systems.append(system)
                table.ids.append(source_id)
                name = full_name or " ".join(part for part in (first, last) if part)
                table.names.append(name or None)
                table.phones.append(phone or phone_raw or address_phone)
                table.emails.append(email)
                table.cities.append(city)
                line = " ".join(part for part in (line1, line2) if part)
                table.addresses.append(line or None)
                table.previous.append(gid)
    table._sort()
    return table


def _check_addresses(connection: Connection) -> None:
    """Name the first customer whose address is not JSON (SQLite keeps any text there).

    SQLite's JSON functions fail the whole read on one malformed document, naming no
    row; the steward needs the customer to fix. (PostgreSQL's jsonb refuses such text
    on insert.)
    """
    if connection.dialect.name != "sqlite":
        return
    c = customers.c
    bad = connection.execute(
        select(c.source_system, c.source_id)
        .where(c.default_address.is_not(None), func.json_valid(c.default_address) == 0)
        .limit(1)
    ).first()
    if bad is not None:
        raise DedupeInputError(
            f"customer {bad.source_system}/{mask_identifier(str(bad.source_id))}: "
            "default_address is not valid JSON (rule: a JSON object or NULL); fix or clear "
            "it in the customers table (or reload the customer from its source) and rerun"
        )
