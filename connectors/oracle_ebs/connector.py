"""tap-oracle-ebs as the connector kit sees it."""

from __future__ import annotations

import itertools
from datetime import timedelta

from connectors.oracle_ebs.codes import (
    DELIVERY_STATUSES,
    HEADER_FLOW_STATUSES,
    LINE_STAGES,
    ORDER_CATEGORIES,
    RELEASED_STATUSES,
)
from connectors.oracle_ebs.simulator import simulate
from connectors.oracle_ebs.tap import TapOracleEbs
from orderhub.connector_kit import ConnectorSpec

#: What the tap reports as LINES_FLOW_STATUS_CODE: a selling line stage, all lines
#: cancelled, or no line at all.
_LINE_SUMMARIES = (*(code for codes in LINE_STAGES for code in codes), "CANCELLED", None)

CONNECTOR = ConnectorSpec(
    source="oracle_ebs",
    tap_class=TapOracleEbs,
    simulator=simulate,
    streams=("orders", "customers", "shipments"),
    credential_setting="sqlalchemy_url",
    detects_deletes=True,
    lookback=timedelta(minutes=10),
    status_inputs={
        # ORDER_CATEGORY_CODE, HOLD_ACTIVE_FLAG, header FLOW_STATUS_CODE, lines' status
        "order_status": list(
            itertools.product(ORDER_CATEGORIES, ("Y", "N"), HEADER_FLOW_STATUSES, _LINE_SUMMARIES)
        ),
        # RELEASED_STATUS, WSH_NEW_DELIVERIES.STATUS_CODE (null: not on a delivery yet)
        "shipment_status": list(itertools.product(RELEASED_STATUSES, (*DELIVERY_STATUSES, None))),
    },
    example_config={
        "sqlalchemy_url": "postgresql+psycopg://postgres@127.0.0.1:9/none",
        "timezone": "America/Los_Angeles",
    },
)
