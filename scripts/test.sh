#!/usr/bin/env bash
# Quick start, command 2: install what is missing, then build and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --product tokentool
swift test "$@"
# Then every fuzz target briefly (issue 10): its regression inputs replayed, then 20 s of
# fuzzing. A crash, a timeout or an input that exceeds the memory limit fails CI.
for target in $(bash scripts/fuzz.sh --list); do
    bash scripts/fuzz.sh "$target" "${FUZZ_SECONDS:-20}" > ".build/fuzz-$target.log" 2>&1 || {
        tail -60 ".build/fuzz-$target.log" >&2
        echo "fuzz target $target failed (log: .build/fuzz-$target.log, reproducer under .build/fuzz/artifacts-$target/)" >&2
        exit 1
    }
    grep -E "^stat::number_of_executed_units|^Done [0-9]+ runs" ".build/fuzz-$target.log" | sed "s/^/fuzz $target: /" || true
done
