"""tap-shopify against the connector kit: standard tests, CDC contract, coverage, faults."""

from connectors.shopify.connector import CONNECTOR
from orderhub.connector_kit.testing import connector_test_class

TestShopifyConnector = connector_test_class(CONNECTOR)
