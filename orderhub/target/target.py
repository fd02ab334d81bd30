"""target-orderhub: a Singer target that lands, maps, validates and upserts.

Effectively-once: every drain writes into one open transaction, and the transaction is
committed together with the Singer state that covers it (``_write_state_message``); only
then is the state emitted. A crash loses only uncommitted work, which the tap resends
from the committed state, and version-guarded upserts make that replay harmless.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.singerlib.exceptions import InvalidInputLine
from sqlalchemy.exc import SQLAlchemyError

from orderhub.admission import SchemaCheck
from orderhub.exceptions import ConfigurationError, OrderhubError
from orderhub.jsonutil import dumps_bytes
from orderhub.loading import StreamLoader
from orderhub.redaction import Redactor
from orderhub.target.reader import InvalidLine, OrderhubReader
from orderhub.target.redacting import RedactingLoadTransaction
from orderhub.target.sink import OrderhubSink
from orderhub.warehouse import schema
from orderhub.warehouse.bulk import BulkWriter
from orderhub.warehouse.engine import create_warehouse_engine, migrate
from orderhub.warehouse.loader import LoadTransaction
from orderhub.warehouse.locks import this_host
from orderhub.warehouse.records import DeadLetter, LoadCounts, new_run_id
from orderhub.warehouse.storable import (
    hash_of,
    json_problem,
    storable_payload,
    storable_text,
    text_problem,
)

#: dead_letters.rule of an input line that is not a Singer message.
NOT_SINGER_MESSAGE = "not_singer_message"


def _check_names(source: str, pipeline: str) -> None:
    """Names every row of the run carries must fit their columns, or nothing could load."""
    for setting, value, column in (
        ("source_system", source, schema.raw_records.c.source_system),
        ("pipeline", pipeline, schema.sync_runs.c.pipeline),
    ):
        problem = text_problem(value, setting, getattr(column.type, "length", None))
        if problem is not None:
            raise ConfigurationError(f"target setting {problem.reason}")


class TargetOrderhub(Target):
    """Loads Singer streams of one source into the unified order model."""

    name = "target-orderhub"
    package_name = "orderhub"
    default_sink_class = OrderhubSink
    message_reader_class = OrderhubReader
    config_jsonschema = th.PropertiesList(
        th.Property(
            "warehouse_url",
            th.StringType,
            required=True,
            secret=True,
            description="SQLAlchemy URL or SQLite path of the warehouse",
        ),
        th.Property(
            "source_system",
            th.StringType,
            required=True,
            description="Source the streams come from; selects mappings/<source_system>/",
        ),
        th.Property("pipeline", th.StringType, description="Name the state is kept under"),
        th.Property("run_id", th.StringType, description="sync_runs row to report into"),
        th.Property("mappings_dir", th.StringType, description="Folder of mapping specs"),
        th.Property("batch_size", th.IntegerType, default=5000, description="Records per load"),
        th.Property(
            "commit_every",
            th.IntegerType,
            default=20000,
            description="Commit (with state) once this many records are pending",
        ),
        th.Property(
            "max_version_skew_hours",
            th.NumberType,
            default=24,
            description="How far in the future a record's source version may be before it "
            "is dead-lettered as implausible (it would freeze the version guard)",
        ),
        th.Property(
            "redact_values",
            th.ArrayType(th.StringType),
            secret=True,
            description="Secret values of the tap to redact from dead-letter reasons",
        ),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One transaction is shared by all sinks, so they must not drain in parallel.
        self.max_parallelism = 1
        self.source = str(self.config["source_system"])
        self.pipeline = str(self.config.get("pipeline") or self.source)
        _check_names(self.source, self.pipeline)
        self.owns_run = not self.config.get("run_id")
        self.run_id = str(self.config.get("run_id") or new_run_id())
        self._pending = 0
        self._loader: LoadTransaction | None = None
        self._stream_loader: StreamLoader | None = None
        self.invalid_messages = 0
        reader = self.message_reader
        if isinstance(reader, OrderhubReader):
            reader.on_invalid = self.record_invalid_line

    # set-up --------------------------------------------------------------------------

    @property
    def loader(self) -> LoadTransaction:
        """The open load transaction; the warehouse is migrated on first use."""
        if self._loader is None:
            engine = create_warehouse_engine(str(self.config["warehouse_url"]))
            migrate(engine)
            redact = Redactor.from_config(self.config, self.config_jsonschema)
            self._loader = RedactingLoadTransaction(engine, run_id=self.run_id, redact=redact)
            self._register_run(self._loader)
        return self._loader

    def _register_run(self, loader: LoadTransaction) -> None:
        BulkWriter(loader.connection).upsert(
            schema.sync_runs,
            [
                {
                    "run_id": self.run_id,
                    "pipeline": self.pipeline,
                    "source_system": self.source,
                    "status": "running",
                    "started_at": datetime.now(UTC),
                    # A run this target owns is abandoned by the next sync if we die.
                    "host": this_host(),
                    "pid": os.getpid(),
                }
            ],
            conflict=("run_id",),
            update=(),
        )
        loader.commit()

    @property
    def stream_loader(self) -> StreamLoader:
        """The loader of this source's streams, bound to the open transaction."""
        if self._stream_loader is None:
            folder = self.config.get("mappings_dir")
            skew = timedelta(hours=float(self.config.get("max_version_skew_hours", 24)))
            self._stream_loader = StreamLoader(
                self.source, self.loader, Path(folder) if folder else None, version_tolerance=skew
            )
        return self._stream_loader

    @property
    def counts(self) -> dict[str, LoadCounts]:
        """Per-stream counts of this run so far."""
        return self._stream_loader.counts if self._stream_loader else {}

    def load_batch(
        self,
        stream: str,
        key_properties: list[str],
        records: list[Any],
        schema_check: SchemaCheck | None = None,
    ) -> None:
        """Load one drained batch into the open transaction."""
        self.stream_loader.load(stream, key_properties, records, schema_check)
        self._pending += len(records)

    # input that is not a record ---------------------------------------------------------

    def _process_record_message(self, message_dict: dict) -> None:
        record = message_dict["record"]
        if isinstance(record, dict):
            super()._process_record_message(message_dict)
            return
        # singer-sdk drops `"record": null` silently and fails on a list; such a record
        # goes to its stream's batch instead, where the load step dead-letters it.
        stream = message_dict["stream"]
        self._assert_sink_exists(stream)
        sink = self.get_sink(stream)
        assert isinstance(sink, OrderhubSink)
        sink.add_non_object(record)
        if sink.is_full:
            self.drain_one(sink)

    def _process_batch_message(self, message_dict: dict) -> None:
        try:
            super()._process_batch_message(message_dict)
        except (SQLAlchemyError, OrderhubError):
            raise  # the warehouse or the set-up failed, not the message
        except Exception as exc:
            # The manifest names files the target cannot read (missing, not JSON lines,
            # not gzip): the message is refused, what was loaded before it stays loaded.
            raise InvalidInputLine(
                f"BATCH manifest could not be read ({type(exc).__name__}: {exc}); "
                "check the files it names exist and match its encoding"
            ) from None

    def record_invalid_line(self, line: InvalidLine) -> None:
        """Dead-letter an input line that is not a Singer message, and count it.

        It lands in the open transaction, so it is committed with the data read before
        it; a rerun that reads it again bumps the same dead letter's attempts.
        """
        self.invalid_messages += 1
        self.logger.warning(
            "Input line %d is not a Singer message (%s); it is kept in dead_letters as "
            "line:%d and the sync goes on.",
            line.number,
            storable_text(line.reason),
            line.number,
        )
        payload = storable_payload({"line": line.number, "text": line.text})
        letter = DeadLetter(
            f"line:{line.number}",
            payload,
            hash_of(dumps_bytes(payload)),
            NOT_SINGER_MESSAGE,
            None,
            f"input line {line.number} is not a Singer message: {line.reason}; fix the tap "
            "(or whatever wrote the input) so it writes one JSON message per line",
        )
        self.loader.dead_letter(self.source, line.stream or "", [letter], None)

    # commit points ---------------------------------------------------------------------

    def _process_state_message(self, message_dict: dict) -> None:
        problem = json_problem(message_dict["value"], "value")
        if problem is not None:
            # Stored, it would fail this commit and every rerun's: the line is refused.
            raise InvalidInputLine(f"STATE {problem.reason}")
        super()._process_state_message(message_dict)
        pending = self._pending + sum(s.current_size for s in self._sinks_active.values())
        if pending >= int(self.config.get("commit_every", 20000)):
            self.drain_all()

    def _write_state_message(self, state: dict) -> None:
        # Called by drain_all after every sink drained: data and state commit together,
        # and only then does the state leave the target.
        self._commit(state)
        super()._write_state_message(state)

    def _commit(self, state: dict | None) -> None:
        if self._loader is None and not state:
            return
        loader = self.loader
        if state:
            loader.save_state(self.pipeline, state)
        loader.save_counts(self.counts, invalid_messages=self.invalid_messages)
        loader.commit()
        self._pending = 0

    def process_endofpipe(self) -> None:
        super().process_endofpipe()
        self._commit(None)
        if self._loader is not None:
            if self.owns_run:
                self._finish_run()
            self._loader.close()
            self._loader = None

    def _finish_run(self) -> None:
        loader = self.loader
        loader.connection.execute(
            schema.sync_runs.update()
            .where(schema.sync_runs.c.run_id == self.run_id)
            .values(
                status="succeeded_with_errors" if self.invalid_messages else "succeeded",
                finished_at=datetime.now(UTC),
            )
        )
        loader.commit()
