#!/usr/bin/env bash
# Make sure the system tools the test suite drives are present, from Debian's packages:
# Chromium and a CJK font for the browser tests, Noto CJK and poppler for the PDF reports (Playwright drives /usr/bin/chromium; a
# browser is never downloaded), curl and jq for the README's curl session, wrk for the
# HTTP benchmark's smoke run, PostgreSQL's server for the replica test. Idempotent: installs
# only what is missing; sudo only when not root. Without apt-get it says what is missing and the tests that need it skip with
# the reason (or fail, with CI=true, for the browser tests).
set -euo pipefail

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing+=(fonts-wqy-microhei)
# the PDF reports (WeasyPrint) embed Noto Sans CJK; their test reads the PDF back with pdftotext
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
# WeasyPrint subsets the embedded CJK font with HarfBuzz (0.2 s a report); without it, fontTools
# takes 10 s a report (docs/performance.md, reports)
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so.0" || missing+=(libharfbuzz-subset0)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
# the replica test (tests/ops/test_replica.py) starts a primary and a streaming replica of its
# own with the server's binaries and postgresql-common's pg_createcluster / pg_ctlcluster (the
# package pulls in pg_basebackup, postgresql-client-15)
{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v pg_createcluster >/dev/null 2>&1; } \
  || missing+=(postgresql-15)
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-test-tools: no apt-get here; missing: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-test-tools: not root and no sudo; cannot install: ${missing[*]}" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
