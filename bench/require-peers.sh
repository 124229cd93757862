#!/usr/bin/env bash
# Installs the resp suite's peers from Debian's packages when they are missing: twemproxy
# (`nutcracker`) and HAProxy. Nothing is started here (the suite starts its own, by PID, on
# loopback ports, from generated configurations); without them the suite measures the front door
# against Redis alone and says so.
set -euo pipefail
missing=()
command -v nutcracker >/dev/null 2>&1 || [ -x /usr/sbin/nutcracker ] || missing+=(nutcracker)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing the resp suite's peers from Debian: ${missing[*]}..." >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
