#!/usr/bin/env bash
# Quick start, command 2: install what is missing, then build and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --product tokentool
swift test "$@"
