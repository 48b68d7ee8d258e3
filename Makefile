# Billing platform — the two commands: `make run` and `make test`. See README.md.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)

CLUSTER := deploy/local/cluster.sh
SWIFT_BUILD_FLAGS ?=

.PHONY: run stop test drills deploy-check build format format-check proto-docs bench-rpc bench-events bench-usage bench-credits bench-renewals bench-invoicing bench-scale bench-notifications token

## run: install what is missing, start PostgreSQL, Redis and every service on loopback, print URL and token
run:
	@$(CLUSTER) packages
	@$(CLUSTER) infra-up run
	swift build $(SWIFT_BUILD_FLAGS)
	@$(CLUSTER) services-up run
	@source <($(CLUSTER) env run) && \
	  python3 deploy/local/demo-data.py http://127.0.0.1:$$BILLING_GATEWAY_HTTP_PORT \
	    "$$(BILLING_GATEWAY_JWT_HS256_SECRET=$$BILLING_GATEWAY_JWT_HS256_SECRET python3 deploy/local/dev-token.py)"
	@source <($(CLUSTER) env run) && \
	  token="$$(BILLING_GATEWAY_JWT_HS256_SECRET=$$BILLING_GATEWAY_JWT_HS256_SECRET python3 deploy/local/dev-token.py)" && \
	  echo "" && echo "Billing is running." && \
	  echo "  API:     http://127.0.0.1:$$BILLING_GATEWAY_HTTP_PORT/api/v1" && \
	  echo "  OpenAPI: http://127.0.0.1:$$BILLING_GATEWAY_HTTP_PORT/openapi.json" && \
	  echo "  Console: http://127.0.0.1:$$BILLING_GATEWAY_HTTP_PORT/console/#token=$$token" && \
	  echo "  Logs:    .run/logs/" && \
	  echo "  E-mails: .run/mail/ (index.txt lists them; each as .eml and .json)" && \
	  echo "  Stop:    make stop" && echo "" && \
	  echo "Development token (every permission, tenant dev-tenant, 30 days):" && \
	  echo "$$token"

## stop: stop the services, PostgreSQL and Redis started by `make run`
stop:
	@$(CLUSTER) services-down run
	@$(CLUSTER) infra-down run

## token: print another development token (TENANT=..., PERMISSIONS=A,B, ROLES=owner, BILLING_ACCOUNT_ID=<uuid> for a customer token)
token:
	@set -a && source <($(CLUSTER) env run) && set +a && python3 deploy/local/dev-token.py

## test: fresh PostgreSQL + Redis on test ports, build, run the whole suite and the console's browser test, stop them (also on failure)
test:
	@$(CLUSTER) packages
	@$(MAKE) --no-print-directory format-check
	@deploy/validate.sh
	@$(CLUSTER) services-down test >/dev/null 2>&1 || true
	@$(CLUSTER) infra-down test >/dev/null 2>&1 || true
	@$(CLUSTER) stray-redis-down test || true
	@rm -rf .run-test
	@$(CLUSTER) infra-up test
	@set -o pipefail; status=0; \
	  ( swift build --build-tests $(SWIFT_BUILD_FLAGS) && \
	    set -a && source <($(CLUSTER) env test) && set +a && \
	    Tests/run-swift-tests.sh $(SWIFT_BUILD_FLAGS) && \
	    Tests/Console/run.sh ) || status=$$?; \
	  $(CLUSTER) services-down test >/dev/null 2>&1 || true; \
	  $(CLUSTER) stray-redis-down test || true; \
	  $(CLUSTER) infra-down test || true; \
	  if [ $$status -ne 0 ] && [ -s .run-test/swift-test.log ]; then \
	    echo "=== failed tests and their issues (full output: .run-test/swift-test.log, service logs: .run-test/logs/) ==="; \
	    grep -aE '^✘|recorded an issue|Fatal error' .run-test/swift-test.log | grep -av 'Test run with' | head -40; \
	  fi; \
	  exit $$status

## drills: issue 22's fault drills through the gateway, two replicas of every service (kill -9 of each, Redis lost 60 s,
## PostgreSQL restarted, the ledger down 90 s during 1,000 renewals, an impatient client, the pool alone through a
## PostgreSQL restart); about 8 minutes, all run by `.ci/run`. DRILLS=<regex> picks some (e.g. DRILLS=poolThroughRestart)
DRILLS ?= DrillTests
drills:
	@$(CLUSTER) packages
	@$(CLUSTER) services-down test >/dev/null 2>&1 || true
	@$(CLUSTER) infra-up test
	@mkdir -p .run-test
	@set -o pipefail; status=0; \
	  ( swift build --build-tests $(SWIFT_BUILD_FLAGS) && \
	    set -a && source <($(CLUSTER) env test) && set +a && \
	    BILLING_DRILLS=1 NO_COLOR=1 timeout --kill-after=30s 25m "$$(swift build --show-bin-path $(SWIFT_BUILD_FLAGS))/billingPackageTests.xctest" \
	      --testing-library swift-testing --no-parallel --filter "$(DRILLS)" 2>&1 | tee .run-test/drills.log ) || status=$$?; \
	  $(CLUSTER) stray-redis-down test || true; \
	  $(CLUSTER) infra-down test || true; \
	  grep -a '^drill ' .run-test/drills.log || true; \
	  exit $$status

## deploy-check: lint and validate the Dockerfile's scripts, compose file, Kubernetes manifests and dashboard
deploy-check:
	@deploy/validate.sh

build:
	swift build $(SWIFT_BUILD_FLAGS)

## format: format every Swift file per .swift-format (the toolchain's swift-format); format-check: fail on a file that differs
SWIFT_SOURCES := Package.swift Services Shared Tests
format:
	swift format format -i -r -p $(SWIFT_SOURCES)

format-check:
	@swift format lint -r -p --strict $(SWIFT_SOURCES) || { echo "swift-format: run 'make format' (configuration: .swift-format)"; exit 1; }

## proto-docs: regenerate proto-docs/ from the Contract targets
proto-docs:
	swift build --product billingctl
	.build/debug/billingctl proto-docs proto-docs

# Benchmarks that need PostgreSQL and Redis run against the test instances (started, then stopped).
define with_test_infra
	@$(CLUSTER) packages
	@$(CLUSTER) infra-up test
	@set -o pipefail; status=0; ( set -a && source <($(CLUSTER) env test) && set +a && $(1) ) || status=$$?; \
	  $(CLUSTER) infra-down test || true; exit $$status
endef

## console-test: the admin console (/console) in headless Chromium against the test profile's services: the seed 000 flows,
## axe accessibility check, screenshots in artifacts/console/ (installs chromium, chromium-driver and a Selenium venv if missing)
.PHONY: console-test
console-test:
	swift build $(SWIFT_BUILD_FLAGS)
	$(call with_test_infra,Tests/Console/run.sh)

## bench-events: events/s outbox → consumer and delay percentiles vs raw pipelined XADD (release build)
bench-events:
	swift build -c release --product bench-events
	$(call with_test_infra,.build/release/bench-events)

## bench-usage: usage events/s through the gateway vs the same rows written straight into PostgreSQL (release build)
bench-usage:
	swift build -c release
	$(call with_test_infra,BILLING_BUILD_DIR=$(CURDIR)/.build/release .build/release/bench-usage)

## bench-credits: authorize+settle pairs/s and p99 through the gateway vs pgbench debits, spread and on one hot wallet (release build)
bench-credits:
	swift build -c release
	$(call with_test_infra,BENCH_CREDITS_BASELINE="$$(Tests/Benchmarks/Credits/pgbench-baseline.sh)" BILLING_BUILD_DIR=$(CURDIR)/.build/release .build/release/bench-credits)

## bench-renewals: 100,000 subscriptions due at once, renewed by two scheduler replicas; renewals/s and total time (release build)
bench-renewals:
	swift build -c release --product bench-renewals
	$(call with_test_infra,.build/release/bench-renewals)

## bench-invoicing: 10,000 subscriptions × 3 usage meters renewed at once; draft + finalize invoices/s and total time (release build)
bench-invoicing:
	swift build -c release
	$(call with_test_infra,BILLING_BUILD_DIR=$(CURDIR)/.build/release .build/release/bench-invoicing)

## bench-notifications: webhook deliveries/s to a local receiver with 100 endpoints, commit-to-delivery delay p50/p99, and the
## same p99 while one more endpoint hangs (release build)
bench-notifications:
	swift build -c release --product bench-notifications
	swift build -c release
	$(call with_test_infra,BILLING_BUILD_DIR=$(CURDIR)/.build/release .build/release/bench-notifications)

## bench-scale: credit charges/s with 1 vs 3 ledger replicas (and 3 gateways), then kill -9 of one ledger mid-load: failed requests,
## charged twice or lost, events announced (release build)
bench-scale:
	swift build -c release
	$(call with_test_infra,BILLING_BUILD_DIR=$(CURDIR)/.build/release .build/release/bench-scale)

## bench-rpc: RPC throughput and latency vs a bare HTTP/2 echo, and the typed client over plain h2c vs mutual TLS (release build)
bench-rpc:
	swift build -c release --product bench-rpc
	.build/release/bench-rpc
