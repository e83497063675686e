#!/usr/bin/env bash
# Rebuilds the token files in Samples/ from the shipped checkpoint and clips, with the
# toolkit itself (no Python): the demo clip's tokens and the fitted context model.
#   bash tools/make_samples.sh [SHARED_DIR [OUT_DIR]]   (defaults ../shared, for the training clips, and Samples)
# OUT_DIR other than Samples leaves the committed files alone, for comparing a rerun with them;
# TOKENTOOL=path uses that binary instead of building the release one.
# The context model learns from the codec's training clips only (bikes.mp4 and Big Buck Bunny
# before 3.6 s, see Samples/README.md), never from the demo clip it is shown on.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
out=${2:-Samples}
mkdir -p "$out"
if [[ -n "${TOKENTOOL:-}" ]]; then
    T=$TOKENTOOL
else
    swift build -c release --product tokentool >&2
    T=.build/release/tokentool
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The demo looks at 30 fps frames 3 apart (10 Hz), so the model is fitted at that spacing.
$T tokenize "$shared/samples/bikes.mp4" -o "$work/train" --fps 30 --ckpt Samples/magvit2-small.ckpt
$T tokenize "$shared/samples/bigbuckbunny.mp4" -o "$work/train" --fps 30 --max-frames 108 --append --ckpt Samples/magvit2-small.ckpt
$T fit "$work/train" -o "$out/context.model" --stride 3
rm -rf "$out/clip-tokens"
$T tokenize Samples/clip.mp4 -o "$out/clip-tokens" --fps 30 --ckpt Samples/magvit2-small.ckpt
# The metadata records where the checkpoint is, relative to the repository.
sed -i 's#"tokenizer_ckpt" : "[^"]*"#"tokenizer_ckpt" : "Samples/magvit2-small.ckpt"#' "$out/clip-tokens/metadata.json"
$T inspect "$out/clip-tokens"
