"""One DAG per orderhub.yml pipeline (and its backfill DAG): see docs/operations.md."""

from orderhub.airflow.factory import build_dags

globals().update(build_dags(__file__))
