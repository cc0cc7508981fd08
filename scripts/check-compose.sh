#!/usr/bin/env bash
# Validates docker-compose.yml (or the file given as $1) WITHOUT a Docker engine.
#
# Tool order: `docker compose` (v2 plugin) -> `docker-compose` (e.g. Debian's Python v1 package).
# With neither: under CI (CI set) install Debian's docker-compose with apt-get; otherwise skip
# with a one-line hint and exit 0. Exits non-zero when the file is invalid.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
FILE="${1:-docker-compose.yml}"

if [[ ! -f "$FILE" ]]; then
  echo "check:compose: $FILE not found" >&2
  exit 1
fi

# The services require ADMIN_TOKEN and LINK_SECRET (${X:?...}); give validation dummy values.
export ADMIN_TOKEN="${ADMIN_TOKEN:-check-compose-dummy-token}"
export LINK_SECRET="${LINK_SECRET:-check-compose-dummy-link-secret-0123456789}"

compose=()
tool=""
detect() {
  if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
    tool="docker compose $(docker compose version --short 2>/dev/null || echo '?')"
  elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
    tool="docker-compose $(docker-compose version --short 2>/dev/null || echo '?')"
  else
    return 1
  fi
}

if ! detect; then
  if [[ -n "${CI:-}" ]]; then
    SUDO=""
    if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    echo "check:compose: installing docker-compose with apt-get (CI)"
    # --no-install-recommends: the package recommends docker.io (a whole engine) we do not need.
    log="$(mktemp)"
    if ! { $SUDO apt-get update -qq \
        && $SUDO env DEBIAN_FRONTEND=noninteractive \
          apt-get install -y -qq --no-install-recommends docker-compose; } >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      echo "check:compose: apt-get install docker-compose failed" >&2
      exit 1
    fi
    rm -f "$log"
    detect || { echo "check:compose: docker-compose still not available after apt-get install" >&2; exit 1; }
  else
    echo "check:compose skipped: install docker-compose (apt-get install docker-compose) to validate docker-compose.yml"
    exit 0
  fi
fi

# `config --quiet` parses, interpolates and schema-validates the file; it needs no engine.
if ! "${compose[@]}" -f "$FILE" config --quiet; then
  echo "$FILE: INVALID ($tool)" >&2
  exit 1
fi
echo "$FILE: valid ($tool)"
