#!/usr/bin/env bash
# Install headless Chromium (Debian package `chromium`) for the browser tests of `pii report`
# (tests/e2e/test_report_browser.py). Idempotent: does nothing when /usr/bin/chromium (or `chromium` on PATH)
# is already there. Runs apt-get as root, or through sudo when not root.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium already installed: $(command -v chromium)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  echo "install_chromium.sh: need root or sudo to run apt-get install chromium" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq chromium
echo "chromium installed: $(command -v chromium)"
