#!/usr/bin/env bash
# Installs everything csp-scheduler needs, from nothing: system packages (when run as root on
# Debian/Ubuntu), then a virtualenv in .venv with the project and its development tools.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  dovecot-imapd        # the real IMAP server the integration tests start on loopback
  poppler-utils        # pdftotext/pdftoppm, to read rendered packs back in tests
  libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core  # WeasyPrint's text layout and fonts
  libharfbuzz-subset0  # WeasyPrint's fast font subsetting (else it falls back to fontTools)
  openssl              # self-signed certificates for TLS tests
  chromium             # the real browser the web app's journeys run in (never downloaded)
)
# GOV.UK Frontend's CSS and JS, and axe-core, come from the npm registry. A machine with its own
# Node.js (NodeSource's carries npm, and conflicts with Debian's npm) keeps it.
NODE_PACKAGES=(nodejs npm)

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  command -v npm >/dev/null 2>&1 || missing+=("${NODE_PACKAGES[@]}")
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "install: not root or no apt-get; install these yourself: ${SYSTEM_PACKAGES[*]}" \
    "${NODE_PACKAGES[*]}" >&2
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# Exactly the versions (and files, by hash) in the lock, which pyproject.toml's ranges allow;
# then the project itself, built with the locked setuptools. scripts/lock.sh upgrades them.
.venv/bin/python -m pip install -q --require-hashes -r requirements-dev.lock
.venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
# GOV.UK Frontend (served by `csp web`) and axe-core (its accessibility tests), at the versions
# package-lock.json pins, into node_modules/ (not committed).
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --silent
else
  echo "install: npm not found; csp web needs GOV.UK Frontend: install nodejs and npm" >&2
fi
echo "install: done; run the tests with: .venv/bin/python -m pytest"
