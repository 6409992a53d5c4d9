#!/usr/bin/env bash
# `make demo`: the main job of qms on the bundled sample, end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-out}"
qms=.venv/bin/qms
mkdir -p "$out"
echo "== qms $($qms --version)"
echo "(more steps arrive with the library, calendar, ingest, check and report work)"
