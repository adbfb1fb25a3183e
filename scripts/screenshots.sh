#!/usr/bin/env bash
# Regenerate screenshots/: every pane of the demo drawn by the real renderer (SVG), plus PNGs
# when rsvg-convert (Debian: librsvg2-bin) is available. Run after changing how a pane looks.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cargo run --quiet --example screenshots -- screenshots
if command -v rsvg-convert >/dev/null 2>&1; then
    for f in screenshots/*.svg screenshots/themes/*.svg; do
        rsvg-convert --format png --output "${f%.svg}.png" "$f"
    done
    echo "PNGs written with rsvg-convert"
else
    echo "rsvg-convert not found: SVGs only (apt-get install librsvg2-bin for PNGs)" >&2
fi
