#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run the demo on the embedded
# sample clip and checkpoint. Extra arguments go to `tokentool demo` (e.g. -o out-dir).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product tokentool >&2
exec .build/release/tokentool demo "$@"
