#!/usr/bin/env bash
# Regenerates docs/samples/report.png: report.html of the sample batch
# (input-samples/registry-sample.csv as of 2026-11-26) as a browser shows it,
# and docs/samples/forecast.png: forecast.html of the same export.
# Needs Debian's chromium and a Japanese font (apt-get install chromium
# fonts-ipaexfont); with ImageMagick (apt-get install imagemagick) the empty
# space below the page is trimmed off.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "chromium missing: apt-get install chromium fonts-ipaexfont" >&2; exit 2; }
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/kigen"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" run --input input-samples/registry-sample.csv --as-of 2026-11-26 \
  --out "$tmp/out" --state "$tmp/state.sqlite" --quiet
# Headless Chromium shoots the window, not the page: a window taller than the
# report, trimmed below when ImageMagick is there.
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=1100,4200 --screenshot="$tmp/report.png" \
  "file://$tmp/out/2026-11-26/report.html" 2>/dev/null
if convert -version 2>/dev/null | grep -q ImageMagick; then
  convert "$tmp/report.png" -trim +repage -background white -gravity south -splice 0x24 \
    docs/samples/report.png
else
  cp "$tmp/report.png" docs/samples/report.png
fi
"$bin" forecast --input input-samples/registry-sample.csv --from 2026-11-26 \
  --out "$tmp/forecast" >/dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --window-size=900,1100 --screenshot="$tmp/forecast.png" \
  "file://$tmp/forecast/forecast.html" 2>/dev/null
if convert -version 2>/dev/null | grep -q ImageMagick; then
  convert "$tmp/forecast.png" -trim +repage -background white -gravity south -splice 0x24 \
    docs/samples/forecast.png
else
  cp "$tmp/forecast.png" docs/samples/forecast.png
fi
ls -l docs/samples/report.png docs/samples/forecast.png
