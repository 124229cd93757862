#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests need when it is
# missing (redis-server, and chromium for the status page's browser test, from Debian's packages),
# then `dotnet test CacheFailoverMcp.sln`, and ends with one line "N passed, N failed[, N skipped]".
# Exits non-zero when a test fails or none ran.
# Extra arguments go to `dotnet test` (e.g. --filter ...).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/require-redis.sh
bash tests/require-chromium.sh

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

set +e
dotnet test CacheFailoverMcp.sln --logger trx --results-directory "$results" "$@"
status=$?
set -e

# Sum the counters of every test run (one .trx per test project).
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | awk '
    {
      for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        gsub(/"/, "", kv[2])
        if (kv[1] == "passed") p += kv[2]
        if (kv[1] == "failed") f += kv[2]
        if (kv[1] == "error") f += kv[2]
        if (kv[1] == "timeout") f += kv[2]
        if (kv[1] == "aborted") f += kv[2]
        if (kv[1] == "notExecuted") s += kv[2]
      }
    }
    END { printf "%d %d %d\n", p, f, s }')

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi

if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
