"""tap-u8 against the connector kit: standard tests, CDC contract, mapping coverage."""

from connectors.u8.connector import CONNECTOR
from orderhub.connector_kit.testing import connector_test_class

TestU8Connector = connector_test_class(CONNECTOR)
