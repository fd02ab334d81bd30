"""Field standards of the unified warehouse, checked with Great Expectations 1.x.

``catalog.STANDARDS`` lists them (name, table, severity, meaning); ``run.run_standards``
runs them on a warehouse and writes the steward's reports.
"""
