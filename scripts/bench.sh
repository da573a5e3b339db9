#!/usr/bin/env bash
# Benchmark of `kigen check` on synthetic CP932 registries (from `kigen sample`).
# Prints, per size: wall seconds (best of RUNS), rows/s and peak memory (max RSS).
# Uses GNU time (/usr/bin/time, Debian package `time`) for the peak memory.
#
#   scripts/bench.sh                # 250k, 1M and 2M rows
#   SIZES="1000000" RUNS=5 scripts/bench.sh
#   LAYOUT=standard SIZES=1000000 scripts/bench.sh
#   BIN=/path/to/old/kigen SIZES=1000000 scripts/bench.sh
#                                   # another build (before/after); the data
#                                   # always comes from this build's generator
#                                   # the standard layout: registry + card
#                                   # file (`--cards`, about 80 % of the rows)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"250000 1000000 2000000"}
RUNS=${RUNS:-3}
LAYOUT=${LAYOUT:-saku}
AS_OF=2026-11-26
DATA=bench-data
cargo build --release --quiet
mkdir -p "$DATA"
bin=${BIN:-target/release/kigen}
gen=target/release/kigen
echo "layout: $LAYOUT"
printf '%-10s %8s %12s %10s %10s\n' rows seconds rows/s "peak MiB" "file MB"
for n in $SIZES; do
  if [ "$LAYOUT" = standard ]; then
    f="$DATA/standard-$n.csv"
    c="$DATA/standard-cards-$n.csv"
    [ -s "$c" ] || "$gen" sample --rows "$n" --seed 7 --as-of "$AS_OF" --layout standard \
      --out "$f" --out-cards "$c"
    extra=(--profile standard --cards "$c")
  else
    f="$DATA/registry-$n.csv"
    [ -s "$f" ] || "$gen" sample --rows "$n" --seed 7 --as-of "$AS_OF" --out "$f"
    extra=()
  fi
  best=""
  peak=0
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$DATA/time.txt" \
      "$bin" check --input "$f" "${extra[@]}" --as-of "$AS_OF" --out "$DATA/out-$n" --quiet
    read -r secs kb < "$DATA/time.txt"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  awk -v n="$n" -v s="$best" -v kb="$peak" -v bytes="$(stat -c %s "$f")" \
    'BEGIN{printf "%-10d %8.2f %12.0f %10.0f %10.0f\n", n, s, n/s, kb/1024, bytes/1e6}'
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(rustc --version)"
