#!/usr/bin/env bash
# Builds kigen's packages into target/package/ (SPEC 14, "Packages"):
#   kigen_<version>-1_amd64.deb   (cargo-deb)
#   kigen-<version>-1.x86_64.rpm  (cargo-generate-rpm)
# each with the stripped release binary, the systemd units, the man pages and
# shell completions (`kigen generate-assets`), the licences and the README;
# then checks both: each is extracted into an empty root, whose binary runs
# the shipped sample, verifies the batch, and whose man page reads.
#
#   scripts/package.sh [--no-check]
#
# Needs cargo-deb and cargo-generate-rpm (installed from crates.io when
# missing), and for the check Debian's dpkg-deb, rpm2cpio, cpio and man-db
# (installed with apt-get when missing). Nothing is fetched at install or run
# time: the binary carries its profiles, fonts and postal data.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
check=1
[[ ${1:-} == --no-check ]] && check=0

need_cargo() { cargo "$1" --version >/dev/null 2>&1 || cargo install "cargo-$1" --locked; }
need_cargo deb
need_cargo generate-rpm

target_dir=${CARGO_TARGET_DIR:-$root/target}
pkg=$root/target/package
stage=$pkg/stage

echo "== building the release binary (profile dist: no debug info, stripped)"
cargo build --locked --profile dist --bin kigen
bin=$target_dir/dist/kigen
size=$(stat -c %s "$bin")
echo "   $bin: $((size / 1024 / 1024)) MiB"
if (( size > 30 * 1024 * 1024 )); then
    echo "package.sh: the binary is over 30 MB ($size bytes)" >&2
    exit 1
fi

echo "== staging the man pages and completions"
rm -rf "$stage"
mkdir -p "$pkg"
"$bin" generate-assets "$stage"
cp "$bin" "$stage/kigen"
gzip -9n "$stage"/man/*.1

echo "== building the packages"
rm -f "$pkg"/*.deb "$pkg"/*.rpm
cargo deb --no-build --no-strip --output "$pkg/"
cargo generate-rpm --output "$pkg/"
ls -l "$pkg"/*.deb "$pkg"/*.rpm

(( check )) || exit 0

echo "== checking: each package extracted into an empty root runs the sample"
missing=()
command -v dpkg-deb >/dev/null || missing+=(dpkg)
command -v rpm2cpio >/dev/null || missing+=(rpm2cpio)
command -v cpio >/dev/null || missing+=(cpio)
command -v man >/dev/null || missing+=(man-db)
if (( ${#missing[@]} )); then
    apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check_root() {
    local name=$1 r=$2
    local k=$r/usr/bin/kigen
    [[ -x $k ]] || { echo "$name: no usr/bin/kigen" >&2; exit 1; }
    for f in usr/lib/kigen/kigen-nightly etc/kigen/nightly.env \
             usr/share/man/man1/kigen-run.1.gz usr/share/doc/kigen/README.md; do
        [[ -e $r/$f ]] || { echo "$name: no $f" >&2; exit 1; }
    done
    local unit found=0
    for unit in lib/systemd/system usr/lib/systemd/system; do
        [[ -f $r/$unit/kigen-nightly.timer && -f $r/$unit/kigen-nightly.service ]] && found=1
    done
    (( found )) || { echo "$name: no kigen-nightly.service and .timer" >&2; exit 1; }
    [[ -n $(find "$r" -name 'IPA_Font_License_Agreement_v1.0.txt') ]] \
        || { echo "$name: no IPA font licence" >&2; exit 1; }
    "$k" --version
    # Started from an unrelated directory: the binary needs nothing beside itself.
    (cd "$work" && "$k" run --input "$root/input-samples/registry-sample.csv" --as-of 2026-11-26 \
        --out "$work/$name-out" --state "$work/$name-state/kigen.sqlite" --quiet)
    "$k" verify --state "$work/$name-state/kigen.sqlite" "$work/$name-out/2026-11-26" >/dev/null
    [[ $(man -l "$r/usr/share/man/man1/kigen-run.1.gz" 2>/dev/null) == *kigen-run* ]] \
        || { echo "$name: man kigen-run does not read" >&2; exit 1; }
    echo "   $name: binary runs the sample, the batch verifies, man kigen-run reads"
}
mkdir "$work/deb" "$work/rpm"
dpkg-deb -x "$pkg"/kigen_*.deb "$work/deb"
check_root deb "$work/deb"
# Debian's rpm2cpio exits 1 on cargo-generate-rpm's packages after writing the
# whole payload; cpio's status and the checks of the extracted files decide.
(cd "$work/rpm" && { rpm2cpio "$pkg"/kigen-*.rpm || true; } | cpio -idm --quiet)
check_root rpm "$work/rpm"
echo "== packages in $pkg: both checked"
