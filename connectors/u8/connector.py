"""tap-u8 as the connector kit sees it: its emulated database and every status input."""

from __future__ import annotations

import itertools

from connectors.u8.simulator import simulate
from connectors.u8.tap import TapU8
from orderhub.connector_kit import ConnectorSpec

STREAMS = ("orders", "customers", "shipments")
#: What a person-name column can hold, for the set/null cells of the status tables.
_PERSON = (None, "张三")

CONNECTOR = ConnectorSpec(
    source="u8",
    tap_class=TapU8,
    simulator=simulate,
    streams=STREAMS,
    credential_setting="sqlalchemy_url",
    # No deletes log in U8 and no key reconciliation (yet): see docs/sources/u8.md.
    detects_deletes=False,
    # Rowversions are exact: no lookback.
    lookback=None,
    status_inputs={
        # cCloser, lines_closed, cVerifier, dispatch_state, bReturnFlag (a bit: 0/1/NULL).
        "order_status": list(
            itertools.product(
                _PERSON,
                ("none", "some", "all"),
                _PERSON,
                ("none", "partial", "full", "over"),
                (0, 1, None),
            )
        ),
        "shipment_status": list(itertools.product(_PERSON, (0, 1, None))),
        # Currency names as accounts enter them in U8's currency archive (外币设置).
        "currency": (
            *("人民币", "本币", "美元", "港币", "港元", "欧元", "日元", "英镑", "澳元"),
            *("澳大利亚元", "加元", "加拿大元", "新加坡元", "新台币", "澳门元", "韩元"),
            *("瑞士法郎", "泰铢", "卢布", "新西兰元"),
        ),
    },
    example_config={
        "sqlalchemy_url": "mssql+pyodbc://reader:secret@127.0.0.1:9/UFDATA_999_2024?driver=FreeTDS"
    },
)
