#!/usr/bin/env bash
# Starts / stops the real servers the integration tests talk to, on loopback and non-default ports:
#   redis-server on 127.0.0.1:$TEST_REDIS_PORT (16379), moto (DynamoDB + SQS) on 127.0.0.1:$TEST_MOTO_PORT (15000).
# Usage: scripts/test-services.sh start | stop | env
#   start  installs what is missing (scripts/install-test-services.sh), starts both, waits until they answer
#   stop   stops what `start` started (pid files in .test-services/)
#   env    prints the environment the tests read (eval "$(scripts/test-services.sh env)")
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STATE=$ROOT/.test-services
VENV=${TEST_VENV:-$ROOT/.venv-test}
REDIS_PORT=${TEST_REDIS_PORT:-16379}
MOTO_PORT=${TEST_MOTO_PORT:-15000}

print_env() {
  cat <<ENV
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export TEST_AWS_ENDPOINT=http://127.0.0.1:$MOTO_PORT
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AWS_REGION=eu-west-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
ENV
}

wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "[services] $name did not answer within 10 s; its log: $STATE/$name.log" >&2
  tail -n 20 "$STATE/$name.log" >&2 || true
  return 1
}

redis_answers() { redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }
moto_answers() { "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$MOTO_PORT/moto-api/')" 2>/dev/null; }

start() {
  "$ROOT/scripts/install-test-services.sh"
  mkdir -p "$STATE"
  if redis_answers; then
    echo "[services] redis already answering on $REDIS_PORT"
  else
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
    wait_for redis redis_answers
    echo "[services] redis on 127.0.0.1:$REDIS_PORT"
  fi
  if moto_answers; then
    echo "[services] moto already answering on $MOTO_PORT"
  else
    nohup "$VENV/bin/python" "$ROOT/scripts/moto_server.py" 127.0.0.1 "$MOTO_PORT" >"$STATE/moto.log" 2>&1 &
    echo $! >"$STATE/moto.pid"
    wait_for moto moto_answers
    echo "[services] moto (DynamoDB + SQS) on 127.0.0.1:$MOTO_PORT"
  fi
}

stop() {
  for name in moto redis; do
    if [ -f "$STATE/$name.pid" ]; then
      local pid
      pid=$(cat "$STATE/$name.pid")
      kill "$pid" 2>/dev/null || true
      # Wait for the exit: a `start` right after would otherwise find the dying server still answering, skip
      # starting its own, and lose it a moment later.
      for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$STATE/$name.pid"
      echo "[services] $name stopped"
    fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
