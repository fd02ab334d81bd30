"""tap-u8 against the connector kit: standard tests, CDC contract, coverage, faults."""

from connectors.u8.connector import CONNECTOR
from orderhub.connector_kit.testing import connector_test_class

TestU8Connector = connector_test_class(CONNECTOR)
