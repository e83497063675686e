#!/usr/bin/env bash
# Installs the Debian packages the toolkit builds against, skipping those already present.
# Safe to run again; needs root (or sudo) only when something is missing.
set -euo pipefail
packages=(pkg-config libavcodec-dev libavformat-dev libswscale-dev libavfilter-dev libavutil-dev libpng-dev libopenblas-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "swift not found: install Swift 6.0 or later (swift.org) and put it on PATH" >&2; exit 1; }
