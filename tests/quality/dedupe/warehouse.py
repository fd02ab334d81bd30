"""Customers written straight into a test warehouse, as any source's load leaves them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from orderhub.warehouse.schema import customers
from quality.dedupe.pairs import Band, CustomerRecord, NaturalKey, ScoredPair

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def add_customer(
    engine: Engine,
    source_id: str,
    *,
    system: str = "shopify",
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    city: str | None = None,
    **columns: Any,
) -> NaturalKey:
    row = {
        "customer_key": uuid.uuid4(),
        "source_system": system,
        "source_id": source_id,
        "source_updated_at": NOW,
        "full_name": name,
        "phone_raw": phone,
        "email": email,
        "default_address": {"city": city, "line1": "1 Road"} if city else None,
        "source_stream": "customers",
        "source_record_key": f"{system}:{source_id}",
        "mapping_version": "test",
        "row_hash": uuid.uuid4().hex,
        "loaded_at": NOW,
        **columns,
    }
    with engine.begin() as connection:
        connection.execute(customers.insert(), [row])
    return (system, source_id)


def delete_customer(engine: Engine, key: NaturalKey) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(customers)
            .where(customers.c.source_system == key[0], customers.c.source_id == key[1])
            .values(deleted_at=NOW)
        )


def golden_ids(engine: Engine) -> dict[NaturalKey, uuid.UUID | None]:
    query = select(customers.c.source_system, customers.c.source_id, customers.c.golden_customer_id)
    with engine.connect() as connection:
        return {(s, i): g for s, i, g in connection.execute(query)}


def fixed_linker(
    *pairs: tuple[NaturalKey, NaturalKey, float, Band],
) -> Callable[[Sequence[CustomerRecord]], list[ScoredPair]]:
    """A linker proposing exactly ``pairs`` among the records it is given: the tests
    decide the bands, not the real linker's thresholds."""

    def link(records: Sequence[CustomerRecord]) -> list[ScoredPair]:
        present = {r.key for r in records}
        return [
            ScoredPair(min(a, b), max(a, b), score, band, {"name": round(score, 2)})
            for a, b, score, band in pairs
            if a in present and b in present
        ]

    return link
