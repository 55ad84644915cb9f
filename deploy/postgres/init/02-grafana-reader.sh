#!/usr/bin/env bash
# Grafana reads the reporting views as `grafana_reader`: it may connect to tzsb_reporting only,
# and only read. What it may read is granted by the reporting migration that builds the
# `grafana` schema of views (services/reporting/migrations/versions/0005_grafana_views.py):
# SELECT on those views and EXECUTE on their functions, nothing in `public`.
set -euo pipefail

: "${GRAFANA_DB_PASSWORD:?GRAFANA_DB_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname tzsb_reporting \
    -v reader_password="$GRAFANA_DB_PASSWORD" <<'SQL'
CREATE ROLE grafana_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '30s';
GRANT CONNECT ON DATABASE tzsb_reporting TO grafana_reader;
SQL
