"""The one sink of target-orderhub: collects a stream's records for the load step.

singer-sdk's generic SQLSink does plain INSERTs of flattened records; orderhub instead
lands raw payloads and maps them into the unified model, so the sink only gathers records
and hands each batch to the target's load transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.sinks import BatchSink

from orderhub.admission import SchemaCheck

if TYPE_CHECKING:
    from orderhub.target.target import TargetOrderhub


class OrderhubSink(BatchSink):
    """Buffers records of one stream; :meth:`process_batch` loads them in one go."""

    def __init__(self, target: TargetOrderhub, *args: Any, **kwargs: Any) -> None:
        self.target = target
        super().__init__(target, *args, **kwargs)
        # A new SCHEMA message makes a new sink, so the check always matches the schema.
        self.schema_check = SchemaCheck(self.stream_name, self.schema)

    @property
    def max_size(self) -> int:
        return int(self.config.get("batch_size", 5000))

    def get_validator(self) -> None:
        # singer-sdk's validator aborts the whole sync on the first invalid record; the
        # load step checks each record against the schema (SchemaCheck) and dead-letters
        # a contradiction instead.
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

    def process_record(self, record: Any, context: dict[str, Any]) -> None:
        context.setdefault("records", []).append(record)

    def add_non_object(self, value: Any) -> None:
        """Buffer a RECORD whose value is not an object; the load step dead-letters it.

        singer-sdk would drop ``"record": null`` silently and fail on a list, so the
        target hands such values here, past the SDK's record handling.
        """
        self.tally_record_read()
        self.process_record(value, self._get_context({}))

    def process_batch(self, context: dict[str, Any]) -> None:
        records = context.get("records", [])
        if records:
            self.target.load_batch(
                self.stream_name, list(self.key_properties), records, self.schema_check
            )
