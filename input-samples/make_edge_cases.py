#!/usr/bin/env python3
"""Writes input-samples/edge-cases.csv (CP932) and edge-cases-expected.csv.

One row per reject reason and per exception code, plus the structural cases
(quoted line breaks, lone CR, a blank line, an unclosed quote). The expected
file is what `kigen check --as-of 2026-11-26` must make of each row; the
integration tests (tests/edge_cases.rs) hold the program to it, and
input-samples/README.md explains each row.

Run: python3 input-samples/make_edge_cases.py   (standard library only)
"""
import csv, io, os

HEADER = ["住民コード", "個人番号", "氏名", "氏名カナ", "生年月日", "性別", "住民状態", "郵便番号",
          "住所", "方書", "カード申請日", "カード発行日", "カード有効期限",
          "利用者証明用電子証明書発行日", "利用者証明用電子証明書有効期限",
          "署名用電子証明書発行日", "署名用電子証明書有効期限", "在留期間満了日", "転送不要",
          "法定代理人氏名"]
N = len(HEADER)
HERE = os.path.dirname(os.path.abspath(__file__))

rows = []   # (raw bytes of the record including its line end, expectation dict)


def enc(s):
    return s.encode("cp932")


def field(v):
    if isinstance(v, bytes):
        return v
    if any(c in v for c in ',"\r\n'):
        return b'"' + enc(v.replace('"', '""')) + b'"'
    return enc(v)


def row(code, name="佐久　太郎", kana="サク　タロウ", birth="1970-01-15", status="住民",
        postal="385-0051", addr="長野県佐久市中込1丁目2番3号", extra="", applied="", issued="",
        card_exp="", user_iss="", user_exp="", sign_iss="", sign_exp="", stay="", nf="",
        rep="", mynumber="123456789018", sex="男", end=b"\r\n", fields=None):
    vals = [code, mynumber, name, kana, birth, sex, status, postal, addr, extra, applied, issued,
            card_exp, user_iss, user_exp, sign_iss, sign_exp, stay, nf, rep]
    if fields is not None:
        vals = fields
    return b",".join(field(v) for v in vals) + end


def add(raw, outcome, what, reject_field="", exceptions=(), expiries=("", "", "")):
    rows.append((raw, dict(outcome=outcome, what=what, reject_field=reject_field,
                           exceptions=" ".join(exceptions), expiries=expiries)))


# Issued with the card 2017-03-01, adult: card 10th birthday 2027-01-15 (due on
# 2026-11-26); certificates 5th birthday 2022-01-15 were renewed 2022-02-01 → 2027-01-15.
add(row("E001", issued="2017-03-01", applied="2017-02-01", user_iss="2022-02-01",
        sign_iss="2022-02-01"),
    "printed", "card notice: the card and both certificates are due",
    expiries=("2027-01-15", "2027-01-15", "2027-01-15"))
add(row("E002", name="浅科　花子", kana="アサシナ　ハナコ", birth="1985-02-10", applied="2021-12-10",
        issued="2022-01-20", user_iss="2022-03-01", sign_iss="2022-03-01",
        card_exp="2031-02-10"),
    "printed", "certificate notice: certificates due, the card (recorded) not",
    expiries=("2031-02-10", "2027-02-10", "2027-02-10"))
add(row("E003", birth="1990-06-01", issued="2024-06-10", user_iss="2024-06-10",
        sign_iss="2024-06-10"),
    "not-due", "nothing in the window", expiries=("2034-06-01", "2029-06-01", "2029-06-01"))
add(row("E004", user_iss="2022-02-01"), "no-item",
    "no カード発行日: no item, whatever the certificate columns hold")
add(row("E005", status="転出", birth="昭和64年1月8日", postal="?"), "excluded",
    "転出: excluded on its status alone, the invalid date and postal code are not checked")
add(row("E006", status="死亡", issued="2017-03-01"), "excluded", "死亡")
add(row("E007", name="グエン　ヴァン　アン", kana="グエン　ヴァン　アン", birth="1992-03-03",
        issued="2024-05-01", user_iss="2024-05-01", sign_iss="2024-05-01", stay="2027-01-31"),
    "residence-period", "the period of stay (2027-01-31) decides every item: no notice",
    expiries=("2027-01-31", "2027-01-31", "2027-01-31"))
add(row("E008", name="佐久　\ue010子", issued="2017-03-01", user_iss="2022-02-01",
        sign_iss="2022-02-01"),
    "held", "due, but the name holds an unmapped 外字 (U+E010, bytes F0 50)",
    expiries=("2027-01-15", "2027-01-15", "2027-01-15"))
add(row("E009", name="\ue000橋　一郎", kana="タカハシ　イチロウ", issued="2017-03-01",
        user_iss="2022-02-01", sign_iss="2022-02-01"),
    "printed", "due; the 外字 U+E000 is mapped to 髙 by the example table gaiji-example.csv",
    expiries=("2027-01-15", "2027-01-15", "2027-01-15"))
add(row("E010", birth="1990-06-01", issued="2024-06-10", card_exp="2034-06-02",
        user_iss="2024-06-10", sign_iss="2024-06-10"),
    "not-due", "recorded card expiry one day off the computed 2034-06-01",
    exceptions=["expiry-mismatch"], expiries=("2034-06-02", "2029-06-01", "2029-06-01"))
add(row("E011", birth="2000-02-29", issued="2021-03-01", user_iss="2022-03-01",
        sign_iss="2022-03-01"),
    "not-due", "born 29 February, expiries computed (feb28 reading)",
    exceptions=["feb29"], expiries=("2031-02-28", "2027-02-28", "2027-02-28"))
add(row("E012", birth="2005-06-10", applied="2023-05-20", issued="2023-06-20",
        user_iss="2023-06-20", sign_iss="2023-06-20"),
    "not-due", "17 at application, 18 at issue: 5-year card by the seed's reading",
    exceptions=["age-basis"], expiries=("2028-06-10", "2028-06-10", "2028-06-10"))
add(row("E013", name="小諸　翔", kana="コモロ　ショウ", birth="2012-08-20", issued="2024-01-10",
        user_iss="2024-01-10", sign_iss="2024-01-10", rep="小諸　健"),
    "not-due", "signing certificate issued at 11",
    exceptions=["sign-cert-under-15"], expiries=("2028-08-20", "2028-08-20", "2028-08-20"))
add(row("E014", birth="1960-03-01", issued="2014-01-01"),
    "not-due", "card expired 2023-03-01 and never noticed",
    exceptions=["expired-unnoticed"], expiries=("2023-03-01", "", ""))
add(row("E015", name=""), "rejected", "氏名 is required", reject_field="氏名")
add(row("E016", birth="昭和64年1月8日"), "rejected", "昭和 ends 1989-01-07",
    reject_field="生年月日")
add(row("E017", issued="令和5年2月29日"), "rejected", "not a calendar date",
    reject_field="カード発行日")
add(row("E018", postal="12345"), "rejected", "postal code is not 7 digits",
    reject_field="郵便番号")
add(row("E019", nf="2"), "rejected", "転送不要 value not in the listed spellings",
    reject_field="転送不要")
add(row("E020-TOO-LONG-CODE"), "rejected", "住民コード longer than 15 characters",
    reject_field="住民コード")
add(row("E021", status=""), "rejected", "住民状態 is empty", reject_field="住民状態")
add(b"E022,123456789018,\x8d\xb2\x8bv\x81@\x91\xbe\x98Y,1970-01-15\r\n", "rejected",
    "4 fields where the header has 20", reject_field="(row)")
add(row("E023", addr=b"\x92\xb7\x96\xec\x8c\xa7\x82\x20\x8d\xb2\x8bv\x8es"), "rejected",
    "bytes 0x82 0x20 in 住所 are not CP932", reject_field="住所")
add(row("E024", status="転出", sex=b"\xfd"), "rejected",
    "a byte that is not CP932 in an unread column rejects even a 転出 row", reject_field="性別")
add(row("E025", issued="2024-06-10"), "rejected", "住民コード E025 shared by two 住民 rows",
    reject_field="住民コード")
add(row("E025", name="佐久　次郎", issued="2024-06-10"), "rejected", "… its second copy",
    reject_field="住民コード")
add(row("E026", status="転出"), "excluded", "E026 also appears on the next row, as 転出 here")
add(row("E026", birth="1990-06-01", issued="2024-06-10"), "not-due",
    "a code shared with a 転出 row only is not a duplicate", expiries=("2034-06-01", "", ""))
add(row("E027", birth="2020-01-01", issued="2019-12-01"), "not-due",
    "card issued before the birth date: evaluated (birthdays count from the birth), reported",
    exceptions=["issued-before-birth", "expired-unnoticed"], expiries=("2025-01-01", "", ""))
add(row("E028", postal="385-0022", addr="長野県佐久市岩村田1234番地5\r\nサンハイツ, 2階", issued="2017-03-01",
        user_iss="2022-02-01", sign_iss="2022-02-01", nf="○"),
    "printed", "quoted address with a line break and a comma (two physical lines); 転送不要 ○",
    expiries=("2027-01-15", "2027-01-15", "2027-01-15"))
add(row("E029", kana="ｻｸ ｼﾞﾛｳ", postal="３８５－００５１", status="\u3000住民\u3000",
        birth="Ｓ45.1.15", issued="２０１７／３／１", end=b"\r"),
    "printed", "half-width kana, full-width postal code and dates, U+3000 around 住民; ends with a lone CR",
    expiries=("2027-01-15", "", ""))
rows.append((b"\r\n", None))  # a blank line: no row, but it counts as a line
add(row("E030", name="髙﨑　みどり", kana="タカサキ　ミドリ", birth="2013-01-20",
        issued="2022-03-05", user_iss="2022-03-05", rep="髙﨑　誠", nf="有"),
    "printed", "minor (5-year card) with a legal representative, NEC/IBM extension kanji, 転送不要 有",
    expiries=("2027-01-20", "2027-01-20", ""))
add(row("E031", birth="H1.1.8", issued="R4.3.1", applied="5040201", user_iss="R4.3.1",
        user_exp="令和9年1月8日"),
    "printed", "compact 和暦 and the 7-digit era code; recorded certificate expiry",
    expiries=("2032-01-08", "2027-01-08", ""))
add(row("E032", birth="1970-01-15", issued="2017-03-01", user_iss="2017-03-01", sign_iss="2017-03-01",
        user_exp="2022-01-15", sign_exp="2022-01-15"),
    "printed", "card due; certificates expired long ago and never noticed",
    exceptions=["expired-unnoticed", "expired-unnoticed"],
    expiries=("2027-01-15", "2022-01-15", "2022-01-15"))
add(row("E033", nf="YES", issued="2024-06-10", birth="1990-06-01"), "not-due",
    "転送不要 YES (ASCII spellings in any case)", expiries=("2034-06-01", "", ""))
add(b'E040,123456789018,"unclosed in the middle,1970-01-15\r\n', "rejected",
    "a quote never closed: the row is its first line only, and reading resumes on the next line",
    reject_field="(row)")
add(row("E035", birth="1990-06-01", issued="2024-06-10"), "not-due",
    "E035 appears again on the next row, whose bytes are not CP932", expiries=("2034-06-01", "", ""))
add(row("E035", sex=b"\x85\x40"), "rejected",
    "unmapped CP932 code 0x85 0x40: rejected for the bytes, so it is no duplicate of the row above",
    reject_field="性別")
add(row("E036", nf="１"), "rejected", "full-width １ is not a listed 転送不要 spelling",
    reject_field="転送不要")
add(row("E037", name="\ue001田　花子", issued="2017-03-01", user_iss="2022-02-01",
        sign_iss="2022-02-01"),
    "held", "the 外字 U+E001 maps to 𠮷 (U+20BB7), which IPAex fonts cannot draw: held, not substituted",
    expiries=("2027-01-15", "2027-01-15", "2027-01-15"))
add(row("E038", postal="385-0000", addr="長野県佐久市横根1234", issued="2017-03-01"),
    "printed", "area representative postal code (ends in 00): printed without a customer barcode",
    exceptions=["no-barcode"], expiries=("2027-01-15", "", ""))
add(row("E039", postal="385-0051", addr="長野県佐久市岩村田1-2-3", issued="2017-03-01"),
    "printed", "the postal code is 中込's, the address is in 岩村田: printed, no barcode, reported",
    exceptions=["postal-mismatch"], expiries=("2027-01-15", "", ""))
add(b'E034,123456789018,"unclosed,1970-01-15\r\n', "rejected",
    "a quote never closed on the last line", reject_field="(row)")

out = io.BytesIO()
out.write(b",".join(enc(h) for h in HEADER) + b"\r\n")
line = 2
expected = []
for raw, exp in rows:
    out.write(raw)
    if exp is not None:
        code = raw.split(b",", 1)[0].decode("ascii")
        expected.append([line, code, exp["outcome"], exp["reject_field"], exp["exceptions"],
                         *exp["expiries"], exp["what"]])
    line += raw.count(b"\n") + raw.replace(b"\r\n", b"").count(b"\r")
with open(os.path.join(HERE, "edge-cases.csv"), "wb") as f:
    f.write(out.getvalue())
with open(os.path.join(HERE, "edge-cases-expected.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["line", "resident_code", "outcome", "reject_field", "exceptions",
                "card_expiry", "user_cert_expiry", "sign_cert_expiry", "what"])
    w.writerows(expected)
print(f"wrote {len(expected)} rows")

# input-samples/README.md, so that the explanation never drifts from the rows.
readme = ["# input-samples", "",
          "- `registry-sample.csv`: a synthetic registry of 1,200 rows in CP932 with CRLF line ends, written by",
          "  `kigen sample --rows 1200 --seed 2026 --as-of 2026-11-26`. It mixes date forms (ISO, `2026/8/14`, 和暦,",
          "  `S60.02.14`, `3600214`), half-width kana readings, full-width postal codes, NEC/IBM extension kanji",
          "  (髙, 﨑), foreign residents with a period of stay, and other statuses (転出, 死亡 …). It also carries a",
          "  synthetic `個人番号` column, which kigen must never copy into any output. 48 residents are due on",
          "  2026-11-26, and one address does not match its postal code (reported as `postal-mismatch`).",
          "- `edge-cases.csv`: one row per reject reason and per exception code, plus the structural cases. It is",
          "  generated by `make_edge_cases.py` (Python standard library only), which also writes",
          "  `edge-cases-expected.csv` (what `kigen check --as-of 2026-11-26` must make of each row) and this README.",
          "  `tests/check_edge_cases.rs` holds the program to the expected file.",
          "- `gaiji-example.csv`: an example 外字 table (`U+E000,髙` lines), invented for these samples: it is",
          "  no city's real table and no shipped profile names it. The expected outcomes of `edge-cases.csv`",
          "  (E009 printed, E037 held for 𠮷) assume a profile naming it (`[gaiji] table`, as the tests and",
          "  `scripts/render-samples.sh` set up); with the shipped Saku profile, which names no table, E009 is",
          "  held like E008.",
          "",
          "## edge-cases.csv, row by row (as of 2026-11-26)",
          "",
          "An item is due when E − 3 months ≤ 2026-11-26 < E, that is for expiries from 2026-11-27",
          "to 2027-02-26.",
          "",
          "| line | 住民コード | outcome | reject field | exceptions | card / user / sign expiry | why |",
          "|---|---|---|---|---|---|---|"]
for r in expected:
    dates = " / ".join(x or "–" for x in r[5:8])
    dates = "" if dates == "– / – / –" else dates
    readme.append(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {dates} | {r[8].replace('|', '/')} |")
missing = sorted(set(range(2, line)) - {r[0] for r in expected})
readme += ["",
           f"Physical lines without a row of their own: {', '.join(map(str, missing))} (the second line of the",
           "quoted address on line 31, and a blank line after the record that ends with a lone CR). Two rows",
           "open a quote that never closes: each is rejected as its own first line, and the rows after it are read.",
           "",
           "Every row carries the same synthetic 個人番号 `123456789018`; a test looks for it in every output file.",
           ""]
with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8") as f:
    f.write("\n".join(readme))
