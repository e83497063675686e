#!/usr/bin/env bash
# Builds one libFuzzer target from the parser sources and runs it.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#   scripts/fuzz.sh --list
#
# Targets live in Tests/Fuzz/Targets/TARGET.swift; each is compiled with the sources it
# exercises (swiftc -sanitize=fuzzer,address, checks on) into .build/fuzz/TARGET. Every file
# under Tests/Fuzz/regressions/TARGET is replayed first (each once crashed or exhausted memory
# before it was fixed), then the fuzzer runs for SECONDS from the seeds in
# Tests/Fuzz/corpus/TARGET (copied to .build/fuzz/corpus-TARGET, which keeps what it finds).
# The exit status is non-zero when a regression or the fuzzer finds a crash, a leak of the
# memory limit or a timeout; reproducers are written to .build/fuzz/artifacts-TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."

checkpoint_sources="Sources/Checkpoints/*.swift Sources/Core/Tensor/Tensor.swift Sources/Core/Tensor/BF16Matrix.swift Sources/Core/IO/*.swift"
dataset_sources="Sources/TokenData/TokenDataset.swift Sources/TokenData/TokenDatasetMetadata.swift
  Sources/TokenData/JSONValue.swift Sources/TokenData/MappedDataFile.swift Sources/TokenData/ActionTrack.swift
  Sources/TokenData/TokenDType.swift Sources/TokenData/DatasetError.swift Sources/TokenData/AppendJournal.swift
  Sources/TokenData/Tokens.swift Sources/Core/IO/*.swift"
genie_sources="Sources/Predictor/Genie/GenieConfig.swift Sources/Predictor/Genie/GenieError.swift Sources/TokenData/Tokens.swift"

sources_for() {
    case "$1" in
        zip|pickle|safetensors|legacy|checkpoint) echo "$checkpoint_sources" ;;
        metadata) echo "$dataset_sources" ;;
        genie-config) echo "$genie_sources" ;;
        # torchscript: add "torchscript) echo \"$checkpoint_sources <the TorchScript reader's files>\" ;;"
        # once the reader lands, with Tests/Fuzz/Targets/torchscript.swift and a seed corpus.
        *) return 1 ;;
    esac
}

targets="zip pickle safetensors legacy checkpoint metadata genie-config"
if [[ "${1:-}" == "--list" ]]; then echo "$targets"; exit 0; fi
if [[ $# -lt 2 ]]; then echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]  (targets: $targets)" >&2; exit 2; fi
target=$1; seconds=$2; shift 2
sources=$(sources_for "$target") || { echo "fuzz.sh: unknown target '$target' (targets: $targets)" >&2; exit 2; }

out=.build/fuzz
mkdir -p "$out"
binary="$out/$target"
# The sources come from several of the package's modules but are compiled here as one, so
# their imports of each other are dropped (from copies; the tree is left as it is).
copies="$out/sources-$target"
rm -rf "$copies" && mkdir -p "$copies"
# shellcheck disable=SC2086
for file in $sources Tests/Fuzz/Targets/FuzzInput.swift "Tests/Fuzz/Targets/$target.swift"; do
    sed -E '/^(@testable )?import (Core|Checkpoints|Layers|TokenData|Media|MagvitCodec|Predictor)$/d' "$file" \
        > "$copies/$(echo "$file" | tr / _)"
done
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name FuzzTarget \
    "$copies"/*.swift -o "$binary" 2> "$out/$target.build.log"; then
    grep -v "Cannot export local symbol" "$out/$target.build.log" >&2
    exit 1
fi

# Every run is bounded: 2 GB of memory, 10 s an input, 16 MB inputs. Leak detection is off:
# a pickle may legally build a list that contains itself, which reference counting never
# frees; that costs a hostile file's own size once per process, and is no crash.
limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 -max_len=16777216 -detect_leaks=0)
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
artifacts="$out/artifacts-$target/"
mkdir -p "$artifacts"

regressions=(Tests/Fuzz/regressions/"$target"/*)
if [[ -e "${regressions[0]}" ]]; then
    echo "fuzz.sh: replaying ${#regressions[@]} regression inputs for $target"
    "$binary" "${limits[@]}" -artifact_prefix="$artifacts" "${regressions[@]}"
fi

corpus="$out/corpus-$target"
mkdir -p "$corpus"
if [[ -d "Tests/Fuzz/corpus/$target" ]]; then cp -n Tests/Fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true; fi
# Small reproducers seed the corpus too; big ones (deep nesting) only slow every mutation down.
if [[ -d "Tests/Fuzz/regressions/$target" ]]; then
    find "Tests/Fuzz/regressions/$target" -type f -size -64k -exec cp -n {} "$corpus"/ \; 2>/dev/null || true
fi
[[ "$seconds" -gt 0 ]] || exit 0
exec "$binary" "${limits[@]}" -artifact_prefix="$artifacts" -max_total_time="$seconds" -print_final_stats=1 "$@" "$corpus"
