#!/usr/bin/env bash
# Starts N local Event Horizon nodes on consecutive ports sharing RabbitMQ and Redis, plus a tiny
# round-robin proxy in front of them (no stickiness), for trying a cluster by hand. Ctrl-C, or a
# SIGTERM to this script (or to `npm run cluster`), drains every node and stops the proxy.
#
#   scripts/cluster.sh [N=3] [first port=5555] [proxy port=8080]     (or: npm run cluster -- 3)
#
# Environment: EH_REDIS_URL (default redis://127.0.0.1:6379), EH_AMQP_URL, EH_REDIS_PREFIX (default
# eh-local), EH_ADMIN_TOKEN (default: a fresh random one, printed), and any other EH_* setting.
set -euo pipefail

N=${1:-3}
FIRST=${2:-5555}
PROXY=${3:-8080}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# One process per node (node with the tsx loader, no wrapper process), so a signal reaches the bridge itself.
RUN=(node --import tsx)

case "$N" in '' | *[!0-9]*) echo "cluster: N must be a number, got $N" >&2; exit 2 ;; esac
if [ "$N" -lt 1 ] || [ "$N" -gt 16 ]; then echo "cluster: N must be between 1 and 16" >&2; exit 2; fi

export EH_REDIS_URL="${EH_REDIS_URL:-redis://127.0.0.1:6379}"
export EH_REDIS_PREFIX="${EH_REDIS_PREFIX:-eh-local}"
# One process per node here (the nodes already share the machine); EH_WORKERS=N to try workers too.
export EH_WORKERS="${EH_WORKERS:-1}"
export EH_ADMIN_TOKEN="${EH_ADMIN_TOKEN:-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
LOGS="$(mktemp -d "${TMPDIR:-/tmp}/eh-cluster.XXXXXX")"

cd "$ROOT"
PIDS=()
stop() {
  trap - INT TERM EXIT
  # SIGTERM: each node drains (1001 to its clients) within EH_SHUTDOWN_TIMEOUT_MS and exits.
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "cluster: stopped (logs kept in $LOGS)"
}
trap stop INT TERM EXIT

# A port some other process holds would answer the health check below for a node that died of
# EADDRINUSE: refuse to start instead.
port_free() {
  node -e "const s = require('net').createServer(); s.once('error', () => process.exit(1)); s.listen($1, () => s.close(() => process.exit(0)))" 2>/dev/null
}
PORTS=()
for i in $(seq 0 $((N - 1))); do PORTS+=($((FIRST + i))); done
for port in "${PORTS[@]}" "$PROXY"; do
  if ! port_free "$port"; then echo "cluster: port $port is already in use by another process; stop it or pick other ports (scripts/cluster.sh N FIRST PROXY)" >&2; exit 1; fi
done
for port in "${PORTS[@]}"; do
  "${RUN[@]}" "$ROOT/src/main.ts" --port "$port" >"$LOGS/node-$port.log" 2>&1 &
  PIDS+=("$!")
done

# Wait (at most 30 s) until every node answers /healthz.
deadline=$((SECONDS + 30))
for i in "${!PORTS[@]}"; do
  port=${PORTS[$i]}
  # node rather than curl: a fresh Debian machine may have no curl, and node is there anyway.
  until node -e "fetch('http://127.0.0.1:$port/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 2>/dev/null; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      echo "cluster: node on :$port did not start: $(grep -m1 'failed to start' "$LOGS/node-$port.log" || echo "see $LOGS/node-$port.log")" >&2
      exit 1
    fi
    sleep 0.5
  done
done
# A node that lost its port after answering (a race with another process) is gone by now: say so.
for i in "${!PORTS[@]}"; do
  if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then echo "cluster: node on :${PORTS[$i]} exited; see $LOGS/node-${PORTS[$i]}.log" >&2; exit 1; fi
done

"${RUN[@]}" "$ROOT/scripts/round-robin-proxy.ts" "$PROXY" "${PORTS[@]}" &
PIDS+=("$!")

cat <<EOF

  $N nodes on ports ${PORTS[*]}, round-robin proxy on :$PROXY (Redis $EH_REDIS_URL, prefix $EH_REDIS_PREFIX)
  Logs:         $LOGS
  WebSocket:    ws://localhost:$PROXY/   (WebSocket-only clients need no stickiness)
  Stats:        curl -H "Authorization: Bearer $EH_ADMIN_TOKEN" http://localhost:$PROXY/api/stats
  Broadcast:    curl -H "Authorization: Bearer $EH_ADMIN_TOKEN" -d '{"account_id":"…","binding":"call.*.*","event":"notice","data":{}}' http://localhost:$PROXY/api/broadcast
  Ctrl-C (or kill $$) stops every node.

EOF
# Returns when a child exits or a signal arrives; either way the EXIT trap stops the rest.
wait -n
