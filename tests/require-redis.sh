#!/usr/bin/env bash
# Installs redis-server from Debian's packages when it is missing (tests and the benchmark start
# their own servers on loopback ports; nothing is started here), and openssl, which the TLS
# fixture uses to make a CA and a server certificate per run.
set -euo pipefail
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "${missing[*]} missing; installing the Debian package(s)..." >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
