"""orderhub's connector kit: what every connector builds on and is tested with.

- :mod:`~orderhub.connector_kit.source` declares a connector (``ConnectorSpec``) and the
  interface its simulator offers the test kit (``SimulatedSource``);
- :mod:`~orderhub.connector_kit.http` gives HTTP streams retries that honour
  ``Retry-After``, exponential backoff, clear credential errors and secret-free logs;
- :mod:`~orderhub.connector_kit.run` runs a tap in-process and collects its messages;
- :mod:`~orderhub.connector_kit.testing` turns a ``ConnectorSpec`` into the full test
  suite in one line: ``TestMySource = connector_test_class(CONNECTOR)``.

Taps import this package; it imports neither the warehouse nor Airflow.
"""

from orderhub.connector_kit.source import ConnectorSpec, Fault, SimulatedSource

__all__ = ["ConnectorSpec", "Fault", "SimulatedSource"]
