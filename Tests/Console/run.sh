#!/usr/bin/env bash
# The admin console's browser test (Tests/Console/console_test.py) against the services of the `test` profile.
#
# Needs the test profile's PostgreSQL and Redis already up (`deploy/local/cluster.sh infra-up test`; `make console-test`
# and `make test` do it) and the services built (.build/debug, or BILLING_BUILD_DIR). Installs what is missing: Debian's
# chromium and chromium-driver (as root), and a venv at .run-tools/console-venv with Selenium and axe-core from PyPI.
# Starts the services unless they already answer (and then stops only what it started), mints tokens of a fresh tenant
# with deploy/local/dev-token.py, and runs the test. Screenshots go to artifacts/console/ (CONSOLE_ARTIFACTS).
# Never stops PostgreSQL or Redis. Exit status: the test's.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CLUSTER=deploy/local/cluster.sh
VENV="$ROOT/.run-tools/console-venv"
PYTHON_PACKAGES=("selenium>=4.20,<5" "selenium-axe-python>=2.2,<3")

log() { echo "console-test: $*" >&2; }

install_browser() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || { log "need root to install ${missing[*]} (or install them yourself)"; exit 1; }
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

install_python_packages() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
  fi
  if ! "$VENV/bin/python" -c "import selenium, selenium_axe_python" >/dev/null 2>&1; then
    log "installing ${PYTHON_PACKAGES[*]} (PyPI)"
    "$VENV/bin/python" -m pip install -q "${PYTHON_PACKAGES[@]}"
  fi
}

install_browser
install_python_packages

set -a
# shellcheck disable=SC1090
source <("$CLUSTER" env test)
set +a
GATEWAY="http://127.0.0.1:$BILLING_GATEWAY_HTTP_PORT"

started=0
stop_services() {
  if [ "$started" = 1 ]; then
    "$CLUSTER" services-down test >/dev/null 2>&1 || true
  fi
}
trap stop_services EXIT

if curl -fsS "$GATEWAY/readyz" >/dev/null 2>&1; then
  log "reusing the services already running at $GATEWAY"
else
  started=1
  "$CLUSTER" services-up test
fi

# A tenant of its own each run: the account list, invoices and events hold only this run's data.
TENANT="console-e2e-$(date +%s)-$$"
mint() { TENANT="$TENANT" python3 deploy/local/dev-token.py; }
OWNER_TOKEN="$(ROLES=owner mint)"
RESTRICTED_TOKEN="$(ROLES=member PERMISSIONS= mint)"
LIMITED_TOKEN="$(ROLES=member PERMISSIONS=SUBSCRIPTIONS_READ mint)"

"$VENV/bin/python" Tests/Console/console_test.py \
  --gateway "$GATEWAY" \
  --token "$OWNER_TOKEN" \
  --restricted-token "$RESTRICTED_TOKEN" \
  --limited-token "$LIMITED_TOKEN" \
  --webhook-secret "${CONSOLE_WEBHOOK_SECRET:-whsec_sandbox_development_only_0123456789}" \
  --provider "${CONSOLE_WEBHOOK_PROVIDER:-sandbox}" \
  --artifacts "${CONSOLE_ARTIFACTS:-$ROOT/artifacts/console}"
