"""orderhub quality: field standards on the unified tables and customer dedupe.

Reads the warehouse through orderhub's warehouse layer; imported by the CLI and the
Airflow stages, never by taps or target-orderhub.
"""
