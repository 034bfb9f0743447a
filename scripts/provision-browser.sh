#!/usr/bin/env bash
# Make sure Debian's Chromium is present for the browser end-to-end tests (tests/e2e).
# Installs it with apt-get when missing and we are root; otherwise exits non-zero and says
# exactly what to install. Never downloads Playwright's own browser builds.
set -euo pipefail
BROWSER="${CT_JUPYTER_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$BROWSER" ]; then
  echo "provision-browser: found $BROWSER ($("$BROWSER" --version 2>/dev/null | head -n1 || echo 'version unknown'))" >&2
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "provision-browser: installing Debian's chromium with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  if [ -x "$BROWSER" ]; then
    echo "provision-browser: installed $BROWSER" >&2
    exit 0
  fi
  echo "provision-browser: apt-get finished but $BROWSER is still missing" >&2
  exit 1
fi
cat >&2 <<MSG
provision-browser: the end-to-end tests need Chromium at $BROWSER and it is not there.
Install it as root:   apt-get update && apt-get install -y chromium
(or point CT_JUPYTER_CHROMIUM at a Chromium/Chrome binary). Do not run 'playwright install'.
MSG
exit 1
