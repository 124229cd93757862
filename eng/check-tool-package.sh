#!/usr/bin/env bash
# Packs the tool package into ./artifacts and uses it the way a user would, from that local feed:
# `dotnet tool install` (into a temporary tool path, so the machine stays clean) then
# `cachefailover-mcp --version`, and `dnx CacheFailoverMcp ... -- --help`. The packages are restored
# into a temporary NuGet folder, so a copy of the same version cached by an earlier run is not used.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(dotnet msbuild src/CacheFailoverMcp -getProperty:Version -nologo)"
rm -f artifacts/CacheFailoverMcp.*.nupkg
dotnet pack src/CacheFailoverMcp -c Release -o artifacts -nologo >&2
package="artifacts/CacheFailoverMcp.$version.nupkg"
test -f "$package" || { echo "check-tool-package: $package was not produced" >&2; exit 1; }
if ! unzip -l "$package" | grep -q ' \.mcp/server\.json$'; then
  echo "check-tool-package: $package has no .mcp/server.json" >&2
  exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export NUGET_PACKAGES="$scratch/packages"

dotnet tool install --tool-path "$scratch/tools" --add-source ./artifacts --version "$version" CacheFailoverMcp >&2
installed="$("$scratch/tools/cachefailover-mcp" --version)"
if [ "$installed" != "CacheFailoverMcp $version" ]; then
  echo "check-tool-package: cachefailover-mcp --version said '$installed', expected 'CacheFailoverMcp $version'" >&2
  exit 1
fi
echo "check-tool-package: dotnet tool install, then cachefailover-mcp --version: $installed" >&2

# dnx ships beside the dotnet executable (it is `dotnet dnx`); it may not be on PATH.
dnx="$(dirname "$(readlink -f "$(command -v dotnet)")")/dnx"
[ -x "$dnx" ] || dnx="dotnet dnx"
help="$($dnx CacheFailoverMcp --add-source ./artifacts --version "$version" --yes -- --help)"
if ! grep -q "^Usage: cachefailover-mcp \[options\]" <<<"$help" || ! grep -q -- "--failure_threshold <integer>" <<<"$help"; then
  echo "check-tool-package: dnx CacheFailoverMcp -- --help did not print the usage:" >&2
  echo "$help" >&2
  exit 1
fi
echo "check-tool-package: dnx CacheFailoverMcp --add-source ./artifacts --yes -- --help printed the usage ($(wc -l <<<"$help") lines)" >&2
