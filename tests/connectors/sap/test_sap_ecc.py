"""tap-sap over SOAP (SAP ECC) against the connector kit: standard tests, CDC contract
with lookback, mapping coverage and faults, on the ECC simulator."""

from connectors.sap.ecc.connector import ECC_CONNECTOR
from orderhub.connector_kit.testing import connector_test_class

TestSapEccConnector = connector_test_class(ECC_CONNECTOR)
