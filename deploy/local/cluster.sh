#!/usr/bin/env bash
# Local cluster for `make run` and `make test`: PostgreSQL, Redis and the billing services on loopback.
#
#   cluster.sh packages                 install missing Debian packages
#   cluster.sh infra-up   <profile>     start PostgreSQL + Redis (creating them on first use)
#   cluster.sh infra-down <profile>     stop them
#   cluster.sh pg-restart <profile>     stop PostgreSQL (fast: connections cut) and start it again (the drills' fault)
#   cluster.sh services-up <profile>    start every service (built binaries) and wait until ready
#   cluster.sh services-down <profile>  stop the services
#   cluster.sh env <profile>            print the environment the services and tests use
#
# profile is `run` (state under .run/) or `test` (state under .run-test/, other ports).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONTEXTS=(gateway accounts catalog subscriptions ledger invoicing notifications)
SCHEMATHESIS_VERSION=4.32.5   # the contract test's fuzzer, pinned (its checks change between releases)
BOLETO_CHECKER_VERSION=0.1.0  # shade-plugins-documentos-fiscais: the boleto tests' independent linha digitável/bar code reader
PG_OS_USER=billingpg

die() { echo "cluster: $*" >&2; exit 1; }
log() { echo "cluster: $*" >&2; }

profile_settings() {
  case "${1:-run}" in
    run)
      RUN_DIR="$ROOT/.run"; PG_PORT=55432; REDIS_PORT=56379; HTTP_PORT=8080; RPC_BASE=9100; ADMIN_BASE=9200; SMTP_PORT=2525 ;;
    test)
      RUN_DIR="$ROOT/.run-test"; PG_PORT=55442; REDIS_PORT=56389; HTTP_PORT=18080; RPC_BASE=19100; ADMIN_BASE=19200; SMTP_PORT= ;;
    *) die "unknown profile '$1' (run or test)" ;;
  esac
  PG_DATA="$RUN_DIR/postgres"; PG_SOCKET="$RUN_DIR/pgsocket"; LOG_DIR="$RUN_DIR/logs"; PID_DIR="$RUN_DIR/pids"; TLS_DIR="$RUN_DIR/tls"
  BUILD_DIR="${BILLING_BUILD_DIR:-$ROOT/.build/debug}"
}

pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [ -n "$dir" ] || die "PostgreSQL binaries not found (run: $0 packages)"
  echo "$dir"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- packages -----------------------------------------------------------------------------------

cmd_packages() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-contrib)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -f /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)   # the local CA and the services' certificates (mutual TLS)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
  command -v qrencode >/dev/null 2>&1 || missing+=(qrencode)
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)   # tests read invoice PDFs back with it
  # NFS-e Nacional: the DPS is signed with libxml2 + xmlsec1 (CXMLSec); tests verify with xmlsec1 and validate with xmllint.
  [ -f /usr/include/libxml2/libxml/parser.h ] || missing+=(libxml2-dev)
  [ -f /usr/include/xmlsec1/xmlsec/xmldsig.h ] || missing+=(libxmlsec1-dev)
  [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)   # GZip of the SEFIN Nacional messages (CXMLSec links zlib)
  command -v xmlsec1 >/dev/null 2>&1 || missing+=(xmlsec1)
  command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "need root to install ${missing[*]} (or install them yourself)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Test helpers from PyPI.
  if ! python3 -c "import openapi_spec_validator" >/dev/null 2>&1; then
    log "installing openapi-spec-validator (PyPI)"
    python3 -m pip install -q openapi-spec-validator >/dev/null
  fi
  # The Standard Webhooks reference library: the tests check the webhook signatures with it.
  if ! python3 -c "import standardwebhooks" >/dev/null 2>&1; then
    log "installing standardwebhooks (PyPI)"
    python3 -m pip install -q standardwebhooks >/dev/null
  fi
  # aiosmtpd: the local SMTP sink (deploy/local/smtp-sink.py) that development and the BillingMail tests send mail to.
  if ! python3 -c "import aiosmtpd" >/dev/null 2>&1; then
    log "installing aiosmtpd (PyPI)"
    python3 -m pip install -q aiosmtpd >/dev/null
  fi
  # schemathesis, pinned: the contract test (Tests/EndToEndTests/OpenAPIContractEndToEndTests.swift) fuzzes /openapi.json with it.
  if [ "$(python3 -c 'import schemathesis; print(schemathesis.__version__)' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
    log "installing schemathesis $SCHEMATHESIS_VERSION (PyPI)"
    python3 -m pip install -q "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null
  fi
  # An independent FEBRABAN boleto reader, pinned: the boleto tests check our linha digitável and bar code with it.
  if [ "$(python3 -c 'import importlib.metadata as m; print(m.version("shade-plugins-documentos-fiscais"))' 2>/dev/null)" != "$BOLETO_CHECKER_VERSION" ]; then
    log "installing shade-plugins-documentos-fiscais $BOLETO_CHECKER_VERSION (PyPI)"
    python3 -m pip install -q "shade-plugins-documentos-fiscais==$BOLETO_CHECKER_VERSION" >/dev/null
  fi
  # Debian's package may start a system redis/postgres; ours run on their own ports, so that is harmless.
}

# --- the development SMTP sink (`make run`: every e-mail lands in $RUN_DIR/mail) ------------------------

mail_sink_running() { [ -f "$RUN_DIR/pids/smtp-sink.pid" ] && alive "$(cat "$RUN_DIR/pids/smtp-sink.pid")"; }

start_mail_sink() {
  [ -n "$SMTP_PORT" ] || return 0
  mkdir -p "$RUN_DIR/pids" "$RUN_DIR/mail" "$LOG_DIR"
  if mail_sink_running; then log "SMTP sink already running on 127.0.0.1:$SMTP_PORT"; return 0; fi
  port_in_use "$SMTP_PORT" && die "port $SMTP_PORT (SMTP sink) is already in use by another process"
  rm -f "$RUN_DIR/mail/.ready"
  setsid python3 "$ROOT/deploy/local/smtp-sink.py" --host 127.0.0.1 --port "$SMTP_PORT" --dir "$RUN_DIR/mail" \
    --ready-file "$RUN_DIR/mail/.ready" >>"$LOG_DIR/smtp-sink.log" 2>&1 &
  echo $! >"$RUN_DIR/pids/smtp-sink.pid"
  for _ in $(seq 1 100); do [ -f "$RUN_DIR/mail/.ready" ] && break; sleep 0.1; done
  [ -f "$RUN_DIR/mail/.ready" ] || die "the SMTP sink did not start (log: $LOG_DIR/smtp-sink.log)"
  log "SMTP sink on 127.0.0.1:$SMTP_PORT, mail in $RUN_DIR/mail"
}

stop_mail_sink() {
  if mail_sink_running; then
    local pid; pid="$(cat "$RUN_DIR/pids/smtp-sink.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/pids/smtp-sink.pid"
}

# --- PostgreSQL ---------------------------------------------------------------------------------

ensure_pg_user() {
  if [ "$(id -u)" = 0 ]; then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
    PG_RUN=(runuser -u "$PG_OS_USER" --)
  else
    PG_RUN=()   # an ordinary user owns the cluster directly
  fi
}

pg_running() { [ -f "$PG_DATA/postmaster.pid" ] && "${PG_RUN[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

psql_admin() { PGOPTIONS="-c client_min_messages=warning" "${PG_RUN[@]}" psql -v ON_ERROR_STOP=1 -q -h "$PG_SOCKET" -p "$PG_PORT" -U postgres "$@"; }

start_postgres() {
  ensure_pg_user
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$PG_SOCKET"
  if [ "$(id -u)" = 0 ]; then chown "$PG_OS_USER" "$PG_SOCKET" "$LOG_DIR"; chmod 755 "$RUN_DIR"; fi
  if pg_running; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    port_in_use "$PG_PORT" && die "port $PG_PORT (PostgreSQL) is already in use by another process"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
      log "creating PostgreSQL cluster in $PG_DATA"
      mkdir -p "$PG_DATA"
      [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DATA"
      chmod 700 "$PG_DATA"
      "${PG_RUN[@]}" "$(pg_bin)/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --no-locale >"$LOG_DIR/initdb.log" 2>&1 || { cat "$LOG_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    rm -f "$PG_SOCKET/.s.PGSQL.$PG_PORT.lock"
    "${PG_RUN[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -k $PG_SOCKET -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB -c log_lock_waits=on -c log_min_error_statement=log" >/dev/null \
      || { tail -20 "$LOG_DIR/postgres.log" >&2; die "PostgreSQL did not start"; }
    log "PostgreSQL started on 127.0.0.1:$PG_PORT"
  fi
  setup_databases
}

# Idempotent: one database, one role and one schema per context (the role owns only its schema).
# The test profile also gets billing_isolated, for end-to-end tests that need a cluster of their own, and
# billing_providers, for the cluster that talks to payment providers' stand-ins.
setup_databases() {
  local databases=(billing)
  [ "$RUN_DIR" = "$ROOT/.run-test" ] && databases+=(billing_isolated billing_providers)
  local database
  for database in "${databases[@]}"; do setup_database "$database"; done
}

setup_database() {
  local db="$1"
  psql_admin -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
    || psql_admin -d postgres -c "CREATE DATABASE $db"
  local sql="REVOKE ALL ON DATABASE $db FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM PUBLIC;"
  for ctx in "${CONTEXTS[@]}" testing; do
    sql+="
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'billing_$ctx') THEN
    CREATE ROLE billing_$ctx LOGIN PASSWORD 'billing_$ctx' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END \$\$;
GRANT CONNECT ON DATABASE $db TO billing_$ctx;
CREATE SCHEMA IF NOT EXISTS $ctx AUTHORIZATION billing_$ctx;
REVOKE ALL ON SCHEMA $ctx FROM PUBLIC;"
  done
  # Only the test role may create schemas: event-bus tests give each test its own outbox.
  sql+="
GRANT CREATE ON DATABASE $db TO billing_testing;"
  psql_admin -d "$db" -c "$sql" >/dev/null
}

stop_postgres() {
  ensure_pg_user
  if [ -f "$PG_DATA/postmaster.pid" ]; then
    "${PG_RUN[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || true
    log "PostgreSQL stopped"
  fi
}

# --- Redis --------------------------------------------------------------------------------------

# Redis runs with ACL users (deploy/redis/billing-acl.sh): each service its own, the default user off. The passwords are
# made once per run folder; the operator's (billing-admin) is for this script and the tests' own streams.
REDIS_USERS=(ADMIN GATEWAY ACCOUNTS CATALOG SUBSCRIPTIONS LEDGER INVOICING NOTIFICATIONS)

ensure_redis_passwords() {
  local file="$RUN_DIR/redis-passwords.env" name
  mkdir -p "$RUN_DIR"
  # A user added since the folder was made (a new service) gets its password appended.
  (umask 077; touch "$file"; for name in "${REDIS_USERS[@]}"; do
    grep -q "^BILLING_REDIS_PASSWORD_$name=" "$file" || echo "BILLING_REDIS_PASSWORD_$name=$(openssl rand -hex 24)" >>"$file"
  done)
  set -a
  # shellcheck disable=SC1090
  source "$file"
  set +a
}

redis_admin() { REDISCLI_AUTH="$BILLING_REDIS_PASSWORD_ADMIN" redis-cli --no-auth-warning --user billing-admin -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
redis_running() { ensure_redis_passwords; [ "$(redis_admin ping 2>/dev/null)" = PONG ]; }

start_redis() {
  mkdir -p "$RUN_DIR/redis" "$LOG_DIR"
  ensure_redis_passwords
  if redis_running; then
    # The services' ACL users as this checkout defines them (a service may read or publish a new stream since it started).
    "$ROOT/deploy/redis/billing-acl.sh" >"$RUN_DIR/redis/users.acl" || die "could not write the Redis ACL file"
    chmod 600 "$RUN_DIR/redis/users.acl"
    [ "$(redis_admin ACL LOAD 2>&1)" = OK ] || die "Redis did not reload its ACL file $RUN_DIR/redis/users.acl"
    log "Redis already running on 127.0.0.1:$REDIS_PORT (ACL reloaded)"
    return
  fi
  port_in_use "$REDIS_PORT" && die "port $REDIS_PORT (Redis) is already in use by another process"
  rm -f "$RUN_DIR/redis.pid"
  "$ROOT/deploy/redis/billing-acl.sh" >"$RUN_DIR/redis/users.acl" || die "could not write the Redis ACL file"
  chmod 600 "$RUN_DIR/redis/users.acl"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --protected-mode yes --dir "$RUN_DIR/redis" --aclfile "$RUN_DIR/redis/users.acl" \
    --appendonly yes --appendfsync everysec --pidfile "$RUN_DIR/redis.pid" --logfile "$LOG_DIR/redis.log" \
    --daemonize yes >/dev/null
  for _ in $(seq 1 50); do redis_running && break; sleep 0.1; done
  redis_running || die "Redis did not start (see $LOG_DIR/redis.log)"
  log "Redis started on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  if redis_running; then
    redis_admin shutdown >/dev/null 2>&1 || true
    log "Redis stopped"
  fi
  if [ -f "$RUN_DIR/redis.pid" ]; then
    kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null || true
    rm -f "$RUN_DIR/redis.pid"
  fi
}

# --- certificates -------------------------------------------------------------------------------

# The local internal CA and one certificate per service (URI SAN spiffe://billing/<service>) for mutual TLS between the
# services, made once per run folder by the same script compose uses.
ensure_certificates() {
  if [ ! -f "$TLS_DIR/ca-bundle.crt" ] || [ ! -f "$TLS_DIR/notifications.key" ]; then
    "$ROOT/deploy/docker/make-dev-certs.sh" "$TLS_DIR" 2>"$LOG_DIR/certificates.log" \
      || { cat "$LOG_DIR/certificates.log" >&2; die "could not create the services' certificates in $TLS_DIR"; }
    log "created the local CA and the services' certificates in $TLS_DIR"
  fi
}

# --- services -----------------------------------------------------------------------------------

rpc_port() { local i; for i in "${!CONTEXTS[@]}"; do [ "${CONTEXTS[$i]}" = "$1" ] && echo $((RPC_BASE + i)); done; }
admin_port() { local i; for i in "${!CONTEXTS[@]}"; do [ "${CONTEXTS[$i]}" = "$1" ] && echo $((ADMIN_BASE + i)); done; }

dev_jwt_secret() { echo "${BILLING_GATEWAY_JWT_HS256_SECRET:-local-development-secret-change-me-0123456789}"; }

cmd_env() {
  # Sandbox payment providers, their webhook secret and plain h2c exist only in development.
  echo "BILLING_ENVIRONMENT=development"
  echo "BILLING_LOG_FORMAT=${BILLING_LOG_FORMAT:-json}"
  # Each service adds its own BILLING_RPC_TLS_CERT_FILE and _KEY_FILE ($TLS_DIR/<service>.crt, .key) when it starts.
  echo "BILLING_RPC_TLS_CA_FILE=$TLS_DIR/ca-bundle.crt"
  # Every Redis ACL user's password; each service takes its own as BILLING_REDIS_PASSWORD when it starts.
  ensure_redis_passwords
  local name
  for name in "${REDIS_USERS[@]}"; do echo "BILLING_REDIS_PASSWORD_$name=$(eval echo "\$BILLING_REDIS_PASSWORD_$name")"; done
  echo "BILLING_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "BILLING_GATEWAY_HTTP_PORT=$HTTP_PORT"
  echo "BILLING_GATEWAY_JWT_HS256_SECRET=$(dev_jwt_secret)"
  echo "BILLING_GATEWAY_JWT_ISSUER=billing-local"
  echo "BILLING_GATEWAY_JWT_AUDIENCE=billing-api"
  echo "BILLING_TEST_PG_PORT=$PG_PORT"
  echo "BILLING_TEST_REDIS_PORT=$REDIS_PORT"
  if [ -n "$SMTP_PORT" ]; then
    # E-mails go to the local SMTP sink (plaintext: development only); read them in $RUN_DIR/mail.
    echo "BILLING_NOTIFICATIONS_SMTP_HOST=127.0.0.1"
    echo "BILLING_NOTIFICATIONS_SMTP_PORT=$SMTP_PORT"
    echo "BILLING_NOTIFICATIONS_SMTP_SECURITY=none"
    echo "BILLING_NOTIFICATIONS_EMAIL_FROM='Billing (development) <billing@localhost.test>'"
  fi
  for ctx in "${CONTEXTS[@]}"; do
    local upper; upper="$(echo "$ctx" | tr a-z A-Z)"
    echo "BILLING_${upper}_RPC_PORT=$(rpc_port "$ctx")"
    echo "BILLING_${upper}_ADMIN_PORT=$(admin_port "$ctx")"
    echo "BILLING_${upper}_ENDPOINTS=127.0.0.1:$(rpc_port "$ctx")"
    echo "BILLING_${upper}_DATABASE_URL=postgres://billing_$ctx:billing_$ctx@127.0.0.1:$PG_PORT/billing"
  done
}

# A process that exited but was never reaped (a zombie: some container inits do not reap) counts as gone.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
service_running() { [ -f "$PID_DIR/$1.pid" ] && alive "$(cat "$PID_DIR/$1.pid")"; }

cmd_services_up() {
  mkdir -p "$PID_DIR" "$LOG_DIR"
  local ctx
  for ctx in "${CONTEXTS[@]}"; do
    [ -x "$BUILD_DIR/billing-$ctx" ] || die "$BUILD_DIR/billing-$ctx is not built (run: swift build)"
    if service_running "$ctx"; then
      log "billing-$ctx already running (pid $(cat "$PID_DIR/$ctx.pid"))"
      continue
    fi
    rm -f "$PID_DIR/$ctx.pid"
    local port
    for port in "$(rpc_port "$ctx")" "$(admin_port "$ctx")"; do
      port_in_use "$port" && die "port $port (billing-$ctx) is already in use by another process"
    done
    [ "$ctx" = gateway ] && port_in_use "$HTTP_PORT" && die "port $HTTP_PORT (gateway HTTP) is already in use by another process"
    (
      set -a
      # shellcheck disable=SC1090
      source <(cmd_env)
      set +a
      export BILLING_RPC_TLS_CERT_FILE="$TLS_DIR/$ctx.crt" BILLING_RPC_TLS_KEY_FILE="$TLS_DIR/$ctx.key"
      password_variable="BILLING_REDIS_PASSWORD_$(echo "$ctx" | tr a-z A-Z)"
      export BILLING_REDIS_PASSWORD="${!password_variable}"
      exec "$BUILD_DIR/billing-$ctx" >>"$LOG_DIR/$ctx.log" 2>&1
    ) &
    echo $! >"$PID_DIR/$ctx.pid"
  done
  for ctx in "${CONTEXTS[@]}"; do
    local url="http://127.0.0.1:$(admin_port "$ctx")/readyz" ok=0
    for _ in $(seq 1 300); do
      if curl -fsS "$url" >/dev/null 2>&1; then ok=1; break; fi
      service_running "$ctx" || { tail -20 "$LOG_DIR/$ctx.log" >&2; die "billing-$ctx exited during start-up (log: $LOG_DIR/$ctx.log)"; }
      sleep 0.2
    done
    [ "$ok" = 1 ] || die "billing-$ctx not ready after 60 s (log: $LOG_DIR/$ctx.log)"
  done
  log "all services ready"
}

cmd_services_down() {
  local ctx
  for ctx in "${CONTEXTS[@]}"; do
    if service_running "$ctx"; then kill -TERM "$(cat "$PID_DIR/$ctx.pid")" 2>/dev/null || true; fi
  done
  for ctx in "${CONTEXTS[@]}"; do
    if [ -f "$PID_DIR/$ctx.pid" ]; then
      local pid; pid="$(cat "$PID_DIR/$ctx.pid")"
      for _ in $(seq 1 150); do alive "$pid" || break; sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
      rm -f "$PID_DIR/$ctx.pid"
    fi
  done
  log "services stopped"
}

# Redis servers tests started themselves (TestRedis, in directories under the profile's run directory) and left behind when
# a test process was killed: redis-server renames its process, so they are found by their working directory (its --dir).
cmd_stray_redis_down() {
  local pid dir
  for pid in $(pgrep -x redis-server 2>/dev/null); do
    dir="$(readlink "/proc/$pid/cwd" 2>/dev/null || true)"
    case "$dir" in "$RUN_DIR"/redis-*) kill -9 "$pid" 2>/dev/null && log "stopped a stray test Redis (pid $pid)" ;; esac
  done
}

cmd="${1:-}"; shift || true
case "$cmd" in
  packages) cmd_packages ;;
  infra-up) profile_settings "${1:-run}"; start_postgres; start_redis; ensure_certificates; start_mail_sink ;;
  infra-down) profile_settings "${1:-run}"; stop_mail_sink; stop_redis; stop_postgres ;;
  pg-restart) profile_settings "${1:-run}"; stop_postgres; start_postgres ;;
  services-up) profile_settings "${1:-run}"; cmd_services_up ;;
  services-down) profile_settings "${1:-run}"; cmd_services_down ;;
  env) profile_settings "${1:-run}"; cmd_env ;;
  stray-redis-down) profile_settings "${1:-run}"; cmd_stray_redis_down ;;
  *) die "usage: $0 {packages|infra-up|infra-down|pg-restart|services-up|services-down|env|stray-redis-down} [run|test]" ;;
esac
