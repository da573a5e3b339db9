#!/usr/bin/env bash
# Regenerates tests/fixtures/fonts/fallback-mincho.ttf: a small subset of
# IPAmj明朝 (Debian package fonts-ipamj-mincho, 005.01-2.1) that the tests use
# as the fallback font, so that they never depend on a system font.
#
# Needs the Debian package fonts-ipamj-mincho (apt-get install
# fonts-ipamj-mincho) and fontTools from PyPI (pip install fonttools; made
# with 4.68.0). SRC=/path/to/ipamjm.ttf overrides the font's location.
#
# The IPA Font License v1.0 (Article 3.1) makes the subset a Derived Program:
# it must not carry the original's name as its font or file name, so the name
# table is rewritten ("Kigen Fixture Mincho") and the file has its own name; it
# is redistributed under the same licence, whose text lies beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

src=${SRC:-/usr/share/fonts/truetype/ipamj/ipamjm.ttf}
out=tests/fixtures/fonts/fallback-mincho.ttf
[ -f "$src" ] || { echo "$src missing: apt-get install fonts-ipamj-mincho" >&2; exit 2; }
command -v pyftsubset >/dev/null || { echo "pyftsubset missing: pip install fonttools" >&2; exit 2; }

# Ordinary text (kept so that a test may draw a whole name in this font),
# then rare name characters that IPAex lacks, then bases with registered
# variation sequences. Every character must be in the font (checked below).
ordinary='氏名山田太郎花子佐久市様西区一二三あいうえおかきくけこアイウエオ　0123456789'
rare=$'\U00020D58\U00020BB7\U00029D4B\U0002B746丄丌丟'
variants='葛辻邉'
text="$ordinary$rare$variants"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The variation selectors (U+E0100-E01EF) must be among the unicodes, or
# pyftsubset drops the cmap format 14 subtable.
pyftsubset "$src" \
  --text="$text" \
  --unicodes='U+E0100-E01EF' \
  --layout-features='*' \
  --glyph-names \
  --notdef-outline \
  --name-IDs='0,1,2,3,4,5,6,13,14' \
  --name-languages='*' \
  --output-file="$tmp/subset.ttf"

TEXT="$text" python3 - "$tmp/subset.ttf" "$out" fonts/ipaexm.ttf <<'EOF'
import os, sys
from fontTools.ttLib import TTFont

subset, out, ipaex = sys.argv[1:]
font = TTFont(subset, recalcTimestamp=False)

# Licence Article 3.1 (4): a derived font may not use or include the
# original's name. Family/full/PostScript/unique names are all replaced.
family, ps = "Kigen Fixture Mincho", "KigenFixtureMincho"
version = font["name"].getDebugName(5)
names = {1: family, 3: f"{ps} {version}; subset for kigen tests", 4: family, 6: ps}
for rec in font["name"].names:
    if rec.nameID in names:
        rec.string = names[rec.nameID]
for rec in font["name"].names:
    text = rec.toUnicode()
    assert "IPAmj" not in text or rec.nameID == 0, (rec.nameID, text)

# What the tests rely on.
text = os.environ["TEXT"]
cmap = font.getBestCmap()
missing = [c for c in text if ord(c) not in cmap]
assert not missing, f"not in the subset: {missing}"
ex = TTFont(ipaex).getBestCmap()
for c in "\U00020D58\U00020BB7\U00029D4B\U0002B746丄丌丟":
    assert ord(c) not in ex, f"IPAex has {c}: not a fallback character"
uvs = {}
for t in font["cmap"].tables:
    if t.format == 14:
        for vs, pairs in t.uvsDict.items():
            for u, g in pairs:
                uvs[(u, vs)] = g
kuzu = ord("葛")
assert uvs.get((kuzu, 0xE0102)) not in (None, cmap[kuzu]), "葛+E0102 is its own glyph"
assert (kuzu, 0xE0103) in uvs and uvs[(kuzu, 0xE0103)] in (None, cmap[kuzu]), "葛+E0103 is the plain glyph"
assert (kuzu, 0xE0100) not in uvs, "葛+E0100 is not registered"
font.save(out)
print(f"{out}: {os.path.getsize(out)} bytes, {len(cmap)} characters, "
      f"{len(uvs)} variation sequences, {font['maxp'].numGlyphs} glyphs")
EOF
sha256sum "$out"
