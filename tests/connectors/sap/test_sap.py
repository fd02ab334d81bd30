"""tap-sap against the connector kit: standard tests, CDC contract, coverage, faults."""

from connectors.sap.connector import CONNECTOR
from orderhub.connector_kit.testing import connector_test_class

TestSapConnector = connector_test_class(CONNECTOR)
