#!/usr/bin/env bash
# The nemesis (issue #15): a seeded fault schedule (SIGKILL and restart, SIGSTOP/SIGCONT, DEBUG SLEEP
# bursts, CLIENT PAUSE, flapping, manual failovers and recoveries, dropped group announcements)
# against real redis-servers and a group of in-process engines under concurrent traffic (with
# --processes N also server processes of the product: SIGKILL/SIGTERM restarts, failovers and
# recoveries over MCP), then a checker over every recorded operation. Prints the report (Markdown) on stdout; exits non-zero
# when any stale read, resurrection or dishonest result is found (or too little was checked).
#   bash bench/run-nemesis.sh --seconds 60 --seed 1              # the CI run
#   bash bench/run-nemesis.sh --seconds 1800 --seed 1 --out bench/results   # the long run
# A failing run is replayed with its seed (the schedule and every client's op mix come from it;
# thread timing does not, so a replay injects the same faults at the same moments, not the same interleaving).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/require-redis.sh

seconds=60
processes=0
for ((i = 1; i <= $#; i++)); do
  next=$((i + 1))
  if [ "${!i}" = "--seconds" ]; then
    seconds="${!next:-60}"
  elif [ "${!i}" = "--processes" ]; then
    processes="${!next:-0}"
  fi
done

dotnet build -c Release bench/CacheFailover.Nemesis -nologo -v q -clp:NoSummary 1>&2
# Server processes run the built CacheFailoverMcp.dll (or the executable CACHEFAILOVER_TEST_EXECUTABLE names).
if [ "$processes" != "0" ] && [ -z "${CACHEFAILOVER_TEST_EXECUTABLE:-}" ]; then
  dotnet build -c Release src/CacheFailoverMcp -nologo -v q -clp:NoSummary 1>&2
fi
# The run ends by itself; the limit only guards against a harness that hangs.
timeout $((seconds + 300)) dotnet run -c Release --no-build --project bench/CacheFailover.Nemesis -- "$@"
