#!/usr/bin/env bash
# Packs the tool packages into ./artifacts and uses them the way a user would, from that local feed.
# The project packs one package per platform behind a pointer package (.NET 10 SDK):
#   CacheFailoverMcp            the pointer (command name, .mcp/server.json, which package per platform)
#   CacheFailoverMcp.linux-x64  the Native AOT executable (needs clang and zlib1g-dev to build)
#   CacheFailoverMcp.any        the framework-dependent build, for every other platform
# Then `dotnet tool install` (into a temporary tool path, so the machine stays clean) and
# `cachefailover-mcp --version`, which on this linux-x64 machine must be the native executable, and
# `dnx CacheFailoverMcp ... -- --help`. Packages are restored into a temporary NuGet folder, so a copy
# of the same version cached by an earlier run is not used.
set -euo pipefail
cd "$(dirname "$0")/.."

bash eng/require-aot-toolchain.sh
version="$(dotnet msbuild src/CacheFailoverMcp -getProperty:Version -nologo)"
rm -f artifacts/CacheFailoverMcp.*.nupkg
dotnet pack src/CacheFailoverMcp -c Release -o artifacts -nologo >&2
dotnet pack src/CacheFailoverMcp -c Release -r any -o artifacts -nologo >&2
dotnet pack src/CacheFailoverMcp -c Release -r linux-x64 -o artifacts -nologo >&2
for id in CacheFailoverMcp CacheFailoverMcp.any CacheFailoverMcp.linux-x64; do
  test -f "artifacts/$id.$version.nupkg" || { echo "check-tool-package: artifacts/$id.$version.nupkg was not produced" >&2; exit 1; }
done
if ! unzip -l "artifacts/CacheFailoverMcp.$version.nupkg" | grep -q ' \.mcp/server\.json$'; then
  echo "check-tool-package: the pointer package has no .mcp/server.json" >&2
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
target="$(readlink -f "$scratch/tools/cachefailover-mcp")"
case "$target" in
  */cachefailovermcp.linux-x64/*/CacheFailoverMcp) ;;
  *) echo "check-tool-package: on linux-x64 the installed command should be the native executable, not $target" >&2; exit 1 ;;
esac
echo "check-tool-package: dotnet tool install, then cachefailover-mcp --version: $installed (the linux-x64 native executable)" >&2

# The framework-dependent package runs too (what every other platform installs).
mkdir "$scratch/any"
unzip -q "artifacts/CacheFailoverMcp.any.$version.nupkg" -d "$scratch/any"
portable="$(dotnet "$scratch/any/tools/net10.0/any/CacheFailoverMcp.dll" --version)"
[ "$portable" = "CacheFailoverMcp $version" ] || { echo "check-tool-package: the framework-dependent package said '$portable'" >&2; exit 1; }
echo "check-tool-package: CacheFailoverMcp.any runs: $portable" >&2

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
