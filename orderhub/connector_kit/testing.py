"""The connector test kit: one line turns a ConnectorSpec into a full test suite.

    from connectors.acme.connector import CONNECTOR
    from orderhub.connector_kit.testing import connector_test_class

    TestAcme = connector_test_class(CONNECTOR)

The class runs, against fresh simulators:
- singer-sdk's standard tap tests;
- the CDC contract: the first sync is complete, the second reads only changes, a change
  made during a sync is not missed, the lookback catches late commits (if declared),
  deletes arrive as tombstones (if declared);
- mapping coverage: every stream has a spec, every status code the source can send maps,
  every simulated record maps without a dead letter;
- faults: rate limits (Retry-After honoured), server errors, timeouts, malformed pages and
  expired tokens are survived, or fail with an error naming the credential setting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from orderhub.connector_kit.run import TapOutput, run_tap
from orderhub.connector_kit.source import ConnectorSpec, Fault, SimulatedSource
from orderhub.exceptions import RecordError
from orderhub.mapping.catalog import MappingCatalog


def record_key(output: TapOutput, stream: str, record: dict[str, Any]) -> str:
    """A record's key as target-orderhub builds it (``a|b`` for compound keys)."""
    keys = output.tap.streams[stream].primary_keys or ()
    return "|".join(str(record[k]) for k in keys)


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value


class ConnectorContract:
    """The kit's own tests; ``connector_test_class`` binds them to one connector."""

    spec: ConnectorSpec

    @pytest.fixture
    def source(self) -> Iterator[SimulatedSource]:
        """A fresh simulator for one test."""
        with self.spec.simulator() as simulated:
            yield simulated

    def sync(self, source: SimulatedSource, **kwargs: Any) -> TapOutput:
        """One full in-process run of the tap against ``source``."""
        return run_tap(
            self.spec.tap_class, source.tap_config(), streams=self.spec.streams, **kwargs
        )

    def keys(self, output: TapOutput, stream: str) -> list[str]:
        return [record_key(output, stream, r) for r in output.records(stream)]

    def replication(self, output: TapOutput, stream: str) -> dict[str, Any]:
        """Latest replication value per key emitted."""
        name = output.tap.streams[stream].replication_key or ""
        return {record_key(output, stream, r): r.get(name) for r in output.records(stream)}

    # -- CDC contract -------------------------------------------------------------------

    def test_first_sync_is_complete(self, source: SimulatedSource) -> None:
        output = self.sync(source)
        for stream in self.spec.streams:
            keys = self.keys(output, stream)
            assert len(keys) == len(set(keys)), f"{stream}: a record was emitted twice"
            assert set(keys) == set(source.current(stream)), f"{stream}: records missing"
            bookmark = _comparable(output.bookmark(stream))
            if isinstance(bookmark, datetime):
                assert bookmark <= output.sync_start, f"{stream}: bookmark after sync start"

    def test_second_sync_reads_only_changes(self, source: SimulatedSource) -> None:
        first = self.sync(source)
        changed = source.change(10)
        second = self.sync(source, state=first.final_state)
        lookback = self.spec.lookback
        for stream in self.spec.streams:
            emitted = self.replication(second, stream)
            assert changed.get(stream, set()) <= set(emitted), f"{stream}: a change was missed"
            floor = _comparable(first.bookmark(stream))
            if isinstance(floor, datetime) and lookback:
                floor -= lookback
            for key in set(emitted) - changed.get(stream, set()):
                # Unchanged records may come again only from the bookmark's own instant
                # (or the lookback window): never the whole history.
                assert _comparable(emitted[key]) >= floor, f"{stream}: {key} re-read"

    def test_a_change_during_a_sync_is_not_missed(self, source: SimulatedSource) -> None:
        changed: dict[str, set[str]] = {}
        stream_name = self.spec.streams[0]

        def change_mid_stream(tap: Any) -> None:
            stream = tap.streams[stream_name]
            original = stream.get_records

            def get_records(context: Any) -> Iterator[dict[str, Any]]:
                for index, record in enumerate(original(context)):
                    if index == 0:
                        changed.update(source.change(5))
                    yield record

            stream.get_records = get_records

        first = self.sync(source, tap_hook=change_mid_stream)
        second = self.sync(source, state=first.final_state)
        for stream, keys in changed.items():
            latest = {**self.replication(first, stream), **self.replication(second, stream)}
            current = source.current(stream)
            for key in keys:
                assert key in latest, f"{stream}: {key} changed during a sync and was lost"
                assert _comparable(latest[key]) == _comparable(current[key]), (
                    f"{stream}: {key} changed during a sync; its newest version was lost"
                )

    # -- mapping coverage ---------------------------------------------------------------

    def test_every_stream_has_a_mapping_spec(self) -> None:
        catalog = MappingCatalog.load(sources={self.spec.source})
        missing = [s for s in self.spec.streams if (self.spec.source, s) not in catalog.mappings]
        assert not missing, f"add mappings/{self.spec.source}/<stream>.yml for {missing}"

    def test_every_source_status_code_is_mapped(self) -> None:
        tables = MappingCatalog.load(sources={self.spec.source}).code_tables[self.spec.source]
        unmapped: list[str] = []
        for table_name, inputs in self.spec.status_inputs.items():
            table = tables[table_name]
            for value in inputs:
                try:
                    table.lookup(value)
                except RecordError as exc:
                    unmapped.append(str(exc))
        assert not unmapped, "unmapped source codes:\n" + "\n".join(unmapped)

    def test_every_simulated_record_maps_without_a_dead_letter(
        self, source: SimulatedSource
    ) -> None:
        catalog = MappingCatalog.load(sources={self.spec.source})
        output = self.sync(source)
        failures: list[str] = []
        for stream in self.spec.streams:
            mapping = catalog.get(self.spec.source, stream)
            for record in output.records(stream):
                try:
                    mapping.map(record)
                except RecordError as exc:
                    failures.append(
                        f"{stream} {record_key(output, stream, record)}: {exc.reason()}"
                    )
        assert not failures, "records that would be dead-lettered:\n" + "\n".join(failures[:20])

    def test_credentials_are_declared_secret(self) -> None:
        settings = self.spec.tap_class.config_jsonschema["properties"]
        setting = settings.get(self.spec.credential_setting, {})
        assert setting.get("secret") is True, f"mark {self.spec.credential_setting} secret=True"


def _fault_test(spec: ConnectorSpec) -> Any:
    @pytest.mark.parametrize("fault", sorted(spec.faults))
    def test_faults_are_survived_or_reported(
        self: ConnectorContract, source: SimulatedSource, fault: Fault
    ) -> None:
        expected = {s: set(source.current(s)) for s in spec.streams}
        secret = str(source.tap_config().get(spec.credential_setting, ""))
        source.inject(fault, 2)
        if fault is Fault.EXPIRED_TOKEN and not spec.refreshes_token:
            with pytest.raises(Exception) as error:  # any fatal error of the tap
                self.sync(source)
            assert spec.credential_setting in str(error.value), "say which setting to fix"
            assert not secret or secret not in str(error.value), "the secret leaked"
            return
        started = time.monotonic()
        output = self.sync(source)
        for stream in spec.streams:
            assert set(self.keys(output, stream)) == expected[stream], f"{stream} after {fault}"
        if fault is Fault.RATE_LIMITED:
            assert time.monotonic() - started >= source.retry_after_seconds, "Retry-After ignored"

    return test_faults_are_survived_or_reported


def connector_test_class(spec: ConnectorSpec) -> type:
    """The whole connector test suite for ``spec`` (assign it to a ``Test*`` name)."""
    standard_config: dict[str, Any] = dict(spec.example_config)
    standard = get_tap_test_class(
        spec.tap_class,
        config=standard_config,  # filled in place once the simulator runs
        suite_config=SuiteConfig(max_records_limit=50),
        parse_env_config=False,
    )

    class Bound(ConnectorContract, standard):  # type: ignore[misc,valid-type]
        @pytest.fixture(scope="class", autouse=True)
        @classmethod
        def _standard_source(cls) -> Iterator[SimulatedSource]:
            with spec.simulator() as simulated:
                standard_config.clear()
                standard_config.update(simulated.tap_config())
                yield simulated

    members: dict[str, Any] = {"spec": spec}
    if spec.faults:
        members["test_faults_are_survived_or_reported"] = _fault_test(spec)
    if spec.lookback:
        members["test_lookback_catches_late_commits"] = _lookback_test(spec)
    if spec.detects_deletes:
        members["test_deletes_arrive_as_tombstones"] = _deletes_test(spec)
    name = f"Connector{spec.source.title().replace('_', '')}Tests"
    return type(name, (Bound,), members)


def _lookback_test(spec: ConnectorSpec) -> Any:
    def test_lookback_catches_late_commits(
        self: ConnectorContract, source: SimulatedSource
    ) -> None:
        assert spec.lookback is not None
        first = self.sync(source)
        late = source.change_late(5, before=spec.lookback / 2)
        second = self.sync(source, state=first.final_state)
        for stream, keys in late.items():
            assert keys <= set(self.keys(second, stream)), f"{stream}: late commits were missed"

    return test_lookback_catches_late_commits


def _deletes_test(spec: ConnectorSpec) -> Any:
    def test_deletes_arrive_as_tombstones(self: ConnectorContract, source: SimulatedSource) -> None:
        first = self.sync(source)
        deleted = source.delete(3)
        second = self.sync(source, state=first.final_state)
        for stream, keys in deleted.items():
            tombstones = {
                record_key(second, stream, r)
                for r in second.records(stream)
                if r.get("_sdc_deleted_at")
            }
            assert keys <= tombstones, f"{stream}: deletes were not emitted as tombstones"

    return test_deletes_arrive_as_tombstones
