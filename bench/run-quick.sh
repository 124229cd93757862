#!/usr/bin/env bash
# Runs every benchmark suite with tiny counts (`all --quick`) so that the harness cannot rot:
# it starts its own redis-servers, exercises every contender and fault, starts the Native AOT binary
# and the framework-dependent build a few times each, and exits 0 when it ran. No timing is judged.
# Results go to a temporary directory, not bench/results/.
# Meant for .ci/run, before the tests: `bash bench/run-quick.sh`. It publishes the Native AOT binary
# to artifacts/aot (eng/publish-aot.sh), where .ci/run's end-to-end run of that binary finds it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/require-redis.sh
bash bench/require-peers.sh
bash eng/publish-aot.sh artifacts/aot

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The tables go to stderr too: CI logs keep them, and stdout stays free for the test summary line.
timeout 900 dotnet run -c Release --project bench/CacheFailover.Bench -- all --quick --out "$out" --aot-binary artifacts/aot/CacheFailoverMcp 1>&2
echo "bench: all --quick ran" >&2
