#!/usr/bin/env bash
# Proves the test split: with RabbitMQ and Redis pointed at a closed port, `npm run test:unit` still
# passes, and the integration/browser project refuses to start, naming the service it cannot reach.
# Leaves the real services alone (only the addresses the tests read are overridden).
#
#   bash scripts/check-test-split.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# A port nothing listens on: bound to an ephemeral port, then closed again.
closed=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export EH_AMQP_URL="amqp://guest:guest@127.0.0.1:${closed}"
export EH_TEST_REDIS_URL="redis://127.0.0.1:${closed}"
echo "RabbitMQ and Redis pointed at closed port ${closed}"

echo "--- unit project: must pass"
npm run --silent test:unit

echo "--- services project: must refuse"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if npx jest --selectProjects services test/integration/errors.test.ts >"$out" 2>&1; then
  cat "$out"
  echo "FAIL: the integration tests ran although RabbitMQ and Redis were unreachable" >&2
  exit 1
fi
if ! grep -q "cannot reach: RabbitMQ at 127.0.0.1:${closed}, Redis at 127.0.0.1:${closed}" "$out"; then
  cat "$out"
  echo "FAIL: the integration tests failed, but not with the missing-services message" >&2
  exit 1
fi
echo "OK: unit tests need no services; integration tests refuse without them"
