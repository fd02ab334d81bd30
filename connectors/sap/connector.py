"""tap-sap as the connector kit sees it."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

from connectors.sap.simulator import simulate
from connectors.sap.tap import TapSap
from orderhub.connector_kit import ConnectorSpec, Fault

#: The SD status domains (VBUK/VBUP: blank -> null, A, B, C), blocks as any code or none,
#: credit check A-D: every combination the order_status code table must map, in its
#: input order (see mappings/sap/code_tables.yml).
STATUS_DOMAIN = (None, "A", "B", "C")
ORDER_STATUS_INPUTS = tuple(
    product(
        STATUS_DOMAIN,  # OverallSDDocumentRejectionSts
        (None, "01"),  # DeliveryBlockReason
        (None, "02"),  # HeaderBillingBlockReason
        (*STATUS_DOMAIN, "D"),  # TotalCreditCheckStatus
        STATUS_DOMAIN,  # OverallSDProcessStatus
        STATUS_DOMAIN,  # OverallTotalDeliveryStatus
        STATUS_DOMAIN,  # OverallOrdReltdBillgStatus
    )
)

CONNECTOR = ConnectorSpec(
    source="sap",
    tap_class=TapSap,
    simulator=simulate,
    streams=("orders", "customers"),
    faults=frozenset(Fault),
    # The kit runs the simulator with OAuth client credentials: an expired token is
    # renewed at the token endpoint.
    refreshes_token=True,
    credential_setting="oauth_client_secret",
    # OData v2 JSON has no tombstones: deletes are not detected (docs/sources/sap.md).
    detects_deletes=False,
    lookback=timedelta(minutes=10),
    status_inputs={"order_status": ORDER_STATUS_INPUTS},
    example_config={
        "service_url": "http://127.0.0.1:9/sap/opu/odata/sap/API_SALES_ORDER_SRV",
        "username": "EXAMPLE_USER",
        "password": "example-password",
    },
)
