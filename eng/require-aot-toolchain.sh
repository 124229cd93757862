#!/usr/bin/env bash
# Installs what Native AOT links with on Linux when it is missing: Debian's clang and zlib1g-dev
# (nothing else is installed; the .NET SDK brings the AOT compiler itself as a package).
set -euo pipefail
missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Native AOT needs ${missing[*]}; installing the Debian package(s)..." >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
