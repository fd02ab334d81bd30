#!/usr/bin/env bash
# Runs once, when the postgres service initialises its data volume (the official image
# runs /docker-entrypoint-initdb.d/*.sh as POSTGRES_USER). Besides Airflow's metadata
# database (POSTGRES_DB) the stack needs:
#   - the warehouse: its own role and database, so orderhub never shares Airflow's;
#   - a role that may create databases, for the seed step's EBS-shaped source database.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v warehouse_password="$WAREHOUSE_PASSWORD" -v ebs_password="$EBS_SOURCE_PASSWORD" <<'SQL'
CREATE ROLE orderhub LOGIN PASSWORD :'warehouse_password';
CREATE DATABASE orderhub_warehouse OWNER orderhub;
CREATE ROLE ebs LOGIN CREATEDB PASSWORD :'ebs_password';
SQL
