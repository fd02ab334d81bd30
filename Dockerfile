# orderhub on Airflow 3: the official image plus orderhub (taps, target, runner, CLI) and
# the ODBC drivers tap-u8 needs. docker-compose.yml builds it for every Airflow service and
# the simulators; the same image serves the Kubernetes executor (docs/operations.md).
#
#   docker build -t orderhub-airflow:dev .
FROM apache/airflow:3.3.2-python3.11

# unixODBC and the drivers scripts/ensure-system-packages.sh installs on a workstation:
# MariaDB's (the stack's emulated U8), PostgreSQL's, and FreeTDS (a real U8 on SQL Server).
USER root
RUN apt-get update \
  && apt-get install -y --no-install-recommends unixodbc odbc-mariadb odbc-postgresql tdsodbc \
  && for driver in "MariaDB Unicode" "PostgreSQL Unicode" "FreeTDS"; do \
       odbcinst -q -d -n "$driver" >/dev/null \
         || { echo "ODBC driver '$driver' is not registered" >&2; exit 1; }; \
     done \
  && apt-get autoremove -yqq --purge \
  && apt-get clean \
  && rm -rf /var/lib/apt/lists/*
# Owned by airflow: the editable install writes its metadata here.
RUN mkdir -p /opt/orderhub /opt/airflow/auth \
  && chown airflow:0 /opt/orderhub /opt/airflow/auth \
  && chmod g+w /opt/orderhub /opt/airflow/auth
USER airflow

# Constraints: the image's own (${HOME}/constraints.txt, what its Airflow and providers were
# tested with) win for every package they pin, so installing orderhub never moves a
# provider the image ships; requirements.lock pins the rest (singer-sdk, zeep, pyodbc...).
# The OpenLineage provider and client are orderhub's own requirement (the airflow extra):
# they come from the lock, which may be newer than the image's.
COPY --chown=airflow:0 pyproject.toml README.md requirements.lock /opt/orderhub/
RUN umask 0002 \
  && awk 'function norm(n) { n = tolower(n); gsub(/[-_.]+/, "-", n); return n } \
          NR == FNR { if ($0 ~ /^[A-Za-z0-9]/) { split($0, p, /[=<>!~ ;]/); image[norm(p[1])] = 1 } next } \
          /^[A-Za-z0-9]/ { split($0, p, /==/); if (!(norm(p[1]) in image)) print }' \
       "${HOME}/constraints.txt" /opt/orderhub/requirements.lock > /tmp/orderhub-lock.txt \
  && grep -Eiv '^(apache-airflow-providers-openlineage|openlineage-)' "${HOME}/constraints.txt" \
       > /tmp/orderhub-constraints.txt \
  && grep -Ei '^(apache-airflow-providers-openlineage|openlineage-)' /opt/orderhub/requirements.lock \
       >> /tmp/orderhub-constraints.txt \
  && cat /tmp/orderhub-lock.txt >> /tmp/orderhub-constraints.txt

# Editable, as `make install` does: the mapping specs are found next to the package
# (orderhub/mapping/catalog.py), so the project stays whole under /opt/orderhub.
COPY --chown=airflow:0 orderhub /opt/orderhub/orderhub
COPY --chown=airflow:0 connectors /opt/orderhub/connectors
COPY --chown=airflow:0 mappings /opt/orderhub/mappings
RUN umask 0002 \
  && pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -e "/opt/orderhub[airflow]" \
       --constraint /tmp/orderhub-constraints.txt \
  && rm /tmp/orderhub-lock.txt /tmp/orderhub-constraints.txt \
  && orderhub --help >/dev/null \
  && tap-u8 --about >/dev/null

# The DAG file and the stack's orderhub.yml. A sync's own logs go next to orderhub.yml
# (.orderhub/logs, ignored by the DAG processor through dags/.airflowignore).
COPY --chown=airflow:0 dags /opt/airflow/dags
ENV ORDERHUB_CONFIG=/opt/airflow/dags/orderhub.yml
