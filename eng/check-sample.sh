#!/usr/bin/env bash
# The sample app (samples/HybridCacheApp) as a new app uses the libraries: from packages in the local
# feed artifacts/ (`dotnet pack CacheFailoverMcp.sln`), not project references. Packs them with a
# version of this run's own (so no package cached by an earlier run is used), builds the sample
# against them, starts two real redis-servers and the sample on loopback ports, and runs
# samples/SampleLoadCheck: the HTTP API under reads and writes while an MCP client fails the app over
# and back through its /mcp endpoint. Fails unless there were 0 errors and 0 stale reads.
# Usage: bash eng/check-sample.sh [seconds per phase, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
phase="${1:-3}"

bash tests/require-redis.sh
version="0.1.0-check.$(date +%s)"
pids=()
cleanup() {
  # The app first, so that it does not log the servers going away.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[$i]}" 2>/dev/null || true; done
  rm -f artifacts/*."$version".nupkg artifacts/*."$version".snupkg
}
trap cleanup EXIT

# A port nothing listens on (bash only: a fresh machine may have neither python nor curl), below
# Linux's ephemeral range (32768 and up): a port from that range can be taken by any outgoing
# connection between this check and the bind (a CI run lost the sample's own port that way).
free_port() {
  while :; do
    local port=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
}

dotnet pack CacheFailoverMcp.sln -c Release -o artifacts -p:Version="$version" -nologo -v quiet >&2
for id in CacheFailover.Core CacheFailover.Redis CacheFailover.Mcp; do
  test -f "artifacts/$id.$version.nupkg" || { echo "check-sample: artifacts/$id.$version.nupkg was not produced" >&2; exit 1; }
done
dotnet build samples/HybridCacheApp -c Release -p:CacheFailoverVersion="$version" -nologo -v quiet >&2
dotnet build samples/SampleLoadCheck -c Release -nologo -v quiet >&2
if grep -q 'ProjectReference' samples/HybridCacheApp/HybridCacheApp.csproj; then
  echo "check-sample: the sample must use the packages, not project references" >&2
  exit 1
fi

# Three distinct ports (two draws can give the same one: nothing listens on it yet).
primary_port="$(free_port)"
backup_port="$(free_port)"; while [ "$backup_port" = "$primary_port" ]; do backup_port="$(free_port)"; done
app_port="$(free_port)"; while [ "$app_port" = "$primary_port" ] || [ "$app_port" = "$backup_port" ]; do app_port="$(free_port)"; done
for port in "$primary_port" "$backup_port"; do
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >/dev/null &
  pids+=("$!")
done
for port in "$primary_port" "$backup_port"; do
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

app_dir="samples/HybridCacheApp/bin/Release/net10.0"
# L1 off (Sample:LocalCacheSeconds=0): every read goes to the failover cache, so a stale L2 would show.
(cd "$app_dir" && exec dotnet HybridCacheApp.dll --urls "http://127.0.0.1:$app_port" \
  --CacheFailover:Primary="redis://127.0.0.1:$primary_port" --CacheFailover:Backups:0="redis://127.0.0.1:$backup_port" \
  --Sample:LocalCacheSeconds=0) >&2 &
pids+=("$!")

# SampleLoadCheck waits for /healthz before it starts.
dotnet samples/SampleLoadCheck/bin/Release/net10.0/SampleLoadCheck.dll "http://127.0.0.1:$app_port" "$phase" 8 200
echo "check-sample: the sample, built from the packages $version in artifacts/, kept 0 errors and 0 stale reads through failover and failback" >&2
