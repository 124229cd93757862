#!/usr/bin/env bash
# Publishes the server as a Native AOT executable for linux-x64 into OUT (default artifacts/aot):
# OUT/CacheFailoverMcp, with appsettings.json beside it. Fails on any trim or AOT warning (the
# compiler reports those as warnings, which TreatWarningsAsErrors does not catch in every step).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-artifacts/aot}"

bash eng/require-aot-toolchain.sh

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! dotnet publish src/CacheFailoverMcp -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo >"$log" 2>&1; then
  cat "$log" >&2
  echo "publish-aot: dotnet publish failed" >&2
  exit 1
fi
if grep -E -i '(warning|error) (IL[0-9]{4}|[A-Z]+[0-9]+)' "$log" >&2; then
  echo "publish-aot: the Native AOT publish reported the warnings above; fix them (none are allowed)" >&2
  exit 1
fi
echo "publish-aot: $out/CacheFailoverMcp ($(du -h "$out/CacheFailoverMcp" | cut -f1)), no trim or AOT warnings" >&2
