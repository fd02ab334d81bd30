#!/usr/bin/env bash
# Install the Debian packages orderhub's ERP connectors need, if any is missing:
# unixODBC (pyodbc links against it) and real ODBC drivers: MariaDB's and PostgreSQL's
# (the U8 tap's tests run through them) and FreeTDS (a SQL Server driver for real U8);
# and Chromium, the headless browser the Data Docs tests open the steward's report in
# (playwright drives Debian's build: playwright's own browser download needs a network).
set -euo pipefail
packages=(unixodbc odbc-mariadb odbc-postgresql tdsodbc)
# Only the tests need a browser: the Airflow image (Dockerfile) installs `packages` alone.
test_packages=(chromium)
drivers=("MariaDB Unicode" "PostgreSQL Unicode" "FreeTDS")

missing=()
for package in "${packages[@]}" "${test_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "missing system packages: ${missing[*]} (install unixODBC, the ODBC drivers and Chromium)" >&2
    exit 1
  fi
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing ${missing[*]} (ODBC for the U8 connector, Chromium for the report tests)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "/usr/bin/chromium is missing although the chromium package is installed: reinstall it" >&2
  exit 1
fi
for driver in "${drivers[@]}"; do
  odbcinst -q -d -n "$driver" >/dev/null 2>&1 || {
    echo "the ODBC driver '$driver' is not registered in /etc/odbcinst.ini" >&2
    exit 1
  }
done
