"""orderhub on Apache Airflow: one DAG per orderhub.yml pipeline, built by a factory.

:mod:`orderhub.airflow.plan` reads orderhub.yml into what each DAG needs and imports no
Airflow (the CLI uses it for ``orderhub airflow pools``); :mod:`orderhub.airflow.factory`
turns plans into DAGs; :mod:`orderhub.airflow.operators` are the tasks. A DAG file is
two lines::

    from orderhub.airflow.factory import build_dags
    globals().update(build_dags(__file__))
"""
