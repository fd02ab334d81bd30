"""`python -m connectors.sap` runs tap-sap.

It works before the console script exists.
"""

from connectors.sap.tap import TapSap

TapSap.cli()
