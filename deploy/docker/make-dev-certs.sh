#!/usr/bin/env bash
# make-dev-certs.sh [--new-ca] [DIR]: the internal CA and one certificate per service for mutual TLS between
# the billing services (deploy/SECURITY.md). DIR defaults to deploy/docker/tls, which compose.yaml mounts
# as secrets and git ignores.
#
#   ca.key, ca.crt          the CA (created on the first run, reused after: ca.key never leaves DIR)
#   ca-bundle.crt           what the services trust (BILLING_RPC_TLS_CA_FILE): ca.crt, plus ca-previous.crt
#                           while a CA rotation is under way
#   <service>.crt, .key     each service's certificate (BILLING_RPC_TLS_CERT_FILE) and key (_KEY_FILE), for
#                           gateway accounts catalog subscriptions ledger invoicing notifications; URI SAN
#                           spiffe://billing/<service>, DNS SANs billing-<service> and billing-<service>-vip
#                           (and <name>.<namespace>.svc[.cluster.local] with BILLING_TLS_NAMESPACE set)
#
# Every run issues new service certificates from the CA (that is the certificate rotation). --new-ca first
# moves ca.crt to ca-previous.crt and creates a new CA (CA rotation); delete ca-previous.crt and run again
# once every service runs with a certificate of the new CA.
# Settings: BILLING_TLS_DAYS (service certificates, default 365), BILLING_TLS_CA_DAYS (CA, default 3650),
# BILLING_TLS_NAMESPACE (Kubernetes namespace for the DNS SANs, none by default).
set -euo pipefail

SERVICES=(gateway accounts catalog subscriptions ledger invoicing notifications)
DAYS="${BILLING_TLS_DAYS:-365}"
CA_DAYS="${BILLING_TLS_CA_DAYS:-3650}"
NAMESPACE="${BILLING_TLS_NAMESPACE:-}"

new_ca=false
if [ "${1:-}" = "--new-ca" ]; then new_ca=true; shift; fi
case "${1:-}" in -*) echo "usage: $0 [--new-ca] [DIR]" >&2; exit 2 ;; esac
DIR="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tls}"

command -v openssl >/dev/null 2>&1 || { echo "make-dev-certs.sh: openssl is missing" >&2; exit 1; }
umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"
cd "$DIR"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if $new_ca && [ -f ca.crt ]; then
  mv ca.crt ca-previous.crt
  rm -f ca.key
  echo "make-dev-certs.sh: the old CA is now ca-previous.crt (still trusted through ca-bundle.crt)" >&2
fi

if [ ! -f ca.key ] || [ ! -f ca.crt ]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out ca.key 2>/dev/null
  openssl req -x509 -new -key ca.key -sha256 -days "$CA_DAYS" -subj "/O=billing/CN=billing internal CA $(date -u +%Y-%m-%d)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out ca.crt
  echo "make-dev-certs.sh: created the CA $DIR/ca.crt" >&2
fi

cat ca.crt >ca-bundle.crt
if [ -f ca-previous.crt ]; then cat ca-previous.crt >>ca-bundle.crt; fi

for service in "${SERVICES[@]}"; do
  name="billing-$service"
  sans="URI:spiffe://billing/$service,DNS:$name,DNS:$name-vip"
  if [ -n "$NAMESPACE" ]; then
    for host in "$name" "$name-vip"; do
      sans="$sans,DNS:$host.$NAMESPACE.svc,DNS:$host.$NAMESPACE.svc.cluster.local"
    done
  fi
  cat >"$work/$service.ext" <<EXTENSIONS
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = $sans
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EXTENSIONS
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$service.key" 2>/dev/null
  openssl req -new -key "$work/$service.key" -subj "/O=billing/CN=$name" -out "$work/$service.csr"
  openssl x509 -req -in "$work/$service.csr" -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" \
    -days "$DAYS" -sha256 -extfile "$work/$service.ext" -out "$work/$service.crt" 2>/dev/null
  openssl verify -CAfile ca.crt -purpose sslclient "$work/$service.crt" >/dev/null
  openssl verify -CAfile ca.crt -purpose sslserver "$work/$service.crt" >/dev/null
  # Readable by the containers' user (uid 10001) through the file secret's bind mount; DIR itself is 0700.
  chmod 644 "$work/$service.key" "$work/$service.crt"
  mv "$work/$service.key" "$service.key"
  mv "$work/$service.crt" "$service.crt"
done
chmod 644 ca.crt ca-bundle.crt
chmod 600 ca.key
echo "make-dev-certs.sh: issued ${SERVICES[*]} (valid $DAYS days) in $DIR" >&2
