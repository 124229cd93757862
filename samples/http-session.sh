#!/usr/bin/env bash
# One MCP session over HTTP that a reader can reproduce: starts the server on the embedded
# in-memory pair (a free loopback port), then makes the calls the README shows, in order, and
# prints each call and its structured result as the server really returned it. State carries
# from one call to the next because it is one server, not a fresh process per call.
#
#   bash samples/http-session.sh                          # builds src/CacheFailoverMcp first
#   bash samples/http-session.sh /path/to/CacheFailoverMcp # or any server command, e.g. dotnet X.dll
#
# Needs curl. The server is stopped (by its PID) when the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  server=("$@")
else
  dotnet build src/CacheFailoverMcp -v q -nologo >/dev/null
  server=(dotnet src/CacheFailoverMcp/bin/Debug/net10.0/CacheFailoverMcp.dll)
fi

log="$(mktemp)"
"${server[@]}" --transport http --urls http://127.0.0.1:0 2>"$log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's/.*Now listening on: \(http:[^ ]*\).*/\1/p' "$log" | head -n 1)"
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start listening; its log:" >&2; cat "$log" >&2; exit 1; }

id=0
# call TOOL JSON-ARGUMENTS: prints the call, then the result's structuredContent (or the error text).
call() {
  id=$((id + 1))
  echo "> $1 $2"
  local body
  body="$(curl -sS -X POST "$url/mcp" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"tools/call\",\"params\":{\"name\":\"$1\",\"arguments\":$2}}")"
  local data
  data="$(printf '%s\n' "$body" | sed -n 's/^data: //p')"
  if printf '%s' "$data" | grep -q '"structuredContent":'; then
    printf '%s' "$data" | sed 's/.*"structuredContent":\(.*\)},"id":.*/\1/'
  else
    printf '%s' "$data" | sed 's/.*"text":"\([^"]*\)".*/\1/'
  fi
  echo
}

call cache_set '{"key":"session:42","value":"cart=3"}'
call trigger_manual_failover '{"reason":"patching the primary"}'
call cache_get '{"key":"session:42"}'
call cache_set '{"key":"session:42","value":"cart=5"}'
call trigger_manual_recovery '{"reason":"patch done"}'
call cache_get '{"key":"session:42"}'
call get_failover_events '{"limit":2}'
