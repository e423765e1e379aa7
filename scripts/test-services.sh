#!/usr/bin/env bash
# Starts / stops the real servers the integration tests talk to, on loopback and non-default ports:
#   redis-server on 127.0.0.1:$TEST_REDIS_PORT (16379), moto (DynamoDB, SQS, Secrets Manager...) on
#   127.0.0.1:$TEST_MOTO_PORT (15000), a second moto for e-mail (SES) alone on $TEST_MOTO_MAIL_PORT (15001: the
#   tests read back what it was asked to send from its model dump, which stays small there), and a second redis-server as ElastiCache runs it with in-transit
#   encryption and an AUTH token: TLS only, on localhost:$TEST_REDIS_TLS_PORT (16380), its certificate from a
#   CA made here (.test-services/tls/), a password required.
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
MOTO_MAIL_PORT=${TEST_MOTO_MAIL_PORT:-15001}
REDIS_TLS_PORT=${TEST_REDIS_TLS_PORT:-16380}
TLS=$STATE/tls
# Not a secret: the test Redis's AUTH token, which the tests put in the emulator's Secrets Manager.
REDIS_TLS_PASSWORD=test-auth-token-0123456789

print_env() {
  cat <<ENV
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
export TEST_REDIS_TLS_URL=rediss://localhost:$REDIS_TLS_PORT/0
export TEST_REDIS_TLS_CA=$TLS/ca.pem
export TEST_REDIS_TLS_PASSWORD=$REDIS_TLS_PASSWORD
export TEST_AWS_ENDPOINT=http://127.0.0.1:$MOTO_PORT
export TEST_SES_ENDPOINT=http://127.0.0.1:$MOTO_MAIL_PORT
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
redis_tls_answers() {
  REDISCLI_AUTH=$REDIS_TLS_PASSWORD redis-cli --tls --cacert "$TLS/ca.pem" -h localhost -p "$REDIS_TLS_PORT" ping \
    2>/dev/null | grep -q PONG
}

# A CA and a certificate for localhost signed by it, made once per checkout.
make_certificates() {
  [ -f "$TLS/server.pem" ] && return 0
  mkdir -p "$TLS"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=1000proxy test CA" \
    -keyout "$TLS/ca.key" -out "$TLS/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$TLS/server.key" -out "$TLS/server.csr" \
    2>/dev/null
  printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$TLS/ext.cnf"
  openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial -days 3650 \
    -extfile "$TLS/ext.cnf" -out "$TLS/server.pem" 2>/dev/null
}
moto_answers() { # [port]
  "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:${1:-$MOTO_PORT}/moto-api/')" 2>/dev/null
}
moto_mail_answers() { moto_answers "$MOTO_MAIL_PORT"; }

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
  if redis_tls_answers; then
    echo "[services] TLS redis already answering on $REDIS_TLS_PORT"
  else
    make_certificates
    redis-server --port 0 --tls-port "$REDIS_TLS_PORT" --bind 127.0.0.1 --tls-cert-file "$TLS/server.pem" \
      --tls-key-file "$TLS/server.key" --tls-ca-cert-file "$TLS/ca.pem" --tls-auth-clients no \
      --requirepass "$REDIS_TLS_PASSWORD" --save '' --appendonly no --daemonize yes \
      --pidfile "$STATE/redis-tls.pid" --logfile "$STATE/redis-tls.log"
    wait_for redis-tls redis_tls_answers
    echo "[services] TLS redis (AUTH required) on localhost:$REDIS_TLS_PORT"
  fi
  if moto_answers; then
    echo "[services] moto already answering on $MOTO_PORT"
  else
    nohup "$VENV/bin/python" "$ROOT/scripts/moto_server.py" 127.0.0.1 "$MOTO_PORT" >"$STATE/moto.log" 2>&1 &
    echo $! >"$STATE/moto.pid"
    wait_for moto moto_answers
    echo "[services] moto (DynamoDB + SQS) on 127.0.0.1:$MOTO_PORT"
  fi
  if moto_mail_answers; then
    echo "[services] moto (SES) already answering on $MOTO_MAIL_PORT"
  else
    nohup "$VENV/bin/python" "$ROOT/scripts/moto_server.py" 127.0.0.1 "$MOTO_MAIL_PORT" >"$STATE/moto-mail.log" 2>&1 &
    echo $! >"$STATE/moto-mail.pid"
    wait_for moto-mail moto_mail_answers
    echo "[services] moto (SES) on 127.0.0.1:$MOTO_MAIL_PORT"
  fi
}

stop() {
  for name in moto moto-mail redis redis-tls; do
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
