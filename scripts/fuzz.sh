#!/usr/bin/env bash
# Fuzzes kigen's registry reader, date parser, card file reader and returns file
# reader with cargo-fuzz (libFuzzer) on the stable toolchain, for a given time per target.
#
#   scripts/fuzz.sh [TARGET…] [--seconds N]
#
# TARGET is `reader`, `dates`, `cards` or `returns` (default: all, one after the other);
# N is the time per target (default 600). The corpus is rebuilt from
# input-samples/*.csv and fuzz/seeds/ into fuzz/corpus/TARGET (not committed;
# what libFuzzer adds is kept there between runs). Logs go to
# fuzz/logs/TARGET-STAMP/, crash inputs to fuzz/artifacts/TARGET/.
# Exits 1 when a target crashes (after printing where the input is).
#
# Environment:
#   FUZZ_SANITIZER    address (default) or none: ASan works on stable, since
#                     its runtime ships with the standard library.
#   FUZZ_NICE         niceness of the build and the fuzzer (default 19).
#   CARGO_TARGET_DIR  where to build (default fuzz/target).
#
# Stable works because cargo-fuzz's only nightly-only flags are rustc flags
# (-Zsanitizer, -Cllvm-args=-sanitizer-coverage-*, --cfg fuzzing):
# RUSTC_BOOTSTRAP=1 lets the stable compiler accept them. `--build-std` is
# not used (it would need the nightly rust-src component).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$root/fuzz
all_targets=(reader dates cards returns)
targets=()
seconds=600

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
        --seconds=*) seconds=${1#--seconds=}; shift ;;
        -h|--help) usage 0 ;;
        reader|dates|cards|returns) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument '$1'" >&2; usage 2 ;;
    esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "fuzz.sh: --seconds must be a positive number" >&2; exit 2; }
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

sanitizer=${FUZZ_SANITIZER:-address}
niceness=${FUZZ_NICE:-19}
target_dir=${CARGO_TARGET_DIR:-$fuzz_dir/target}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

# Same flags for the build and the run, or `cargo fuzz run` rebuilds.
fuzz_flags=(--fuzz-dir "$fuzz_dir" --sanitizer "$sanitizer" --target-dir "$target_dir"
            --codegen-units 16)

seed_reader() {
    local corpus=$1 f base
    for f in "$root"/input-samples/*.csv "$fuzz_dir"/seeds/reader/*; do
        [[ -f $f ]] || continue
        base=$(basename "$f")
        # Whole files up to the input size limit; larger ones only as records.
        if [[ $(stat -c %s "$f") -le 8192 ]]; then
            cp "$f" "$corpus/seed-$base"
        fi
    done
    # One seed per record, each under its file's header (quotes respected:
    # a record with a quoted line break stays one seed).
    python3 - "$corpus" "$root"/input-samples/*.csv <<'EOF' || echo "   (python3 failed: whole files only)"
import csv, io, os, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    raw = open(path, 'rb').read()
    # latin-1 maps bytes 1:1, and CSV structure is ASCII in CP932 and UTF-8.
    rows = list(csv.reader(io.StringIO(raw.decode('latin-1'), newline='')))
    if not rows:
        continue
    def line(r):
        s = io.StringIO()
        csv.writer(s, lineterminator='\r\n').writerow(r)
        return s.getvalue().encode('latin-1')
    head = line(rows[0])
    name = os.path.basename(path).rsplit('.', 1)[0]
    for i, r in enumerate(rows[1:], start=2):
        with open(os.path.join(out, f'seed-{name}-{i:05}'), 'wb') as f:
            f.write(head + line(r))
EOF
}

# The card file's and the returns file's seeds: fuzz/seeds/TARGET/ (and, for
# the card file, the standard layout's sample).
seed_cards() {
    local corpus=$1 f
    for f in "$fuzz_dir"/seeds/cards/* "$root"/input-samples/standard/cards.csv; do
        [[ -f $f && $(stat -c %s "$f") -le 8192 ]] && cp "$f" "$corpus/seed-$(basename "$f")"
    done
    return 0
}

seed_returns() {
    local corpus=$1 f
    for f in "$fuzz_dir"/seeds/returns/*; do
        [[ -f $f ]] && cp "$f" "$corpus/seed-$(basename "$f")"
    done
    return 0
}

seed_dates() {
    local corpus=$1 n=0 line f
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        printf '%s' "$line" > "$corpus/seed-$(printf %03d $n)"
    done < "$fuzz_dir/seeds/dates.txt"
    for f in "$fuzz_dir"/seeds/dates/*; do
        [[ -f $f ]] && cp "$f" "$corpus/seed-$(basename "$f")"
    done
    return 0
}

# The log of a run: `-jobs=1` makes libFuzzer write the fuzzing process's
# output to fuzz-0.log in the working directory.
figures() {
    local target=$1 log=$2 corpus=$3 crashes=$4 secs=$5
    local execs rate added done_line
    final_stat() { grep -o "stat::$1: *[0-9]*" "$log" | tail -1 | grep -o '[0-9]*$' || true; }
    execs=$(final_stat number_of_executed_units)
    rate=$(final_stat average_exec_per_sec)
    added=$(final_stat new_units_added)
    done_line=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -1 || true)
    echo "== $target: figures"
    echo "   time          ${secs} s (-max_total_time=$seconds)"
    echo "   executions    ${execs:-?}"
    echo "   exec/s        ${rate:-?}"
    echo "   coverage      $(grep -o 'cov: [0-9]*' <<<"$done_line" | tail -1 || true) $(grep -o 'ft: [0-9]*' <<<"$done_line" || true)"
    echo "   corpus        $(find "$corpus" -type f | wc -l) files ($(grep -o 'corp: [^ ]*' <<<"$done_line" | sed 's/corp: //' || true) in memory, ${added:-?} added)"
    echo "   crashes       $crashes"
    echo "   last status   ${done_line:-none}"
    echo "   log           $log"
}

status=0
for target in "${targets[@]}"; do
    corpus=$fuzz_dir/corpus/$target
    artifacts=$fuzz_dir/artifacts/$target
    mkdir -p "$corpus" "$artifacts"
    echo "== $target: seeding $corpus"
    "seed_$target" "$corpus"
    echo "   $(find "$corpus" -type f | wc -l) files"

    echo "== $target: building (sanitizer: $sanitizer)"
    nice -n "$niceness" cargo fuzz build "${fuzz_flags[@]}" "$target"

    case $target in
        reader) max_len=8192 ;;
        dates) max_len=128 ;;
        cards|returns) max_len=4096 ;;
    esac
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    logdir=$fuzz_dir/logs/$target-$stamp
    mkdir -p "$logdir"
    before=$(find "$artifacts" -type f | wc -l)
    echo "== $target: fuzzing for $seconds s ($(date -u '+%Y-%m-%d %H:%M UTC')), log in $logdir"
    start=$(date +%s)
    rc=0
    (cd "$logdir" && nice -n "$niceness" cargo fuzz run "${fuzz_flags[@]}" "$target" "$corpus" -- \
        -jobs=1 -workers=1 -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -print_final_stats=1 >"$logdir/cargo-fuzz.out" 2>&1) || rc=$?
    end=$(date +%s)
    log=$logdir/fuzz-0.log
    [[ -f $log ]] || log=$logdir/cargo-fuzz.out
    new=$(( $(find "$artifacts" -type f | wc -l) - before ))
    figures "$target" "$log" "$corpus" "$new" "$((end - start))"
    if [[ $rc -ne 0 || $new -gt 0 ]]; then
        status=1
        echo "!! $target: the fuzzer stopped with exit code $rc; crash inputs in $artifacts:"
        find "$artifacts" -type f -newermt "@$start" -printf '   %p\n'
        grep -m1 -A3 -E 'panicked at|ERROR: (AddressSanitizer|libFuzzer)' "$log" | sed 's/^/   /' || true
        echo "   reproduce: RUSTC_BOOTSTRAP=1 cargo fuzz run ${fuzz_flags[*]} $target <file>"
        echo "   minimise:  RUSTC_BOOTSTRAP=1 cargo fuzz tmin ${fuzz_flags[*]} $target <file>"
    fi
done
exit $status
