#!/usr/bin/env bash
# The baseline of `make bench-credits`: one debit straight in PostgreSQL (conditional UPDATE + journal INSERT in one
# transaction) with pgbench at 64 clients, spread over BENCH_CREDITS_WALLETS rows and on one row. Prints
# "<spread tps> <one-row tps>". Runs from the shell: pgbench started from the Swift benchmark stalled past its -T.
set -euo pipefail
seconds=${BENCH_CREDITS_SECONDS:-10}
wallets=${BENCH_CREDITS_WALLETS:-1000}
export PGHOST=127.0.0.1 PGPORT=${BILLING_TEST_PG_PORT:-55442} PGUSER=billing_testing PGPASSWORD=billing_testing PGDATABASE=billing
schema="bench_credits_$$"
work=$(mktemp -d)
trap 'psql -qX -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
psql -qX -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE SCHEMA $schema;
SET search_path = $schema;
CREATE TABLE bench_wallets (id int PRIMARY KEY, balance numeric(20, 8) NOT NULL CHECK (balance >= 0));
CREATE TABLE bench_journal (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, wallet_id int NOT NULL, amount numeric(20, 8) NOT NULL,
                            balance_after numeric(20, 8) NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO bench_wallets SELECT g, 1000000000 FROM generate_series(1, $wallets) g;
SQL
debit='BEGIN;
WITH w AS (UPDATE bench_wallets SET balance = balance - 0.003 WHERE id = :aid AND balance >= 0.003 RETURNING balance)
INSERT INTO bench_journal (wallet_id, amount, balance_after, created_at) SELECT :aid, -0.003, balance, now() FROM w;
COMMIT;'
printf '\\set aid random(1, %s)\n%s\n' "$wallets" "$debit" > "$work/spread.sql"
printf '\\set aid 1\n%s\n' "$debit" > "$work/hot.sql"
run() {
  PGOPTIONS="-c search_path=$schema" pgbench -n -M prepared -c 64 -j 2 -T "$seconds" -f "$1" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
echo "$(run "$work/spread.sql") $(run "$work/hot.sql")"
