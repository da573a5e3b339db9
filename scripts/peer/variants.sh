#!/usr/bin/env bash
# The peer's configurations, measured on one registry, rounds interleaved:
# best wall, CPU (user + sys) and bytes a packet of each. The table in
# README.md comes from this script.
#
#   scripts/peer/variants.sh [REGISTRY.csv]      # ROUNDS=2 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
AS_OF=2026-11-26
data=${1:-bench-data/registry-100000-due10.csv}
[ -s "$data" ] || { echo "variants: no registry $data (run scripts/bench-paired.sh once, or give one)" >&2; exit 1; }
py=${PYTHON:-python3}
rounds=${ROUNDS:-2}
variants=(
  "best:"
  "no-forms:--no-forms"
  "drawstring:--drawstring"
  "uncompressed:--compress 0"
  "a85:--a85"
  "no-accel:--no-accel"
  "one-process:--jobs 1"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/results"
for r in $(seq 1 "$rounds"); do
  for v in "${variants[@]}"; do
    name=${v%%:*}
    # shellcheck disable=SC2086 # the options are words
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$py" scripts/peer/reportlab_peer.py \
      --input "$data" --as-of "$AS_OF" --out "$work/out" ${v#*:}
    bytes=$(cat "$work/out/$AS_OF"/print/*.pdf | wc -c)
    packets=$(($(wc -l < "$work/out/$AS_OF/manifest.csv") - 1))
    echo "$name $(cat "$work/time") $bytes $packets" >> "$work/results"
    rm -rf "$work/out"
  done
done
awk '
  { if (!($1 in best) || $2 < best[$1]) best[$1] = $2
    if (!($1 in cpu) || $3 + $4 < cpu[$1]) cpu[$1] = $3 + $4
    if (!($1 in b)) names[++n] = $1
    b[$1] = $6; p[$1] = $7 }
  END {
    printf "%-13s %8s %8s %12s %9s\n", "variant", "best s", "CPU s", "KB/packet", "packets"
    for (i = 1; i <= n; i++) { v = names[i]
      printf "%-13s %8.2f %8.2f %12.2f %9d\n", v, best[v], cpu[v], b[v] / p[v] / 1024, p[v] }
  }' "$work/results"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
