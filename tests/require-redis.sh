#!/usr/bin/env bash
# Installs redis-server from Debian's packages when it is missing (tests and the benchmark start
# their own servers on loopback ports; nothing is started here).
set -euo pipefail
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing; installing the Debian package..." >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >&2
fi
