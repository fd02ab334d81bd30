"""A singer-sdk tap that replays generated Shopify orders: the tap side of the benchmark.

It encodes Singer messages the way tap-shopify does (msgspec writer), so the benchmark
measures a real tap process feeding target-orderhub, minus the HTTP API.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generated_orders import generate


class ReplayOrders(Stream):
    """Generated orders, keyed by id."""

    name = "orders"
    primary_keys = ("id",)
    schema = th.PropertiesList(th.Property("id", th.StringType)).to_dict()
    schema["additionalProperties"] = True

    def get_records(self, context: Any) -> Iterable[dict[str, Any]]:
        yield from generate(int(self.config["orders"]))


class ReplayTap(Tap):
    """Replays ``orders`` generated orders."""

    name = "tap-replay"
    message_writer_class = MsgSpecWriter
    config_jsonschema = th.PropertiesList(th.Property("orders", th.IntegerType)).to_dict()

    def discover_streams(self) -> list[Stream]:
        return [ReplayOrders(self)]


if __name__ == "__main__":
    ReplayTap.cli()
