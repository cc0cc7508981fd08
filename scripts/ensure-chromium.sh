#!/usr/bin/env bash
# Makes sure the browser test has a Chromium (Debian's package; playwright-core never downloads one).
# Found (CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser): nothing to do.
# Missing under CI (CI set): install it with apt-get. Missing elsewhere: print how to install it;
# the browser test is then skipped with the same hint (every other test still runs).
set -euo pipefail

find_chromium() {
  for p in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /snap/bin/chromium; do
    if [[ -n "$p" && -x "$p" ]]; then echo "$p"; return 0; fi
  done
  return 1
}

if path="$(find_chromium)"; then
  echo "chromium: $path"
  exit 0
fi

if [[ -z "${CI:-}" ]]; then
  echo "chromium not found: the browser test will be skipped (install it: sudo apt-get install chromium, or set CHROMIUM_PATH)"
  exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
echo "chromium: installing Debian's chromium with apt-get (CI)"
log="$(mktemp)"
if ! { $SUDO apt-get update -qq \
    && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "chromium: apt-get install chromium failed" >&2
  exit 1
fi
rm -f "$log"
path="$(find_chromium)" || { echo "chromium: still not found after apt-get install" >&2; exit 1; }
echo "chromium: $path"
