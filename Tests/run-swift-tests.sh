#!/usr/bin/env bash
# Runs the Swift test bundle (built already) as `make test` does: straight, not through `swift test`, which holds back the
# last part of the output until the run ends — a run that hangs would show nothing of what it was doing. The run has a
# time limit (BILLING_TEST_TIME_LIMIT_MINUTES, default 40; a whole run takes 4 to 12 minutes): past it, the run is
# stopped and the tests that started and did not finish are named. Output: .run-test/swift-test.log (and stdout).
# Arguments: swift build flags (the bundle's build folder).
set -uo pipefail
cd "$(dirname "$0")/.."
bundle="$(swift build --show-bin-path "$@")/billingPackageTests.xctest"
log=.run-test/swift-test.log
limit=${BILLING_TEST_TIME_LIMIT_MINUTES:-40}
# Two phases. The concurrency stress tests (1,000 concurrent charges, 10,000 events from 100 writers, 10,000 random wallet
# operations, 100 parallel refunds, 200 concurrent limit checks, 1,000 calls on one connection, schemathesis's 4 workers fuzzing
# the API) each load both cores on their own: run among the rest, on 2 cores, they starved other tests into timeouts (and were starved themselves). So everything else
# runs first, at most BILLING_TEST_PARALLELISM tests at once (default 8: all 460 at once loaded 2 cores past the timing of the
# tests that check deadlines and timeouts); then they run one at a time.
stress='thousandCharges|lateCommitsAreNotSkipped|randomWorkload|racingRefunds|concurrentLimitChecks|thousandConcurrent|schemathesisFindsNoFailure'
width=${BILLING_TEST_PARALLELISM:-8}
NO_COLOR=1 timeout --kill-after=30s "${limit}m" "$bundle" --testing-library swift-testing --skip "$stress" \
  --experimental-maximum-parallelization-width "$width" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 124 ] && [ "$status" -ne 137 ]; then
  echo "=== the concurrency stress tests, one at a time" | tee -a "$log"
  NO_COLOR=1 timeout --kill-after=30s "${limit}m" "$bundle" --testing-library swift-testing --no-parallel --filter "$stress" 2>&1 | tee -a "$log"
  stressStatus=${PIPESTATUS[0]}
  [ "$status" -ne 0 ] || status=$stressStatus
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "=== the test run passed its ${limit}-minute limit and was stopped; tests started and not finished:"
  awk '
    /^[^ ]+ Test ".*" started\./ { name = substr($0, index($0, "Test ") + 5); sub(/ started\..*$/, "", name); open[name] = 1 }
    /^[^ ]+ Test ".*" (with [0-9]+ test cases? )?(passed|failed) after/ {
      name = substr($0, index($0, "Test ") + 5); sub(/ (with [0-9]+ test cases? )?(passed|failed) after.*$/, "", name); delete open[name]
    }
    END { for (name in open) print "  " name }
  ' "$log"
fi
exit "$status"
