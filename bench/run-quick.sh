#!/usr/bin/env bash
# Runs every benchmark suite with tiny counts (`all --quick`) so that the harness cannot rot:
# it starts its own redis-servers, exercises every contender and fault, and exits 0 when it ran.
# No timing is judged. Results go to a temporary directory, not bench/results/.
# Meant for .ci/run, before the tests: `bash bench/run-quick.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/require-redis.sh
bash bench/require-peers.sh

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The tables go to stderr too: CI logs keep them, and stdout stays free for the test summary line.
timeout 600 dotnet run -c Release --project bench/CacheFailover.Bench -- all --quick --out "$out" 1>&2
echo "bench: all --quick ran" >&2
