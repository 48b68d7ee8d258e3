#!/usr/bin/env bash
# test-acl.sh: checks billing-acl.sh against a real Redis 7. Starts a throw-away redis-server on 127.0.0.1
# (port BILLING_ACL_TEST_PORT, 56999 by default) with the generated file and random passwords, runs each
# user's commands and the ones it must be refused, stops the server. Needs redis-server and redis-cli (7.0+).
# Not part of deploy/validate.sh (it starts a server); run it after changing billing-acl.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${BILLING_ACL_TEST_PORT:-56999}"
SERVICES=(gateway accounts catalog subscriptions ledger invoicing notifications)
for tool in redis-server redis-cli openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "test-acl.sh: $tool is missing" >&2; exit 1; }
done

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for name in ADMIN GATEWAY ACCOUNTS CATALOG SUBSCRIPTIONS LEDGER INVOICING NOTIFICATIONS; do
  export "BILLING_REDIS_PASSWORD_$name=$(openssl rand -hex 24)"
done
"$HERE/billing-acl.sh" >"$work/users.acl"
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$work" --aclfile "$work/users.acl" --save '' --appendonly no \
  --daemonize no >"$work/redis.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  if redis-cli -p "$PORT" PING 2>/dev/null | grep -q NOAUTH; then break; fi
  sleep 0.1
done
# A server already on the port would answer too: ours must still be running.
if ! kill -0 "$server" 2>/dev/null; then
  echo "test-acl.sh: redis-server did not start on port $PORT:" >&2
  cat "$work/redis.log" >&2
  server=""
  exit 1
fi

password() { local variable="BILLING_REDIS_PASSWORD_${1^^}"; printf '%s' "${!variable}"; }
# as USER COMMAND...: runs the command as billing-USER (admin: billing-admin; -: no authentication).
as() {
  local user="$1"; shift
  if [ "$user" = - ]; then redis-cli -p "$PORT" "$@" 2>&1; return; fi
  REDISCLI_AUTH="$(password "$user")" redis-cli --no-auth-warning --user "billing-$user" -p "$PORT" "$@" 2>&1
}
passed=0 failed=0
# expect ok|PREFIX USER COMMAND...: the first reply line must not be an error (ok) or must start with PREFIX.
expect() {
  local want="$1" reply; shift
  reply="$(as "$@" | head -1)"
  if { [ "$want" = ok ] && ! [[ "$reply" =~ ^(NOPERM|NOAUTH|WRONGPASS|ERR|WRONGTYPE) ]]; } || { [ "$want" != ok ] && [[ "$reply" == "$want"* ]]; }; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL (want $want): $* -> $reply" >&2
  fi
}

# Nobody gets in without a password; `default` is off.
expect NOAUTH - PING
expect NOAUTH - XADD billing.events.ledger '*' envelope x
expect WRONGPASS - AUTH default ''
expect WRONGPASS - AUTH billing-ledger "$(password accounts)"
expect OK - AUTH billing-ledger "$(password ledger)"

for service in "${SERVICES[@]}"; do
  expect PONG "$service" PING
  expect OK "$service" CLIENT SETNAME "billing-$service"
  expect ok "$service" HELLO 2 AUTH "billing-$service" "$(password "$service")"
  for command in 'KEYS *' FLUSHALL 'CONFIG GET *' 'SCAN 0' 'SET x y' 'GET x' "DEL billing.events.$service" 'EVAL return 1 0' \
                 'SUBSCRIBE x' 'PUBLISH x y' MONITOR 'CLIENT LIST' INFO 'ACL LIST' MULTI "XRANGE billing.events.$service - +" \
                 "XDEL billing.events.$service 0-1" "XGROUP DESTROY billing.events.$service g"; do
    read -r -a words <<<"$command"
    expect NOPERM "$service" "${words[@]}"
  done
done

# Publishers: their own stream and count, and nobody else's. Notifications also reads its own stream (a disabled endpoint's
# event goes to the tenant's other endpoints).
for service in accounts catalog subscriptions ledger invoicing notifications; do
  stream="billing.events.$service"
  expect ok "$service" XADD "$stream" '*' envelope x
  expect ok "$service" INCRBY "$stream.published-count" 1
  expect 1 "$service" GET "$stream.published-count"
  expect 1 "$service" XLEN "$stream"
  expect OK admin XGROUP CREATE "$stream" probe 0
  expect ok "$service" XINFO GROUPS "$stream"
  expect ok "$service" XPENDING "$stream" probe
  expect ok "$service" XTRIM "$stream" MINID 0
  [ "$service" = notifications ] || expect NOPERM "$service" XREADGROUP GROUP probe c STREAMS "$stream" '>'
  expect NOPERM "$service" XADD "$stream.published-count" '*' envelope x
  expect NOPERM "$service" INCRBY "$stream" 1
  for other in "${SERVICES[@]}"; do
    [ "$other" = "$service" ] && continue
    expect NOPERM "$other" XADD "$stream" '*' envelope forged
    expect NOPERM "$other" INCRBY "$stream.published-count" 1
    expect NOPERM "$other" XTRIM "$stream" MAXLEN 0
  done
done
expect NOPERM gateway XADD billing.events.gateway '*' envelope x

# consumer SERVICE GROUP CONTEXT...: the group's commands on the streams it reads, its dead-letter streams.
consumer() {
  local service="$1" group="$2" streams=() ids=() stream
  shift 2
  for context in "$@"; do streams+=("billing.events.$context"); ids+=('>'); done
  for stream in "${streams[@]}"; do
    expect ok "$service" XGROUP CREATE "$stream" "$group" 0 MKSTREAM
    expect BUSYGROUP "$service" XGROUP CREATE "$stream" "$group" 0 MKSTREAM
    expect ok "$service" XINFO GROUPS "$stream"
  done
  expect ok "$service" XREADGROUP GROUP "$group" c COUNT 10 BLOCK 10 STREAMS "${streams[@]}" "${ids[@]}"
  for stream in "${streams[@]}"; do
    expect ok "$service" XPENDING "$stream" "$group" - + 1
    expect ok "$service" XAUTOCLAIM "$stream" "$group" c 10 0-0 COUNT 10
    expect ok "$service" XACK "$stream" "$group" 0-1
    expect ok "$service" XADD "$stream.dead-letter.$group" '*' envelope x error e stream "$stream" entry 0-1 deliveries 5
    expect ok "$service" XTRIM "$stream.dead-letter.$group" MINID 0-1
    expect NOPERM "$service" XADD "$stream.dead-letter.other" '*' envelope x
    [ "$stream" = "billing.events.$service" ] && continue   # its own stream: it publishes there
    expect NOPERM "$service" XADD "$stream" '*' envelope forged
    expect NOPERM "$service" XTRIM "$stream" MAXLEN 0
  done
}
consumer gateway gateway-audit accounts catalog subscriptions ledger invoicing notifications
consumer accounts accounts invoicing
consumer subscriptions subscriptions invoicing accounts
consumer ledger ledger accounts invoicing subscriptions
consumer invoicing invoicing subscriptions ledger accounts
consumer notifications notifications accounts catalog subscriptions ledger invoicing notifications
expect NOPERM catalog XGROUP CREATE billing.events.accounts catalog 0 MKSTREAM
expect NOPERM accounts XREADGROUP GROUP accounts c STREAMS billing.events.invoicing billing.events.ledger '>' '>'
expect NOPERM ledger XREADGROUP GROUP ledger c STREAMS billing.events.catalog '>'

# Rotation: a second password, then the old one removed.
new_password="$(openssl rand -hex 24)"
expect OK admin ACL SETUSER billing-ledger ">$new_password"
expect OK - AUTH billing-ledger "$(password ledger)"
expect OK - AUTH billing-ledger "$new_password"
expect OK admin ACL SETUSER billing-ledger "<$(password ledger)"
expect WRONGPASS - AUTH billing-ledger "$(password ledger)"
expect OK - AUTH billing-ledger "$new_password"

echo "test-acl.sh: $passed passed, $failed failed ($(redis-server --version | cut -d' ' -f1-3))"
[ "$failed" -eq 0 ]
