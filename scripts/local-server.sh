# Sourced by the scripts that test against a running local server (scripts/fuzz-api.sh,
# scripts/browser-test.sh): `start_local_server ADDR VARIABLE` builds it, starts it on ADDR with its demo data,
# waits until it answers, and stops it when the script exits (printing its log's last lines if the script
# failed). Sets SERVER (the binary, for its `token` command) and work (a directory removed on exit).
start_local_server() {
  local addr=$1 variable=$2
  cargo build -q -p local-server
  SERVER=${CARGO_TARGET_DIR:-target}/debug/local-server
  if curl -s -o /dev/null "http://$addr/"; then
    echo "something already answers on $addr: stop it or set $variable" >&2
    exit 1
  fi
  work=$(mktemp -d)
  "$SERVER" serve --addr "$addr" > "$work/server.log" 2>&1 &
  server_pid=$!
  trap stop_local_server EXIT
  for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || { echo "the local server exited" >&2; exit 1; }
    curl -sf "http://$addr/openapi.json" -o /dev/null && return 0
    sleep 0.2
  done
  echo "the local server does not answer on $addr" >&2
  exit 1
}

stop_local_server() {
  local status=$?
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  if [ $status -ne 0 ]; then echo "-- the local server's log (last lines):" >&2; tail -n 40 "$work/server.log" >&2; fi
  rm -rf "$work"
  exit $status
}
