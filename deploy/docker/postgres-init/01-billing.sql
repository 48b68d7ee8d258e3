-- Database, roles and schemas of the billing platform: the database `billing`, and per service a login role
-- `billing_<service>` that owns one schema `<service>` and nothing else (the layout deploy/local/cluster.sh
-- creates for `make run`). Idempotent: running it again changes nothing but the passwords.
--
-- The passwords come from the environment, one per service: BILLING_GATEWAY_DB_PASSWORD,
-- BILLING_ACCOUNTS_DB_PASSWORD, BILLING_CATALOG_DB_PASSWORD, BILLING_SUBSCRIPTIONS_DB_PASSWORD,
-- BILLING_LEDGER_DB_PASSWORD, BILLING_INVOICING_DB_PASSWORD (psql 15 or later reads them with \getenv).
--
-- Compose: the postgres image runs this file once, when its data volume is empty.
-- Managed PostgreSQL (Kubernetes): run it as the administrator, from this folder, e.g.
--   export BILLING_GATEWAY_DB_PASSWORD=... (all six)
--   psql "host=<host> user=<admin> dbname=postgres sslmode=require" -f 01-billing.sql
\set ON_ERROR_STOP on
\set database billing

SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') AS create_database \gset
\if :create_database
CREATE DATABASE :"database";
\endif
\connect :database

-- Only the service roles get in, and nobody creates objects in `public`.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

\set service gateway
\ir billing-role.psql
\set service accounts
\ir billing-role.psql
\set service catalog
\ir billing-role.psql
\set service subscriptions
\ir billing-role.psql
\set service ledger
\ir billing-role.psql
\set service invoicing
\ir billing-role.psql
\set service notifications
\ir billing-role.psql
