#!/usr/bin/env bash
# The paired run of SPEC 16 "Speed" (issue 20): kigen against the
# best-configured ReportLab peer (scripts/peer/), end to end, on one
# generated registry (100,000 rows, 10 % due), rounds interleaved
# (kigen, peer, kigen, peer, ...) so that both see the same machine load.
# Prints per tool the best wall time, packets, packets/s, the CPU seconds
# (user, sys) and peak memory of that run, and the ratios kigen/peer (by wall
# time, and by CPU time: the steadier one when the machine is busy).
#
#   pip install -r scripts/peer/requirements.txt   # once: nothing is installed here
#   cargo build --release                           # once: nothing is built here
#   scripts/bench-paired.sh
#   BIN=/path/to/kigen ROUNDS=5 scripts/bench-paired.sh
#
# Environment: BIN (kigen, default target/release/kigen), PYTHON (python3),
# ROWS (100000), DUE (10, percent due), ROUNDS (3), JOBS (the peer's worker
# processes, default: the number of cores, as kigen uses them).
set -euo pipefail
cd "$(dirname "$0")/.."
AS_OF=2026-11-26
bin=${BIN:-target/release/kigen}
py=${PYTHON:-python3}
rows=${ROWS:-100000}
due=${DUE:-10}
rounds=${ROUNDS:-3}
jobs=${JOBS:-$(nproc)}
TIME=/usr/bin/time

die() { echo "bench-paired: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no kigen binary at $bin (cargo build --release, or BIN=...)"
[ -x "$TIME" ] || die "GNU time is missing ($TIME: Debian's 'time' package)"
command -v "$py" >/dev/null || die "$py not found (PYTHON=...)"
"$py" - <<'EOF' || die "ReportLab is missing for $py: pip install -r scripts/peer/requirements.txt"
import sys
if sys.version_info < (3, 11):
    sys.exit("Python 3.11 or later is needed (tomllib)")
try:
    import reportlab  # noqa: F401
except ImportError:
    sys.exit(1)
EOF

mkdir -p bench-data
data="bench-data/registry-$rows-due$due.csv"
if [ ! -s "$data" ]; then
  "$bin" sample --rows "$rows" --seed 7 --as-of "$AS_OF" --due-percent "$due" --out "$data"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# packets in a manifest.csv (UTF-8 with BOM, one header line)
packets() { echo $(($(wc -l < "$1") - 1)); }

run_kigen() { # $1 = round
  local out="$work/kigen-$1"
  $TIME -f '%e %U %S %M' -o "$work/time" "$bin" run --input "$data" --as-of "$AS_OF" \
    --profile templates/saku --out "$out" --state "$out/state.sqlite" --quiet
  echo "kigen $1 $(cat "$work/time") $(packets "$out/$AS_OF/manifest.csv")" >> "$work/results"
  rm -rf "$out"
}

run_peer() { # $1 = round
  local out="$work/peer-$1"
  $TIME -f '%e %U %S %M' -o "$work/time" "$py" scripts/peer/reportlab_peer.py --input "$data" \
    --as-of "$AS_OF" --out "$out" --jobs "$jobs"
  echo "peer $1 $(cat "$work/time") $(packets "$out/$AS_OF/manifest.csv")" >> "$work/results"
  rm -rf "$out"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$work/results"
for r in $(seq 1 "$rounds"); do
  run_kigen "$r"
  run_peer "$r"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "registry: $data ($rows rows, $due % due), as-of $AS_OF, $rounds rounds interleaved"
echo "kigen: $bin; peer: scripts/peer/reportlab_peer.py --jobs $jobs ($("$py" -c 'import reportlab, sys; print("ReportLab", reportlab.Version, "Python", sys.version.split()[0])'))"
echo "rounds (tool round wall user sys peakKiB packets):"
sed 's/^/  /' "$work/results"
awk '
  { if (!($1 in best) || $3 < best[$1]) { best[$1] = $3; usr[$1] = $4; sys[$1] = $5; kb[$1] = $6; pk[$1] = $7 } }
  END {
    printf "%-6s %8s %8s %10s %8s %8s %9s %12s\n", "tool", "best s", "packets", "packets/s", "user s", "sys s", "peak MiB", "packets/CPUs"
    split("kigen peer", tools, " ")
    for (i = 1; i <= 2; i++) { t = tools[i]
      rate[t] = pk[t] / best[t]; cpu[t] = pk[t] / (usr[t] + sys[t])
      printf "%-6s %8.2f %8d %10.0f %8.2f %8.2f %9.0f %12.0f\n", t, best[t], pk[t], rate[t], usr[t], sys[t], kb[t] / 1024, cpu[t]
    }
    printf "ratio kigen/peer, packets/s (wall): %.2f\n", rate["kigen"] / rate["peer"]
    # On a busy machine the wall time measures the load as much as the tool.
    printf "ratio kigen/peer, packets per CPU second: %.2f\n", cpu["kigen"] / cpu["peer"]
    printf "packets: peer %+.2f %% of kigen\n", (pk["peer"] - pk["kigen"]) * 100 / pk["kigen"]
  }' "$work/results"
echo "machine: $(nproc) cores; load average before $load_before, after $load_after"
