#!/usr/bin/env bash
# Makes the services the bridge and its tests need available on a Debian machine, idempotently:
# installs RabbitMQ, Redis and Chromium from Debian's packages where missing, starts what is stopped,
# waits until each answers, and does nothing where everything already runs.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=0

log() { printf 'services: %s\n' "$*"; }

apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # name, seconds, command...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then log "$name did not answer within ${seconds}s"; return 1; fi
    sleep 1
  done
  log "$name is up"
}

redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

# Redis
command -v redis-server >/dev/null 2>&1 || apt_install redis-server
if ! redis_answers; then
  log "starting redis-server"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/event-horizon.log
fi
wait_for redis 30 redis_answers

# RabbitMQ
command -v rabbitmq-server >/dev/null 2>&1 || apt_install rabbitmq-server
if ! port_open 5672; then
  log "starting rabbitmq-server"
  $SUDO rabbitmq-server -detached >/dev/null 2>&1 || true
fi
wait_for rabbitmq 120 port_open 5672

# RabbitMQ Web-STOMP, the peer the benchmarks compare against (port 15674).
if ! port_open 15674; then
  log "enabling rabbitmq_web_stomp"
  $SUDO rabbitmq-plugins enable --quiet rabbitmq_web_stomp >/dev/null 2>&1 || log "could not enable rabbitmq_web_stomp (only the benchmarks need it)"
fi

# Chromium for the browser tests.
if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
