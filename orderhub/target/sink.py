"""The one sink of target-orderhub: collects a stream's records for the load step.

singer-sdk's generic SQLSink does plain INSERTs of flattened records; orderhub instead
lands raw payloads and maps them into the unified model, so the sink only gathers records
and hands each batch to the target's load transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.sinks import BatchSink

if TYPE_CHECKING:
    from orderhub.target.target import TargetOrderhub


class OrderhubSink(BatchSink):
    """Buffers records of one stream; :meth:`process_batch` loads them in one go."""

    def __init__(self, target: TargetOrderhub, *args: Any, **kwargs: Any) -> None:
        self.target = target
        super().__init__(target, *args, **kwargs)

    @property
    def max_size(self) -> int:
        return int(self.config.get("batch_size", 5000))

    def get_validator(self) -> None:
        # The mapping and the pydantic model validate every record and dead-letter the bad
        # ones with a reason; jsonschema validation would instead abort the whole sync.
        return None

    def _validate_and_parse(self, record: dict[str, Any]) -> dict[str, Any]:
        # Keep the record exactly as the tap sent it: raw_records must hold the source
        # payload, not one with timestamps re-parsed by the SDK.
        return record

    def _remove_sdc_metadata_from_record(self, record: dict[str, Any]) -> None:
        # Keep the tap's record whole: `_sdc_deleted_at` marks a source tombstone.
        return None

    def _singer_validate_message(self, record: dict[str, Any]) -> None:
        # A record without its key is dead-lettered by the load step, not fatal here.
        return None

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        context.setdefault("records", []).append(record)

    def process_batch(self, context: dict[str, Any]) -> None:
        records = context.get("records", [])
        if records:
            self.target.load_batch(self.stream_name, list(self.key_properties), records)
