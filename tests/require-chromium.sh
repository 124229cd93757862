#!/usr/bin/env bash
# Installs Debian's chromium when it is missing: the status page's test opens the real page in a
# headless browser (PuppeteerSharp pointed at this executable; it downloads no browser of its own).
# apt-get update runs only when the package lists are empty, as on a fresh machine. Other scripts
# may hold the dpkg lock at the same moment: wait for it rather than fail.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

echo "chromium missing; installing the Debian package..." >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
