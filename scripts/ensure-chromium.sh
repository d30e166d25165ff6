#!/usr/bin/env bash
# Makes sure a Chromium for the dashboard's e2e tests (npm run test:e2e) is installed.
# playwright-core drives Debian's chromium package: `npx playwright install` downloads
# its own browser builds, which machines without general internet access cannot fetch.
# Usage: scripts/ensure-chromium.sh   (CHROMIUM_PATH overrides /usr/bin/chromium)
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -n 1) at $CHROMIUM"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium and set CHROMIUM_PATH to its binary" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "ensure-chromium: $CHROMIUM is missing; installing it needs root (run: sudo apt-get install -y chromium)" >&2
    exit 1
  fi
fi

echo "ensure-chromium: installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq || ! $SUDO apt-get install -y -qq --no-install-recommends chromium; then
  echo "ensure-chromium: apt-get could not install chromium; the e2e tests cannot run without it" >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: chromium was installed but $CHROMIUM does not exist; set CHROMIUM_PATH to its binary" >&2
  exit 1
fi
echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -n 1) at $CHROMIUM"
