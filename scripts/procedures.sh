#!/usr/bin/env bash
# Runs the README's mail-room procedure ("Sharing the print files with the
# mail room") exactly as printed, and checks what it promises: the mail-room
# account reads the night's PDFs and the reprint, and cannot write the ledger.
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
# The README's commands name /var/lib/kigen and /etc/kigen; they are run
# with those two paths moved under a temporary root (nothing else is
# changed), and `sudo -u USER` is `runuser -u USER --` (sudo need not be
# installed). The binary is the debug build ($CARGO_TARGET_DIR or target/,
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
    if [[ $1 == -u ]]; then
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
        sed -e "s#/var/lib/kigen#$tmp/var/lib/kigen#g" -e "s#/etc/kigen#$tmp/etc/kigen#g"
}

echo "== accounts, and an installed kigen under $tmp (as the package leaves it)"
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
install -d -m 0755 "$tmp/bin" "$tmp/etc/kigen" "$tmp/var/lib"
install -m 0755 "$bin" "$tmp/bin/kigen"
export PATH=$tmp/bin:$PATH
install -d -o kigen -g kigen -m 0750 "$tmp/var/lib/kigen"
install -d -o kigen -g kigen -m 0700 "$tmp/var/lib/kigen/incoming" "$tmp/var/lib/kigen/out" "$tmp/var/lib/kigen/state"
kigen init "$tmp/etc/kigen/profile" >/dev/null
chgrp -R kigen "$tmp/etc/kigen/profile"
chmod 0750 "$tmp/etc/kigen/profile" && chmod 0640 "$tmp/etc/kigen/profile/profile.toml"
runuser -u kigen -- "$tmp/bin/kigen" sample --rows 400 --seed 7 --as-of 2026-11-26 \
    --out "$tmp/var/lib/kigen/incoming/registry.csv" >/dev/null

echo "== the README's mail-room procedure"
script=$(procedure mail-room)
[[ -n $script ]] || { echo "procedures.sh: no mail-room block in README.md" >&2; exit 1; }
eval "$script"

echo "== what it promises"
fail() { echo "procedures.sh: FAILED: $*" >&2; exit 1; }
out=$tmp/var/lib/kigen/out/2026-11-26
ledger=$tmp/var/lib/kigen/state/kigen.sqlite
pdf=$(find "$out/print" -name 'notices-*.pdf' | sort | head -n 1)
[[ -n $pdf ]] || fail "no print file in $out/print"
[[ $(runuser -u mailroom -- head -c 5 "$pdf") == %PDF- ]] || fail "mailroom cannot read $pdf"
reprint=$(find "$tmp/var/lib/kigen/reprints" -name 'reprint-*.pdf' | head -n 1)
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
echo "procedures.sh: mail-room procedure OK (mailroom reads $(basename "$pdf") and the reprint; cannot write the ledger)"
