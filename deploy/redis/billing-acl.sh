#!/bin/sh
# Prints the Redis 7 ACL file of the billing platform (one user per service) to stdout:
#
#   BILLING_REDIS_PASSWORD_ADMIN=... BILLING_REDIS_PASSWORD_GATEWAY=... (one per service) \
#     deploy/redis/billing-acl.sh > users.acl && redis-server --aclfile users.acl
#
# Passwords come from BILLING_REDIS_PASSWORD_{ADMIN,GATEWAY,ACCOUNTS,CATALOG,SUBSCRIPTIONS,LEDGER,INVOICING,NOTIFICATIONS}
# (at least 16 characters each, e.g. `openssl rand -hex 24`); the file holds only their SHA-256 (#<hash>).
# deploy/SECURITY.md explains the rules and how to rotate a password. POSIX sh + sha256sum, so it runs in
# the redis image as well.
#
# Each service user (billing-<service>) may run, besides PING, HELLO, AUTH and CLIENT SETNAME:
#   root permissions  the consumer commands on the streams its consumer group reads (no XADD there);
#   two selectors     the publisher commands on its own stream billing.events.<service>, and
#                     INCRBY and GET on billing.events.<service>.published-count;
#   a selector        XADD to its dead-letter streams billing.events.<read>.dead-letter.<group>, and XTRIM (their retention).
# XREADGROUP and XACK are writes for Redis, so a consumer has write access to the streams it reads; only
# the selectors grant XADD, on its own keys. The `default` user is off; billing-admin (+@all) is for operators.
set -eu

SERVICES="GATEWAY ACCOUNTS CATALOG SUBSCRIPTIONS LEDGER INVOICING NOTIFICATIONS"

# Every password is checked here, in the main shell, before anything is printed.
value=""
for name in ADMIN $SERVICES; do
  eval "value=\${BILLING_REDIS_PASSWORD_$name:-}"
  if [ "${#value}" -lt 16 ]; then
    echo "billing-acl.sh: set BILLING_REDIS_PASSWORD_$name to a password of at least 16 characters (e.g. openssl rand -hex 24)" >&2
    exit 1
  fi
done
command -v sha256sum >/dev/null 2>&1 || { echo "billing-acl.sh: sha256sum is missing" >&2; exit 1; }

# hashed NAME: #<SHA-256 of $BILLING_REDIS_PASSWORD_NAME>, as ACL files take a password.
hashed() {
  eval "value=\${BILLING_REDIS_PASSWORD_$1}"
  digest="$(printf '%s' "$value" | sha256sum)"
  printf '#%s' "${digest%% *}"
}

BASE="+ping +hello +auth +client|setname"
CONSUMER="+xgroup|create +xreadgroup +xinfo|groups +xautoclaim +xack +xpending"
PUBLISHER="+xadd +xlen +xinfo|groups +xpending +xtrim"
COUNTER="+incrby +get"

# service_user SERVICE PUBLISHES GROUP READ...: one service's ACL line (PUBLISHES is yes or no; GROUP is
# its consumer group, empty when it reads nothing).
service_user() {
  service="$1" publishes="$2" group="$3"
  shift 3
  upper="$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')"
  line="user billing-$service on resetpass $(hashed "$upper") resetkeys resetchannels -@all $BASE"
  if [ $# -gt 0 ]; then
    read_keys="" dead_letter_keys=""
    for context in "$@"; do
      read_keys="$read_keys ~billing.events.$context"
      dead_letter_keys="$dead_letter_keys ~billing.events.$context.dead-letter.$group"
    done
    line="$line$read_keys $CONSUMER"
  fi
  if [ "$publishes" = yes ]; then
    line="$line (~billing.events.$service $PUBLISHER) (~billing.events.$service.published-count $COUNTER)"
  fi
  if [ $# -gt 0 ]; then
    line="$line (${dead_letter_keys# } +xadd +xtrim)"
  fi
  printf '%s\n' "$line"
}

admin="$(hashed ADMIN)"
gateway="$(service_user gateway no gateway-audit accounts catalog subscriptions ledger invoicing notifications)"
accounts="$(service_user accounts yes accounts invoicing)"
catalog="$(service_user catalog yes "")"
subscriptions="$(service_user subscriptions yes subscriptions invoicing accounts)"
ledger="$(service_user ledger yes ledger accounts invoicing subscriptions)"
invoicing="$(service_user invoicing yes invoicing subscriptions ledger accounts)"
notifications="$(service_user notifications yes notifications accounts catalog subscriptions ledger invoicing notifications)"

printf '%s\n' "user default off resetpass resetkeys resetchannels -@all"
printf '%s\n' "user billing-admin on resetpass $admin ~* &* +@all"
printf '%s\n' "$gateway" "$accounts" "$catalog" "$subscriptions" "$ledger" "$invoicing" "$notifications"
