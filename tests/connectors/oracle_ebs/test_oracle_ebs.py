"""tap-oracle_ebs against the connector kit: standard tests, CDC contract, coverage, faults."""

from connectors.oracle_ebs.connector import CONNECTOR
from orderhub.connector_kit.testing import connector_test_class

TestOracleEbsConnector = connector_test_class(CONNECTOR)
