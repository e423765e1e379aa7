#!/usr/bin/env bash
# Cold-start benchmark (BENCHMARKS.md): starts the test services (Redis + moto), builds the release binaries of
# the functions the bench runs and of the hello-world baseline, and runs the `bench` crate's `cold-start` against them.
#
# Usage: scripts/bench-cold-start.sh [cold-start options...]      e.g. --runs 10 --warm 20 --title "opt-level 3"
#   CARGO_TARGET_DIR   where the release binaries (and the bench) are built; default target/lambda
#   --output FILE      where the markdown table goes; default $CARGO_TARGET_DIR/cold-start.md
# Compare opt-levels with separate target dirs, e.g.
#   CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_TARGET_DIR=target/bench-o3 scripts/bench-cold-start.sh --title "opt-level 3"
# The services are stopped on exit only if this script started them (others may be using running ones).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

TARGET=${CARGO_TARGET_DIR:-target/lambda}
export CARGO_TARGET_DIR=$TARGET

args=("$@")
has_output=false
for arg in "${args[@]}"; do
  case $arg in --output | --output=*) has_output=true ;; esac
done
if ! $has_output; then
  args+=(--output "$TARGET/cold-start.md")
fi

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if answers "${TEST_REDIS_PORT:-16379}" && answers "${TEST_MOTO_PORT:-15000}"; then
  echo "[bench] test services already running: using them, leaving them running"
else
  "$ROOT/scripts/test-services.sh" start
  trap '"$ROOT/scripts/test-services.sh" stop' EXIT
fi
eval "$("$ROOT/scripts/test-services.sh" env)"

echo "[bench] building the benchmark"
cargo build --release -p bench
# Only the binaries the bench runs: each release link is a full LTO pass, minutes apiece on a small machine.
bins=()
while read -r name; do bins+=(--bin "$name"); done < <("$TARGET/release/cold-start" --list)
echo "[bench] building ${bins[*]} into $TARGET (opt-level ${CARGO_PROFILE_RELEASE_OPT_LEVEL:-of the profile})"
cargo build --release -p functions "${bins[@]}"
echo "[bench] running the benchmark"
"$TARGET/release/cold-start" --bin-dir "$TARGET/release" "${args[@]}"
