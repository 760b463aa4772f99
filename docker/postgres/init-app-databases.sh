#!/bin/bash
# Runs once, when the postgres service initialises an empty data volume (the image runs every
# /docker-entrypoint-initdb.d/*.sh then, as the superuser POSTGRES_USER, and never again).
# Creates the app databases the lakehouse reads (rainforest, finance: their own schemas inside)
# and their login role. No password is written here: APP_DB_PASSWORD comes from the environment
# (compose passes it from .env) and reaches SQL as a psql variable, quoted by psql itself.
set -euo pipefail

: "${APP_DB_USER:?APP_DB_USER is not set}"
: "${APP_DB_PASSWORD:?APP_DB_PASSWORD is not set}"
: "${APP_DATABASES:?APP_DATABASES is not set (space-separated database names)}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
SQL

for database in $APP_DATABASES; do
    # The role owns its databases: the generators and the pipelines create schemas and tables there.
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
        -v app_user="$APP_DB_USER" -v database="$database" <<'SQL'
CREATE DATABASE :"database" OWNER :"app_user";
SQL
    echo "init-app-databases: database $database owned by $APP_DB_USER"
done
