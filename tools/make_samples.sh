#!/usr/bin/env bash
# Rebuilds the token files in Samples/ from the shipped checkpoint and clips, with the
# toolkit itself (no Python): the demo clip's tokens and the fitted context model.
#   bash tools/make_samples.sh [SHARED_DIR]     (default ../shared, for the training clips)
# The context model learns from the codec's training clips only (bikes.mp4 and Big Buck Bunny
# before 3.6 s, see Samples/README.md), never from the demo clip it is shown on.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
swift build -c release --product tokentool >&2
T=.build/release/tokentool
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The demo looks at 30 fps frames 3 apart (10 Hz), so the model is fitted at that spacing.
$T tokenize "$shared/samples/bikes.mp4" -o "$work/train" --fps 30 --ckpt Samples/magvit2-small.ckpt
$T tokenize "$shared/samples/bigbuckbunny.mp4" -o "$work/train" --fps 30 --max-frames 108 --append --ckpt Samples/magvit2-small.ckpt
$T fit "$work/train" -o Samples/context.model --stride 3
rm -rf Samples/clip-tokens
$T tokenize Samples/clip.mp4 -o Samples/clip-tokens --fps 30 --ckpt Samples/magvit2-small.ckpt
# The metadata records where the checkpoint is, relative to the repository.
sed -i 's#"tokenizer_ckpt" : "[^"]*"#"tokenizer_ckpt" : "Samples/magvit2-small.ckpt"#' Samples/clip-tokens/metadata.json
$T inspect Samples/clip-tokens
