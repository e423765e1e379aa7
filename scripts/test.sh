#!/usr/bin/env bash
# Every test, from a clean clone: installs and starts the test services (Redis, moto as DynamoDB + SQS),
# checks formatting and lints, runs the whole workspace's tests against them, fuzzes the HTTP API from its
# OpenAPI document (scripts/fuzz-api.sh: schemathesis against the local server), drives the admin pages in
# headless Chromium (scripts/browser-test.sh: Playwright, axe-core, screenshots), runs the real-time API with the
# real pusher-js and laravel-echo (scripts/realtime-test.sh), lints the SAM template, proves the deployable build
# (`sam build` of one function of each kind, HTTP, scheduled, worker and WebSocket, cross-built for
# arm64: scripts/build-functions.sh; the template lint covers the rest), and stops the services it started —
# also when something fails. Ends with one summary line of all test counts.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/test-services.sh start
trap 'scripts/test-services.sh stop' EXIT
eval "$(scripts/test-services.sh env)"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test --workspace"
results=$(mktemp)
cargo test --workspace --no-fail-fast 2>&1 | tee "$results"
echo "== OpenAPI fuzzer (schemathesis) against the local server"
scripts/fuzz-api.sh
echo "== browser tests (Playwright + headless Chromium + axe-core) against the local server"
browser_results=$(mktemp)
scripts/browser-test.sh 2>&1 | tee "$browser_results"
echo "== real-time end to end (pusher-js + laravel-echo under Node) against the local server"
realtime_results=$(mktemp)
scripts/realtime-test.sh 2>&1 | tee "$realtime_results"
echo "== SAM template lint"
scripts/lint-template.sh

scripts/test-services.sh stop
echo "== sam build (arm64) of one function of each kind"
scripts/build-functions.sh SystemHealthFunction SystemHealthCheckFunction QueueWorkerFunction RealtimeMessageFunction
# The sum over every test binary (cargo prints one "test result" line per binary).
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$results"
grep '^browser: [0-9]' "$browser_results"
grep '^realtime: [0-9]' "$realtime_results"
rm -f "$results" "$browser_results" "$realtime_results"
