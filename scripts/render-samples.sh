#!/usr/bin/env bash
# Regenerates docs/samples/*.png: the pages of each packet kind as kigen renders
# them today, from input-samples/edge-cases.csv as of 2026-11-26; a letter to a
# 送付先, a bundle slip and the count sheet from input-samples/standard/.
# Needs pdftoppm (Debian package poppler-utils).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pdftoppm >/dev/null || { echo "pdftoppm missing: apt-get install poppler-utils" >&2; exit 2; }
cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The edge cases are written for the example 外字 table (E009 prints as 髙), which
# no shipped profile names: a copy of the built-in Saku profile that names it.
target/release/kigen init "$tmp/profile" >/dev/null
sed -i "s|^table = \"\"|table = \"$PWD/input-samples/gaiji-example.csv\"|" "$tmp/profile/profile.toml"
grep -q '^table = ".*gaiji-example.csv"' "$tmp/profile/profile.toml"
target/release/kigen run --input input-samples/edge-cases.csv --as-of 2026-11-26 --profile "$tmp/profile" \
  --out "$tmp/out" --state "$tmp/state.sqlite" --quiet
batch="$tmp/out/2026-11-26"
# manifest.csv (UTF-8 with BOM): seq,file,first_page,pages,resident_code,...,kind,...
page_of() { # resident code -> "file first_page"
  sed '1s/^\xEF\xBB\xBF//' "$batch/manifest.csv" | awk -F, -v c="$1" '$5 == c { print $2, $3 }'
}
render() { # name file first_page count
  local out="docs/samples/$1" file="$batch/$2" first=$3 n=$4
  pdftoppm -r 80 -png -f "$first" -l $((first + n - 1)) "$file" "$tmp/$1"
  local i=1
  for png in "$tmp/$1"-*.png; do
    cp "$png" "$out-page$i.png"
    i=$((i + 1))
  done
}
read -r f p < <(page_of E001); render card-notice "$f" "$p" 2
read -r f p < <(page_of E002); render certificate-notice "$f" "$p" 2
read -r f p < <(page_of E030); render minor-non-forwardable "$f" "$p" 1
# E007's card lapses with the period of stay: the residence letter (SPEC 15).
read -r f p < <(page_of E007); render residence-notice "$f" "$p" 1
# A 特定在留カード holder and the optional tokutei letter (SPEC 15): the wording
# and the card kinds in docs/samples/tokutei/letter.toml, appended to a copy of
# the Saku profile that names the registry's カード種別 column.
target/release/kigen init "$tmp/tokutei-profile" >/dev/null
sed -i 's|^legal_representative = "法定代理人氏名"$|&\ncard_kind = "カード種別"|' "$tmp/tokutei-profile/profile.toml"
grep -q '^card_kind = "カード種別"' "$tmp/tokutei-profile/profile.toml"
cat docs/samples/tokutei/letter.toml >> "$tmp/tokutei-profile/profile.toml"
target/release/kigen run --input docs/samples/tokutei/registry.csv --encoding utf-8 \
  --as-of 2026-12-31 --allow-future --profile "$tmp/tokutei-profile" \
  --out "$tmp/tokutei" --state "$tmp/tokutei.sqlite" --quiet
batch="$tmp/tokutei/2026-12-31"
read -r f p < <(page_of T001); render tokutei-notice "$f" "$p" 1
# The standard layout with its card file: a letter to a 送付先 (様方), and the
# mail room's pages.
target/release/kigen run --input input-samples/standard/registry.csv \
  --cards input-samples/standard/cards.csv --profile standard --as-of 2026-11-26 \
  --out "$tmp/std" --state "$tmp/std.sqlite" --quiet
batch="$tmp/std/2026-11-26"
mail_to=$(sed '1s/^\xEF\xBB\xBF//' "$batch/manifest.csv" | awk -F, '{ sub(/\r$/, "") } $19 == 1 { print $2, $3; exit }')
read -r f p <<< "$mail_to"; render mail-to-notice "$f" "$p" 1
render bundle-slips print/bundle-slips.pdf 1 1
render count-sheet print/count-sheet.pdf 1 1
ls -1 docs/samples
