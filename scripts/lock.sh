#!/usr/bin/env bash
# Rewrites requirements.lock (what the service runs on) and requirements-dev.lock (that and
# the test and lint tools) from the ranges in pyproject.toml, with every file's hash, from
# PyPI itself. Versions already locked are kept unless they no longer fit a range; pass
# --upgrade to move everything to the newest release in range, or --upgrade-package NAME.
# Run with the Python the service runs on (3.11): markers are resolved for it.
set -euo pipefail
cd "$(dirname "$0")/.."

compile() {
  # The machine's own pip settings (mirrors, local wheels) must not leak into the lock.
  env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
    .venv/bin/pip-compile --quiet \
    --allow-unsafe --strip-extras --generate-hashes --all-build-deps \
    --no-emit-index-url --no-emit-find-links --index-url https://pypi.org/simple \
    "$@" pyproject.toml
}

compile --output-file requirements.lock "$@"
compile --extra dev --output-file requirements-dev.lock "$@"
echo "lock: wrote requirements.lock and requirements-dev.lock; run .ci/run before committing"
