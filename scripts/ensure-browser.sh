#!/usr/bin/env bash
# Make sure Debian's Chromium and a CJK font are present for the browser tests (Playwright
# drives /usr/bin/chromium; a browser is never downloaded). Idempotent: does nothing when
# /usr/bin/chromium exists. Uses sudo only when not root.
set -euo pipefail

if [[ -x /usr/bin/chromium ]] && fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-browser: no apt-get here; install Chromium at /usr/bin/chromium yourself" >&2
  exit 0  # the browser tests then skip with the reason (or fail with CI=true)
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-browser: not root and no sudo; cannot install chromium" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium fonts-wqy-microhei
/usr/bin/chromium --version
