#!/usr/bin/env bash
# Benchmark of `kigen run` end to end (read, select, lay out, write PDFs, the
# manifest and the ledger) on synthetic registries from `kigen sample`.
# Prints packets/s, bytes per packet and peak memory (GNU time: Debian's
# `time` package).
#
#   scripts/bench-run.sh                   # the two cases of the README:
#                                          #   100,000 rows with 10 % due (≈ 9,000 packets)
#                                          #   1,000,000 rows, default share due (≈ 40,000 packets)
#   ROWS=250000 DUE=4 scripts/bench-run.sh # one case
#   BIN=/path/to/old/kigen scripts/bench-run.sh   # another build (before/after)
set -euo pipefail
cd "$(dirname "$0")/.."
AS_OF=2026-11-26
DATA=bench-data
cargo build --release --quiet
bin=${BIN:-target/release/kigen}
gen=target/release/kigen # the data always comes from this build's generator
mkdir -p "$DATA"
if [ -n "${ROWS:-}" ]; then
  cases=("$ROWS:${DUE:-}")
else
  cases=("100000:10" "1000000:")
fi
for c in "${cases[@]}"; do
  rows=${c%%:*}
  due=${c#*:}
  f="$DATA/registry-$rows${due:+-due$due}.csv"
  [ -s "$f" ] || "$gen" sample --rows "$rows" --seed 7 --as-of "$AS_OF" ${due:+--due-percent "$due"} --out "$f"
  out=$(mktemp -d)
  # The profile is named by path so that an older build finds it too.
  /usr/bin/time -f '%e %M' -o "$out/time.txt" "$bin" run --input "$f" --as-of "$AS_OF" \
    --profile templates/saku --out "$out" --state "$out/state.sqlite" --quiet
  read -r secs kb < "$out/time.txt"
  packets=$(($(sed '1s/^\xEF\xBB\xBF//' "$out/$AS_OF/manifest.csv" | wc -l) - 1))
  bytes=$(cat "$out/$AS_OF"/print/*.pdf | wc -c)
  awk -v n="$packets" -v s="$secs" -v b="$bytes" -v kb="$kb" -v rows="$rows" 'BEGIN{
    printf "rows %d, packets %d, %.2f s, %.0f packets/s, %.2f KB/packet, peak %.0f MiB\n", rows, n, s, n/s, b/n/1024, kb/1024 }'
  rm -rf "$out"
done
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $(rustc --version)"
