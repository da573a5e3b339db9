#!/usr/bin/env bash
# Runs the README's procedures exactly as printed, each in a fresh root, and
# checks what each promises:
#   going-live  ledger import of half the night; the night prints the others
#   retention   archive and purge of an old batch; verify finds it; nights go on
#   backup      backup, then restore: ledger check passes, the old one is kept
#   mail-room   the mail-room account reads the night's PDFs and a reprint,
#               and cannot write the ledger
# (The install procedure is scripts/package.sh's to check.)
#
#   sudo scripts/procedures.sh [KIGEN_BINARY]
#
# NEEDS ROOT: it creates the group `kigen-mail`, the account `mailroom` and
# (when absent) the system account `kigen` (groupadd, useradd, usermod), runs
# commands as them with runuser, and removes everything it created when it
# ends (the accounts and group it made, its root under /tmp), failing or not.
# An account or group that existed before is left as it was (only its
# membership of kigen-mail, which this script adds, goes with the group).
#
# The README's commands name /var/lib/kigen, /etc/kigen, /backup and
# /archive; they are run with those paths moved under a temporary root
# (nothing else is changed); `sudo -u USER` is `runuser -u USER --` (sudo
# need not be installed) and `sudo systemctl …` is skipped (no systemd
# there). The binary is the debug build ($CARGO_TARGET_DIR or target/,
# built if missing) unless one is given.
set -euo pipefail

root_dir=$(cd "$(dirname "$0")/.." && pwd)
readme=$root_dir/README.md
if [[ $(id -u) != 0 ]]; then
    echo "procedures.sh: needs root (it creates accounts and a group)" >&2
    exit 2
fi
bin=${1:-${CARGO_TARGET_DIR:-$root_dir/target}/debug/kigen}
if [[ ! -x $bin ]]; then
    (cd "$root_dir" && cargo build --locked --bin kigen)
fi

tmp=$(mktemp -d /tmp/kigen-procedures.XXXXXX)
made_users=() made_groups=()
cleanup() {
    for u in "${made_users[@]}"; do userdel "$u" 2>/dev/null || true; done
    for g in "${made_groups[@]}"; do groupdel "$g" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# The README's `sudo -u USER cmd …` and `sudo cmd …`, as root, without sudo.
sudo() {
    if [[ $1 == systemctl ]]; then
        echo "   (skipped: sudo $*)"
    elif [[ $1 == -u ]]; then
        local user=$2
        shift 2
        runuser -u "$user" -- "$(command -v "$1")" "${@:2}"
    else
        "$@"
    fi
}

# The commands of the README block marked `<!-- procedures.sh: NAME -->`,
# continuation lines joined, the two system paths moved under $tmp.
procedure() {
    awk -v mark="<!-- procedures.sh: $1 -->" '
        $0 == mark { on = 1; next }
        on && /^```sh$/ { inside = 1; next }
        inside && /^```$/ { exit }
        inside { print }' "$readme" |
        sed -E -e "s#(^|[ \"(=])(/var/lib/kigen|/etc/kigen|/backup/|/archive/)#\1$r\2#g"
}

# Runs the README's block NAME (in $r), stopping at its first failure.
run_procedure() {
    local script
    script=$(procedure "$1")
    [[ -n $script ]] || { echo "procedures.sh: no $1 block in README.md" >&2; exit 1; }
    echo "== the README's $1 procedure"
    eval "$script"
}

fail() { echo "procedures.sh: FAILED: $*" >&2; exit 1; }

# A fresh root $r = $tmp/NAME as the package leaves a server: the kigen
# directories, a profile from `kigen init`, and a sample export for AS_OF.
fresh_root() {
    r=$tmp/$1
    install -d -m 0755 "$r" "$r/etc/kigen" "$r/var/lib"
    install -d -o kigen -g kigen -m 0750 "$r/var/lib/kigen"
    install -d -o kigen -g kigen -m 0700 "$r/var/lib/kigen/incoming" "$r/var/lib/kigen/out" "$r/var/lib/kigen/state"
    kigen init "$r/etc/kigen/profile" >/dev/null
    chgrp -R kigen "$r/etc/kigen/profile"
    chmod 0750 "$r/etc/kigen/profile" && chmod 0640 "$r/etc/kigen/profile/profile.toml"
    export_for "$2"
}

# Tonight's export in $r's incoming/, a sample for the date $1.
export_for() {
    runuser -u kigen -- "$tmp/bin/kigen" sample --rows 400 --seed 7 --as-of "$1" \
        --out "$r/var/lib/kigen/incoming/registry.csv" >/dev/null
}

# A night as the timer runs it.
night() {
    runuser -u kigen -- "$tmp/bin/kigen" run --input "$r/var/lib/kigen/incoming/registry.csv" \
        --as-of "$1" --profile "$r/etc/kigen/profile" --out "$r/var/lib/kigen/out" \
        --state "$r/var/lib/kigen/state/kigen.sqlite" --quiet
}

# The resident codes of a manifest, sorted.
residents() { python3 -c 'import csv,sys
print("\n".join(sorted({r["resident_code"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))})))' "$1"; }

going_live() {
    fresh_root going-live 2026-11-26
    # What the night would print, on a scratch ledger; half of it "sent before".
    local scratch=$tmp/going-live-scratch
    install -d -o kigen -g kigen -m 0700 "$scratch"
    runuser -u kigen -- "$tmp/bin/kigen" run --input "$r/var/lib/kigen/incoming/registry.csv" \
        --as-of 2026-11-26 --profile "$r/etc/kigen/profile" --out "$scratch/out" \
        --state "$scratch/kigen.sqlite" --quiet
    python3 - "$scratch/out/2026-11-26/manifest.csv" "$r/var/lib/kigen/incoming/NOTICES.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("resident_code,item,expiry,sent_on\n")
    for i, r in enumerate(rows):
        if i % 2 == 0:
            for item in ("card", "user_cert", "sign_cert"):
                if r[item + "_due"] == "1":
                    f.write(f"{r['resident_code']},{item},{r[item + '_expiry']},2026-11-01\n")
PY
    chown kigen:kigen "$r/var/lib/kigen/incoming/NOTICES.csv"
    run_procedure going-live
    local all sent printed
    all=$(residents "$scratch/out/2026-11-26/manifest.csv")
    sent=$(tail -n +2 "$r/var/lib/kigen/incoming/NOTICES.csv" | cut -d, -f1 | sort -u)
    printed=$(residents "$r/var/lib/kigen/out/2026-11-26/manifest.csv")
    [[ -n $sent && -n $printed ]] || fail "going-live: nothing imported or nothing printed"
    [[ -z $(comm -12 <(echo "$sent") <(echo "$printed")) ]] || fail "going-live: an imported resident was printed"
    [[ $(sort -u <(echo "$sent"; echo "$printed")) == "$all" ]] || fail "going-live: the night did not print the others"
}

retention() {
    fresh_root retention 2021-11-26
    night 2021-11-26
    run_procedure retention
    local a=$r/archive/kigen/2021-11-26
    [[ ! -e $r/var/lib/kigen/out/2021-11-26 ]] || fail "retention: the batch is still in out/"
    [[ -f $a/purged.json && -f $a/summary.json && ! -e $a/manifest.csv ]] || fail "retention: $a not purged"
    export_for 2026-11-26
    night 2026-11-26 || fail "retention: the next night did not run"
}

backup() {
    fresh_root backup 2026-11-26
    night 2026-11-26
    run_procedure backup
    local state=$r/var/lib/kigen/state/kigen.sqlite
    [[ -f $state.replaced-1 ]] || fail "backup: the replaced ledger was not kept"
    runuser -u kigen -- "$tmp/bin/kigen" ledger check --state "$state" --out "$r/var/lib/kigen/out" >/dev/null ||
        fail "backup: ledger check fails after the restore"
}

mail_room() {
    fresh_root mail-room 2026-11-26
    run_procedure mail-room
    echo "== what it promises"
    local out=$r/var/lib/kigen/out/2026-11-26
    local ledger=$r/var/lib/kigen/state/kigen.sqlite
    local pdf reprint before
    pdf=$(find "$out/print" -name 'notices-*.pdf' | sort | head -n 1)
    [[ -n $pdf ]] || fail "no print file in $out/print"
    [[ $(runuser -u mailroom -- head -c 5 "$pdf") == %PDF- ]] || fail "mailroom cannot read $pdf"
    reprint=$(find "$r/var/lib/kigen/reprints" -name 'reprint-*.pdf' | head -n 1)
    [[ -n $reprint ]] || fail "no reprint written"
    [[ $(runuser -u mailroom -- head -c 5 "$reprint") == %PDF- ]] || fail "mailroom cannot read $reprint"
    [[ $(stat -c %a:%G "$pdf") == 640:kigen-mail ]] || fail "$pdf is $(stat -c %a:%G "$pdf")"
    [[ $(stat -c %a:%U "$ledger") == 600:kigen ]] || fail "the ledger is $(stat -c %a:%U "$ledger")"
    before=$(sha256sum "$ledger")
    if runuser -u mailroom -- sh -c ': >> "$1"' sh "$ledger" 2>/dev/null; then
        fail "mailroom could open the ledger for writing"
    fi
    if runuser -u mailroom -- "$tmp/bin/kigen" returned --state "$ledger" \
        --document 佐市民第20261126-00003号 --reason moved >/dev/null 2>&1; then
        fail "mailroom recorded a return in the ledger"
    fi
    [[ $(sha256sum "$ledger") == "$before" ]] || fail "the ledger changed"
    runuser -u kigen -- "$tmp/bin/kigen" verify "$out" --state "$ledger" >/dev/null ||
        fail "the shared batch does not verify"
}

echo "== accounts, and the binary under $tmp"
if ! getent passwd kigen >/dev/null; then
    useradd --system --home-dir /var/lib/kigen --shell /usr/sbin/nologin --user-group kigen
    made_users+=(kigen)
    made_groups+=(kigen)
fi
getent group kigen-mail >/dev/null && { echo "procedures.sh: group kigen-mail exists already" >&2; exit 2; }
getent passwd mailroom >/dev/null && { echo "procedures.sh: account mailroom exists already" >&2; exit 2; }
made_groups+=(kigen-mail)
useradd --no-create-home --shell /usr/sbin/nologin --user-group mailroom
made_users+=(mailroom)
made_groups+=(mailroom)
chmod 0755 "$tmp"
install -d -m 0755 "$tmp/bin"
install -m 0755 "$bin" "$tmp/bin/kigen"
export PATH=$tmp/bin:$PATH

going_live
retention
backup
mail_room
echo "procedures.sh: going-live, retention, backup and mail-room procedures OK"
