"""Registry reading and the expiry rules of the ReportLab peer.

A Python reading of kigen's src/wareki (date forms) and src/rules +
src/select.rs (who is due) for the common cases: the `current` rule
generation, lead 3 months, age on the application date, 29 February as
28 February, the residence letter enabled, no ledger (a first run). What it
leaves out is listed in README.md.
"""

import csv
import datetime as dt
import io
import multiprocessing as mp
import re
from functools import lru_cache

D = dt.date

# name, abbreviation, letter, 7-digit code, first day
ERAS = [
    ("明治", "明", "M", 1, D(1868, 1, 25)),
    ("大正", "大", "T", 2, D(1912, 7, 30)),
    ("昭和", "昭", "S", 3, D(1926, 12, 25)),
    ("平成", "平", "H", 4, D(1989, 1, 8)),
    ("令和", "令", "R", 5, D(2019, 5, 1)),
]
ERA_BY_KEY = {}
for _e in ERAS:
    for _k in (_e[0], _e[1], _e[2]):
        ERA_BY_KEY[_k] = _e
ERA_BY_CODE = {e[3]: e for e in ERAS}

# Full-width ASCII and the ideographic space folded to ASCII.
WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
WIDTH[0x3000] = 0x20
WIDTH[0x2212] = ord("-")  # MINUS SIGN, as some exports write it

ISO = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$")
WAREKI = re.compile(
    r"^(明治|大正|昭和|平成|令和|[明大昭平令MTSHR])(元|\d{1,3})"
    r"(?:年(\d{1,2})月(\d{1,2})日|\.(\d{1,2})\.(\d{1,2}))$"
)


def _day(y, m, d, birth):
    try:
        return D(y, m, d)
    except ValueError:
        # 29 February of a common year: lawful in 生年月日 only; the profile's
        # feb29 = "feb28" decides.
        if birth and m == 2 and d == 29:
            return D(y, 2, 28)
        return None


@lru_cache(maxsize=None)
def parse_date(s, birth=False):
    """A registry date in any form the Saku export uses; None when empty or
    not a date (a 不詳日 birth date among them)."""
    s = s.translate(WIDTH).strip()
    if not s:
        return None
    if s.isdigit():
        if len(s) == 8:
            return _day(int(s[:4]), int(s[4:6]), int(s[6:]), birth)
        if len(s) == 7:
            era = ERA_BY_CODE.get(int(s[0]))
            if era is None:
                return None
            return _day(era[4].year + int(s[1:3]) - 1, int(s[3:5]), int(s[5:]), birth)
        return None
    m = ISO.match(s)
    if m:
        return _day(int(m[1]), int(m[3]), int(m[4]), birth)
    m = WAREKI.match(s)
    if m:
        era = ERA_BY_KEY[m[1]]
        y = 1 if m[2] == "元" else int(m[2])
        mo, d = (m[3], m[4]) if m[3] else (m[5], m[6])
        return _day(era[4].year + y - 1, int(mo), int(d), birth)
    return None


WEEKDAYS = "月火水木金土日"


@lru_cache(maxsize=None)
def wareki(d, weekday=False):
    """令和8年11月26日 (with （木） when asked)."""
    era = ERAS[0]
    for e in ERAS:
        if d >= e[4]:
            era = e
    y = d.year - era[4].year + 1
    ys = "元" if y == 1 else str(y)
    s = f"{era[0]}{ys}年{d.month}月{d.day}日"
    if weekday:
        s += f"（{WEEKDAYS[d.weekday()]}）"
    return s


# --- the rules (src/rules/age.rs, mod.rs) ---------------------------------

def birthday_in(birth, year):
    try:
        return D(year, birth.month, birth.day)
    except ValueError:
        return D(year, 2, 28)


def nth_birthday_after(birth, after, n):
    if n == 0:
        return after
    after = max(after, birth)
    y0 = after.year
    first = y0 if birthday_in(birth, y0) > after else y0 + 1
    return birthday_in(birth, first + n - 1)


def attains_age_on(birth, years):
    try:
        a = D(birth.year + years, birth.month, birth.day)
    except ValueError:
        a = D(birth.year + years, 3, 1)
    return a - dt.timedelta(days=1)


def aged_at_least(birth, years, day):
    return day >= attains_age_on(birth, years)


def months_before(d, months):
    total = d.year * 12 + d.month - 1 - months
    y, m0 = divmod(total, 12)
    day = d.day
    while True:
        try:
            return D(y, m0 + 1, day)
        except ValueError:
            day -= 1


MAJORITY_CHANGE = D(2022, 4, 1)
LEAD = 3
RESIDENCE_LEAD = 3


def card_expiry_by_rule(birth, applied, issued):
    received = applied or issued
    threshold = 18 if received >= MAJORITY_CHANGE else 20
    n = 10 if aged_at_least(birth, threshold, received) else 5
    return nth_birthday_after(birth, issued, n)


def cert_expiry_by_rule(birth, issued):
    # `current`: every band's certificates run to the 5th birthday.
    return nth_birthday_after(birth, issued, 5)


class Notice:
    __slots__ = ("code", "name", "kana", "birth", "birth_text", "postal", "address",
                 "extra", "nf", "rep", "kind", "items", "due", "minor",
                 "barcode", "bars")


def in_window(e, lead, as_of):
    return months_before(e, lead) <= as_of < e


def evaluate(row, ix, as_of):
    """(kind, items) for a 住民 row with a card; items = [(kind, E, by_stay)
    or None] in table order; kind None when nothing is due."""
    issued = parse_date(row[ix["card_issued"]])
    if issued is None:
        return "no-item", None, None
    birth = parse_date(row[ix["birth"]], True)
    applied = parse_date(row[ix["card_applied"]])
    stay = parse_date(row[ix["stay_end"]])

    rec = parse_date(row[ix["card_expiry"]])
    if rec is not None:
        card = ("card", rec, False)
    elif birth is None:
        return "rejected", None, None
    else:
        e = card_expiry_by_rule(birth, applied, issued)
        card = ("card", stay, True) if stay and stay < e else ("card", e, False)
    items = [card, None, None]
    for slot, (kname, ik, ek) in enumerate(
            (("user_cert", "user_issued", "user_expiry"),
             ("sign_cert", "sign_issued", "sign_expiry")), start=1):
        ci = parse_date(row[ix[ik]])
        if ci is None:
            continue
        rec = parse_date(row[ix[ek]])
        if rec is not None:
            items[slot] = (kname, rec, False)
            continue
        if birth is None:
            return "rejected", None, None
        e, by_stay = cert_expiry_by_rule(birth, ci), False
        for cap in items[:slot]:
            if cap is None:
                continue
            if cap[1] < e:
                e, by_stay = cap[1], cap[2]
        items[slot] = (kname, e, by_stay)

    due, residence = [], []
    for it in items:
        if it is None:
            continue
        if it[2]:
            if in_window(it[1], RESIDENCE_LEAD, as_of):
                residence.append(it[0])
        elif in_window(it[1], LEAD, as_of):
            due.append(it[0])
    if due:
        return ("card" if "card" in due else "certificate"), items, due
    if "card" in residence:
        return "residence", items, residence
    return "not-due", items, None


COLUMNS = {
    "code": "住民コード", "name": "氏名", "kana": "氏名カナ", "birth": "生年月日",
    "status": "住民状態", "postal": "郵便番号", "address": "住所", "extra": "方書",
    "card_applied": "カード申請日", "card_issued": "カード発行日",
    "card_expiry": "カード有効期限",
    "user_issued": "利用者証明用電子証明書発行日",
    "user_expiry": "利用者証明用電子証明書有効期限",
    "sign_issued": "署名用電子証明書発行日", "sign_expiry": "署名用電子証明書有効期限",
    "stay_end": "在留期間満了日", "nf": "転送不要", "rep": "法定代理人氏名",
}
TRUE = {"1", "○", "有", "true", "yes", "TRUE", "YES", "True", "Yes"}
HALF_KANA = None  # half-width kana widening is left out (the sample has none)


def postal7(s):
    digits = "".join(ch for ch in s.translate(WIDTH) if ch.isdigit())
    return digits if len(digits) == 7 else None


def select_rows(lines, ix, as_of):
    """The due notices among CSV `lines` (no header); (notices, rows read)."""
    notices = []
    rows = 0
    i_status = ix["status"]
    for row in csv.reader(lines):
        rows += 1
        if row[i_status] != "住民":
            continue
        kind, items, due = evaluate(row, ix, as_of)
        if due is None:
            continue
        postal = postal7(row[ix["postal"]])
        if postal is None:
            continue  # kigen rejects it (rejects.csv)
        n = Notice()
        n.code = row[ix["code"]]
        n.name = row[ix["name"]]
        n.kana = row[ix["kana"]]
        n.birth = parse_date(row[ix["birth"]], True)
        n.birth_text = row[ix["birth"]]
        n.postal = postal
        n.address = row[ix["address"]].translate(WIDTH).strip()
        n.extra = row[ix["extra"]].strip()
        n.nf = row[ix["nf"]].strip() in TRUE
        n.rep = row[ix["rep"]].strip()
        n.kind = kind
        n.items = items
        n.due = due
        n.minor = n.birth is not None and not aged_at_least(n.birth, 18, as_of)
        notices.append(n)
    return notices, rows


_JOB = {}


def _select_part(i):
    j = _JOB
    lo, hi = j["parts"][i]
    text = j["data"][lo:hi].decode(j["encoding"])
    return select_rows(io.StringIO(text, newline=""), j["ix"], j["as_of"])


def read_registry(path, as_of, encoding="cp932", jobs=1):
    """The due notices of the registry (in file order), and the count of
    rows read. With jobs > 1 the rows are read and selected in that many
    processes, split at line ends (CP932 never has 0x0A as a trail byte);
    a file with a quote character is read in one process, since a quoted
    field may hold a line end."""
    with open(path, "rb") as f:
        data = f.read()
    nl = data.index(b"\n") + 1
    header = next(csv.reader([data[:nl].decode(encoding)]))
    pos = {h: i for i, h in enumerate(header)}
    ix = {k: pos[v] for k, v in COLUMNS.items()}
    if jobs <= 1 or b'"' in data:
        return select_rows(io.StringIO(data[nl:].decode(encoding), newline=""), ix, as_of)
    parts, lo = [], nl
    for k in range(1, jobs + 1):
        hi = len(data) if k == jobs else data.index(b"\n", nl + (len(data) - nl) * k // jobs) + 1
        parts.append((lo, hi))
        lo = hi
    _JOB.update(data=data, parts=parts, encoding=encoding, ix=ix, as_of=as_of)
    with mp.get_context("fork").Pool(jobs) as pool:
        results = pool.map(_select_part, range(jobs))
    notices = [n for part, _ in results for n in part]
    return notices, sum(r for _, r in results)


# --- customer barcode (src/barcode), simplified ----------------------------

FIRST_DIGIT = re.compile(r"[0-9]")


def address_number(address, extra=""):
    """The 住所表示番号 for the barcode (DOMAIN 7): the address from its first
    digit on, then the 方書; digits and lone capital letters kept, anything
    else a hyphen, hyphens next to a letter dropped. kigen finds where the
    town name ends with Japan Post's KEN_ALL table and converts kanji
    numerals; the peer starts at the first digit."""
    m = FIRST_DIGIT.search(address)
    if not m:
        return ""
    s = (address[m.start():] + "-" + extra.translate(WIDTH)).upper()
    s = re.sub(r"(?<=[0-9])F", "-", s)
    s = re.sub(r"[A-Z]{2,}", "-", s)
    s = re.sub(r"[^0-9A-Z]", "-", s)
    s = re.sub("-+", "-", s).strip("-")
    return re.sub(r"-?([A-Z])-?", r"\1", s)


BAR_PATTERNS = ["FTT", "FFT", "FDA", "DFA", "FAD", "FTF", "DAF", "AFD", "ADF", "TFF",
                "TFT", "DAT", "DTA", "ADT", "TDA", "ATD", "TAD", "TTF", "FFF"]


def barcode(postal, address, extra=""):
    """(manifest text, bar string of 67 F/A/D/T)."""
    vals = [int(c) for c in postal]
    for ch in address_number(address, extra):
        if ch.isdigit():
            vals.append(int(ch))
        elif ch == "-":
            vals.append(10)
        else:
            o = ord(ch) - 65
            vals.extend([11 + o // 10, o % 10])
    vals = vals[:20]
    vals += [14] * (20 - len(vals))  # CC4
    vals.append((19 - sum(vals) % 19) % 19)
    bars = "FD" + "".join(BAR_PATTERNS[v] for v in vals) + "DF"
    names = [str(v) if v < 10 else ("-" if v == 10 else f"CC{v - 10}") for v in vals]
    return "STC " + " ".join(names) + " SPC", bars
