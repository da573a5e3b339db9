#!/usr/bin/env bash
# Benchmark of `kigen run` end to end (read, select, lay out, write PDFs and the
# manifest) on a synthetic registry with about 10,000 due residents.
# Prints packets/s, bytes per packet and peak memory (GNU time, Debian `time`).
#
#   scripts/bench-run.sh            # 250,000 rows ≈ 10,000 packets
#   ROWS=500000 scripts/bench-run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-250000}
AS_OF=2026-11-26
DATA=bench-data
cargo build --release --quiet
mkdir -p "$DATA"
bin=target/release/kigen
f="$DATA/registry-$ROWS.csv"
[ -s "$f" ] || "$bin" sample --rows "$ROWS" --seed 7 --as-of "$AS_OF" --out "$f"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
/usr/bin/time -f '%e %M' -o "$out/time.txt" "$bin" run --input "$f" --as-of "$AS_OF" --out "$out" --state "$out/state.sqlite" --quiet
read -r secs kb < "$out/time.txt"
packets=$(($(sed '1s/^\xEF\xBB\xBF//' "$out/$AS_OF/manifest.csv" | wc -l) - 1))
bytes=$(cat "$out/$AS_OF"/print/*.pdf | wc -c)
awk -v n="$packets" -v s="$secs" -v b="$bytes" -v kb="$kb" -v rows="$ROWS" 'BEGIN{
  printf "rows %d, packets %d, %.2f s, %.0f packets/s, %.2f KB/packet, peak %.0f MiB\n", rows, n, s, n/s, b/n/1024, kb/1024 }'
echo "machine: $(nproc) cores; $(rustc --version)"
