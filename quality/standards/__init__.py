"""Field standards of the unified warehouse, checked with Great Expectations 1.x.

``catalog.STANDARDS`` lists them (name, table, severity, meaning); ``run.run_standards``
runs them on a warehouse and writes the steward's reports.

GX sends usage analytics over the network unless told not to; orderhub runs where
there is no network and sends nothing anywhere, so it is turned off here, before any
module of this package imports GX.
"""

import os

os.environ["GX_ANALYTICS_ENABLED"] = "False"
