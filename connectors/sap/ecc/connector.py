"""tap-sap with ``protocol: soap`` (SAP ECC) as the connector kit sees it.

The same tap and mappings as the S/4HANA spec in connectors/sap/connector.py; only the
protocol, the simulator and the status combinations differ. The kit names its test class
after ``source``, so both specs can be bound in separate test modules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from connectors.sap.ecc.records import order_record
from connectors.sap.ecc.sim_store import STATES
from connectors.sap.ecc.simulator import simulate
from connectors.sap.ecc.stamps import zone
from connectors.sap.records import STATUS_FIELDS
from connectors.sap.tap import TapSap
from orderhub.connector_kit import ConnectorSpec, Fault

#: The simulator's lookback_minutes: the kit checks late commits within it are caught.
LOOKBACK = timedelta(minutes=10)


def status_combinations() -> list[tuple[Any, ...]]:
    """Every status combination the ECC simulator sends, in the code table's input order
    (connectors.sap.records.STATUS_FIELDS), as tap-sap emits it."""
    base = {"VBELN": "1", "UDATE": "2024-05-01", "UTIME": "10:00:00", "WAERK": "EUR"}
    combinations = []
    for fields in STATES.values():
        record = order_record(base | fields, [], [], zone("UTC"))
        combinations.append(tuple(record[name] for name in STATUS_FIELDS))
    return combinations


ECC_CONNECTOR = ConnectorSpec(
    source="sap",
    tap_class=TapSap,
    simulator=simulate,
    streams=("orders", "customers"),
    # A real simulator of the ICF/SOAP runtime: 429 + Retry-After, 503, slow answers,
    # truncated envelopes, and a password that expires (a 401 naming `password`).
    faults=frozenset(Fault),
    credential_setting="password",
    detects_deletes=False,  # ECC change stamps do not show deletions (docs/sources/sap.md)
    lookback=LOOKBACK,
    status_inputs={"order_status": status_combinations()},
    # Port 9 (discard): valid, but nothing answers there until the kit swaps in a simulator.
    example_config={
        "protocol": "soap",
        "soap_url": "http://127.0.0.1:9/sap/bc/srt/rfc/sap/zsd_salesorders/100/x/y",
        "username": "ORDERHUB_RFC",
        "password": "example-password",
        "sap_client": "100",
        "timezone": "Europe/Berlin",
    },
)
